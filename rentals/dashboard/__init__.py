"""The managers' dashboard: the star split, inspections, orders and outcome rates.

Routes live in ``views``; the app factory imports them.
"""

from flask import Blueprint

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")
