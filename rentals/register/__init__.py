"""The register: units, people and tenancies (一户一档), with import and export.

Routes live in ``views`` and ``ledger_views``; the app factory imports them.
"""

from flask import Blueprint

bp = Blueprint("register", __name__)
