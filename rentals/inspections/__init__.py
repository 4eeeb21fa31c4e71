"""Inspections at the door: checklists from the scorecard, photos, rectification orders,
signatures.  Routes live in ``views``; the app factory imports them."""

from flask import Blueprint

bp = Blueprint("inspections", __name__)
