"""Public-security incidents (治安事件) logged by police and managers against a unit.

The scheme reports fewer minor incidents as its third outcome; these rows are what the
dashboard counts. Staff only: no landlord page and no public page ever reads them.
Routes live in ``views``; the app factory imports them.
"""

from flask import Blueprint

bp = Blueprint("incidents", __name__)
