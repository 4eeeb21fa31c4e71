"""What the administration pages share: the acting user, form errors next to their
field, out-of-reach objects as 404, and pages that no cache may keep."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import abort, flash, make_response, request
from flask_login import current_user

from rentals import clock, db
from rentals.auth.models import User
from rentals.errors import DomainError, NotFound


def actor() -> User:
    """The signed-in user acting on the page."""
    return current_user._get_current_object()  # type: ignore[no-any-return]


def field_error(form: Any, err: DomainError) -> None:
    field = getattr(form, err.field, None) if err.field else None
    if field is not None:
        field.errors = [*field.errors, str(err.message)]
    else:
        flash(str(err.message), "error")


def local_today() -> date:
    """Today in the configured time zone (the date printed on sheets)."""
    return clock.today()


def int_arg(name: str) -> int | None:
    value = request.args.get(name, "")
    return int(value) if value.isascii() and value.isdigit() and len(value) <= 9 else None


def form_status() -> int:
    return 422 if request.method == "POST" else 200


def or_404(fn: Any, *args: Any) -> Any:
    """``fn(session, actor, *args)``, a ``reach.*_or_404`` lookup; NotFound answers 404."""
    try:
        return fn(db.session(), actor(), *args)
    except NotFound:
        abort(404)


def no_store(html: str, status: int = 200) -> Any:
    """A page that shows a one-time password: never kept by a browser or proxy cache."""
    response = make_response(html, status)
    response.headers["Cache-Control"] = "no-store"
    return response
