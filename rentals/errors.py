"""Domain errors: services raise them, views and the API turn them into 4xx answers."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A rule said no. ``message`` is already translated (or lazily translatable)."""

    status = 400
    code = "invalid"

    def __init__(self, message: Any, *, field: str | None = None) -> None:
        super().__init__(str(message))
        self.message = message
        self.field = field


class NotFound(DomainError):
    status = 404
    code = "not_found"


class NotAllowed(DomainError):
    status = 403
    code = "not_allowed"


class Conflict(DomainError):
    status = 409
    code = "conflict"


class InvalidInput(DomainError):
    status = 422
    code = "invalid_input"
