"""The register: units, people and tenancies (一户一档), with import and export."""

from flask import Blueprint

bp = Blueprint("register", __name__)

from rentals.register import views  # noqa: E402,F401
from rentals.register import ledger_views  # noqa: E402,F401
