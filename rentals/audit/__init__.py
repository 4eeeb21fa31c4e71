"""Audit trail: ``record()`` appends an event in the caller's transaction.

The read-only search page lives in ``rentals.audit.views`` (blueprint ``bp``); the app
factory imports it, so the many services that import ``record`` pull in no view code.
"""

from flask import Blueprint

from rentals.audit.services import record

bp = Blueprint("audit", __name__)

__all__ = ["bp", "record"]
