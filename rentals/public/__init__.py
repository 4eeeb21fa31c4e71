"""Public pages (/public/...): no login and no personal data; bilingual, cacheable.

Routes live in ``views`` (imported by the app factory, not here: no import cycle).
"""

from flask import Blueprint

bp = Blueprint("public", __name__)
