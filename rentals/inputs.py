"""What a request may carry: bounded path converters, date query parameters, form fields.

Every ``<int:…>`` and ``<…>`` path parameter is bounded before a view sees it.

Ids are 32-bit on PostgreSQL (``integer``): ``/people/2147483648/edit`` used to reach the
database and fail there (500), and ``99999999999999999999`` overflowed SQLite's integer.
Registered as the app's *default* ``int`` and ``string`` converters, so every route,
including routes added later, is covered without naming a new converter.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Flask, abort, request
from flask_babel import gettext as _
from werkzeug.routing import IntegerConverter, Map, UnicodeConverter

from rentals.errors import DomainError

#: The largest id either engine stores (PostgreSQL ``integer``).
MAX_ID = 2**31 - 1
#: The longest path parameter any route takes (unit codes, serials, tokens, job ids).
MAX_SEGMENT = 200
#: The dates a page may be asked about (``?week=``, ``?since=``): wide for any real
#: record, and far enough from ``date.min``/``date.max`` that a week's arithmetic or a
#: zone shift around them cannot overflow.
EARLIEST = date(1900, 1, 1)
LATEST = date(2999, 12, 31)


class BoundedIntConverter(IntegerConverter):
    """``<int:…>``: a non-negative int up to ``MAX_ID``; anything larger is a 404."""

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


class BoundedStringConverter(UnicodeConverter):
    """``<name>``: one path segment of at most ``MAX_SEGMENT`` characters (else 404)."""

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:
        if "length" not in kwargs:
            kwargs.setdefault("maxlength", MAX_SEGMENT)
        super().__init__(map, *args, **kwargs)


def date_arg(name: str) -> date | None:
    """The query parameter ``name`` as a date (``YYYY-MM-DD``).

    None when absent or not a date (the page keeps its default); outside
    ``EARLIEST``..``LATEST`` a 400 that says which dates are allowed.
    """
    raw = request.args.get(name, "").strip()[:10]
    try:
        value = date.fromisoformat(raw)
    except ValueError:
        return None
    if not EARLIEST <= value <= LATEST:
        raise DomainError(
            _(
                "日期 %(value)s 超出可查询的范围（%(first)s 至 %(last)s）。",
                value=value.isoformat(),
                first=EARLIEST.isoformat(),
                last=LATEST.isoformat(),
            )
        )
    return value


def refuse_nameless_fields() -> None:
    """A multipart body with a part that has no name is malformed: 400 before anything reads it.

    Werkzeug keys such a part ``None``, and the CSRF check (``key.endswith``) crashed on it.
    """
    if request.mimetype in FORM_TYPES and (None in request.form or None in request.files):
        abort(400)


FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")


def init_app(app: Flask) -> None:
    """First in ``create_app``: converters are looked up when a blueprint adds a rule, and
    the form check must run before the CSRF check (also a ``before_request``)."""
    app.url_map.converters["int"] = BoundedIntConverter
    app.url_map.converters["default"] = BoundedStringConverter
    app.url_map.converters["string"] = BoundedStringConverter
    app.before_request(refuse_nameless_fields)
