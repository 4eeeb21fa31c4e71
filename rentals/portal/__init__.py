"""The landlord's pages (/my/...): ratings explained, tenant reports, re-inspection
requests, contests and public replies; and the staff actions that answer them.

Routes live in ``views`` (imported by the app factory, not here: no import cycle).
"""

from flask import Blueprint

bp = Blueprint("portal", __name__)
