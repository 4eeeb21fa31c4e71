"""Administration: communities, areas, accounts and landlord logins (pages and CLI).

Routes live in ``views`` and commands in ``commands``; the app factory imports them.
"""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")
