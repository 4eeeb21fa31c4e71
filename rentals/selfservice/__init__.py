"""Tenants declare themselves from the door (issue 19): the public "I live here" form on a
plaque's page or a door sticker, and the landlord's and staff's answers to it.

Routes live in ``views`` (imported by the app factory, not here: no import cycle).
"""

from flask import Blueprint

bp = Blueprint("selfservice", __name__)
