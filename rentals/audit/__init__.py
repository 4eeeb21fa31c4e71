"""Audit trail: ``record()`` appends an event in the caller's transaction."""

from rentals.audit.services import record

__all__ = ["record"]
