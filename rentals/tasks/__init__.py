"""Inspection tasks: the planner at the database edge, the board, inspectors' lists, feeds.

Routes live in ``views``; the app factory imports them.
"""

from flask import Blueprint

bp = Blueprint("tasks", __name__, url_prefix="/tasks")
