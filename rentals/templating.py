"""Jinja filters and globals shared by pages: masking, stars, local dates, nav."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from datetime import date, datetime
from urllib.parse import quote

from flask import Flask, has_request_context, url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from rentals import clock
from scoring.names import LANGUAGES, RATING_NAMES


class RatingLabels(Mapping[str, str]):
    """Status value -> its full name in the language of the request (scoring.names is
    the one table; outside a request, Chinese)."""

    def __getitem__(self, status: str) -> str:
        return RATING_NAMES[status].label(current_language())

    def __iter__(self) -> Iterator[str]:
        return iter(RATING_NAMES)

    def __len__(self) -> int:
        return len(RATING_NAMES)


def current_language() -> str:
    """The language pages are rendered in: "zh", "bo" or "en"."""
    locale = get_locale() if has_request_context() else None
    language = getattr(locale, "language", "zh")
    return language if language in LANGUAGES else "zh"


def echo_bo() -> bool:
    """Whether a bilingual page adds its Tibetan line beside the translated text: public
    pages and door stickers are read by Chinese and Tibetan readers alike, but a page
    already rendered in Tibetan would say everything twice."""
    return current_language() != "bo"


#: Labels of the public rating states (scoring.RatingStatus values).
RATING_LABELS = RatingLabels()
RATING_CLASS = {status: name.css for status, name in RATING_NAMES.items()}
UNIT_STATUS_LABELS = {"active": _l("在租"), "vacant": _l("空置"), "withdrawn": _l("已退出出租")}
TASK_STATUS_LABELS = {
    "open": _l("待办"),
    "overdue": _l("逾期"),
    "done": _l("已完成"),
    "cancelled": _l("已取消"),
}
OUTCOME_LABELS = {
    "completed": _l("已检查"),
    "refused": _l("拒绝检查"),
    "no_access": _l("无人在家"),
    "unit_gone": _l("房屋已不存在"),
}
UNIT_TYPE_LABELS = {
    "room": _l("单间"),
    "apartment": _l("套房"),
    "house": _l("独院"),
    "other": _l("其他"),
}
ROLE_LABELS = {
    "inspector": _l("民警/网格员"),
    "manager": _l("管理人员"),
    "landlord": _l("房东"),
    "admin": _l("系统管理员"),
}


def mask_id_number(value: str | None) -> str:
    """First 6 and last 4 characters, the rest starred (GB 11643 numbers are 18 long)."""
    if not value:
        return ""
    if len(value) <= 10:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_phone(value: str | None) -> str:
    """Show a mobile as 138****5678."""
    if not value:
        return ""
    digits = value[3:] if value.startswith("+86") else value
    if len(digits) != 11:
        return "*" * len(digits)
    return digits[:3] + "****" + digits[-4:]


def display_phone(value: str | None) -> str:
    if not value:
        return ""
    return value[3:] if value.startswith("+86") else value


def local_datetime(value: datetime | None) -> str:
    if value is None:
        return ""
    return value.astimezone(clock.zone()).strftime("%Y-%m-%d %H:%M")


def iso_date(value: date | None) -> str:
    return value.isoformat() if value else ""


#: The characters of a value werkzeug keeps unquoted in a path (``BaseConverter.to_url``).
_SEGMENT_SAFE = "!$&'()*+,/:;=@"
#: Stand for the row's value in a built link: no code or id has them, and quoting keeps them.
_SLOTS = {str: "@@slot@@", int: 987654321987}


def row_link(
    endpoint: str, field: str = "code", kind: type = str, **values: object
) -> Callable[[object], str]:
    """``value -> url_for(endpoint, **{field: value}, **values)`` from one ``url_for``.

    A list of a hundred rows with two links each spent a sixth of its page in
    ``url_for``; the link is built once with a slot for the row's value, and each row's
    value is quoted into it as werkzeug quotes a path segment."""
    slot = _SLOTS[kind]
    head, _slot, tail = url_for(endpoint, **{field: slot}, **values).partition(str(slot))
    return lambda value: f"{head}{quote(str(value), safe=_SEGMENT_SAFE)}{tail}"


def init_app(app: Flask) -> None:
    app.jinja_env.filters.update(
        mask_id=mask_id_number,
        mask_phone=mask_phone,
        phone=display_phone,
        local_dt=local_datetime,
        iso_date=iso_date,
    )
    app.jinja_env.globals.update(
        RATING_LABELS=RATING_LABELS,
        RATING_CLASS=RATING_CLASS,
        RATING_NAMES=RATING_NAMES,
        current_language=current_language,
        echo_bo=echo_bo,
        UNIT_STATUS_LABELS=UNIT_STATUS_LABELS,
        TASK_STATUS_LABELS=TASK_STATUS_LABELS,
        OUTCOME_LABELS=OUTCOME_LABELS,
        UNIT_TYPE_LABELS=UNIT_TYPE_LABELS,
        ROLE_LABELS=ROLE_LABELS,
        has_endpoint=lambda name: name in app.view_functions,
    )
    app.jinja_env.add_extension("jinja2.ext.do")
