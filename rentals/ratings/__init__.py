"""Ratings: stored scorecard versions, the rating history, and the scorecard admin pages.

Routes live in ``rentals.ratings.views``; the app factory imports them.
"""

from flask import Blueprint

bp = Blueprint("ratings", __name__, url_prefix="/scorecards")
#: Contest decisions on the unit file (/units/...), beside the ratings they contest.
contests_bp = Blueprint("contests", __name__)
