"""Dashboard pages: the figures, the list behind each figure, and its CSV/XLSX export.

Managers and admins see every unit in their scope; inspectors see the figures of the areas
they serve (``unit_scope`` decides); landlords and the public get 403.
"""

from __future__ import annotations

import re
import tempfile
from datetime import date
from typing import Any
from urllib.parse import urlencode

from flask import abort, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from rentals import db
from rentals.auth.access import STAFF, roles_required
from rentals.auth.models import User
from rentals.dashboard import (
    aggregates,  # noqa: F401  (its mapper events keep the counts)
    bp,
    charts,
    export,
    figures,
    queries,
)
from rentals.errors import InvalidInput
from rentals.register.queries import areas_for

MONTH = re.compile(r"(\d{4})-(\d{2})")
PER_PAGE = 100


def _user() -> User:
    return current_user._get_current_object()  # type: ignore[no-any-return]


def _int_arg(name: str) -> int | None:
    value = request.args.get(name, "")
    if value == "":
        return None
    if not (value.isascii() and value.isdigit() and len(value) <= 9):
        raise InvalidInput(_("筛选条件无效。"))
    return int(value)


def _filter() -> queries.Filter:
    """The filter from the query string; anything malformed is a 400 in the user's language."""
    today = queries.today()
    month = today.replace(day=1)
    raw = request.args.get("month", "")
    if raw:
        match = MONTH.fullmatch(raw)
        if (
            not match
            or not 1 <= int(match.group(2)) <= 12
            or not 2000 <= int(match.group(1)) <= 2100
        ):
            raise InvalidInput(_("月份无效，请用 2027-01 这样的格式。"))
        month = date(int(match.group(1)), int(match.group(2)), 1)
    return queries.Filter(
        community_id=_int_arg("community"),
        area_id=_int_arg("area"),
        month=month,
        today=today,
    )


def _list_url(flt: queries.Filter, kind: str, detail: str, **extra: Any) -> str:
    """The list behind a figure; ``extra`` may override the filter (a month, an area)."""
    return url_for("dashboard.rows", kind=kind, detail=detail, **{**flt.args(), **extra})


def _list_urls(flt: queries.Filter) -> Any:
    """``_list_url`` for a page of several hundred links (one per inspector and area at 10⁶
    units): each list's path is built once by ``url_for``, the query string by
    ``urlencode``, as ``url_for`` writes it."""
    paths: dict[tuple[str, str], str] = {}
    base = flt.args()
    query = urlencode(base)

    def link(kind: str, detail: str, **extra: Any) -> str:
        path = paths.get((kind, detail))
        if path is None:
            path = paths[(kind, detail)] = url_for("dashboard.rows", kind=kind, detail=detail)
        extra = {k: v for k, v in extra.items() if v is not None}
        if not extra:
            return f"{path}?{query}"
        if base.keys().isdisjoint(extra):
            return f"{path}?{query}&{urlencode(extra)}"
        return f"{path}?{urlencode({**base, **extra})}"

    return link


@bp.route("/")
@roles_required(*STAFF)
def index():  # type: ignore[no-untyped-def]
    session, user, flt = db.session(), _user(), _filter()
    areas = areas_for(session, user)
    communities = queries.communities_for(session, user, areas)
    scoped = figures.scoped_areas(areas, flt)
    shown = figures.figures(session, user, flt, areas=scoped, communities=communities)
    return render_template(
        "dashboard/index.html",
        flt=flt,
        communities=communities,
        areas=areas,
        split_bars=charts.bars(shown["split"]),
        history_chart=charts.stacked(shown["history"]),
        incident_chart=charts.columns(shown["incidents"].by_month),
        **shown,
        list_url=_list_urls(flt),
        community_url=lambda cid: url_for(
            "dashboard.index", **{**flt.args(), "community": cid, "area": None}
        ),
    )


@bp.route("/list/<kind>/<detail>")
@roles_required(*STAFF)
def rows(kind: str, detail: str):  # type: ignore[no-untyped-def]
    session, user, flt = db.session(), _user(), _filter()
    extra = {"inspector": _int_arg("inspector"), "item": request.args.get("item") or None}
    if extra["item"] is not None and len(extra["item"]) > 16:
        raise InvalidInput(_("筛选条件无效。"))
    listing = queries.list_query(
        user,
        flt,
        kind=kind,
        detail=detail,
        inspector_id=extra["inspector"],
        item=extra["item"],
        narrow=figures.narrow(session, user, flt),
    )
    if listing is None:
        abort(404)
    fmt = request.args.get("format", "")
    title = export.title(kind, detail)
    if fmt in ("csv", "xlsx"):
        out = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115 (send_file closes it)
        export.write(fmt, kind, queries.stream(session, listing), out)
        out.seek(0)
        return send_file(
            out,
            mimetype="text/csv" if fmt == "csv" else export.XLSX_MIMETYPE,
            as_attachment=True,
            download_name=f"dashboard-{kind}-{detail}-{flt.month:%Y-%m}.{fmt}",
            max_age=0,
        )
    after = request.args.get("after") or None
    try:
        shown, next_after = queries.page_of(session, listing, after=after, limit=PER_PAGE)
    except ValueError:
        raise InvalidInput(_("筛选条件无效。")) from None
    total = figures.total_of(
        session,
        user,
        flt,
        kind=kind,
        detail=detail,
        inspector_id=extra["inspector"],
        item=extra["item"],
    )
    if total is None:
        total = queries.count_of(session, listing)
    args = {k: v for k, v in extra.items() if v is not None}
    return render_template(
        "dashboard/list.html",
        flt=flt,
        title=title,
        kind=kind,
        detail=detail,
        rows=shown,
        total=total,
        first_url=_list_url(flt, kind, detail, **args) if after else None,
        next_url=_list_url(flt, kind, detail, after=next_after, **args) if next_after else None,
        extra_header=export.extra_header(kind),
        export_url=lambda fmt: _list_url(flt, kind, detail, format=fmt, **args),
        back_url=url_for("dashboard.index", **flt.args()),
    )
