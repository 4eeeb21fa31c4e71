"""Public pages: the published blacklist, recommended three-star units, a search by unit
code. No login and no personal data; every page is bilingual (Chinese and Tibetan),
rate-limited per client address and cacheable for five minutes.
"""

from __future__ import annotations

import re
from datetime import date

from flask import Response, current_app, redirect, render_template, request, url_for
from sqlmodel import select

from rentals import clock, db
from rentals.extensions import limiter
from rentals.incentives.blacklist import blacklist_entries
from rentals.incentives.recommended import recommended_units
from rentals.inspections.queries import freshness
from rentals.public import bp, queries
from rentals.register.models import Area, Unit

#: Five minutes: a changed rating shows on public pages within that time.
CACHE_SECONDS = 300
_CODE = re.compile(r"[A-Za-z0-9\-]{1,32}")

limiter.limit(lambda: current_app.config.get("PUBLIC_RATE_LIMIT", "120 per minute"))(bp)


@bp.after_request
def _cacheable(response: Response) -> Response:
    """Public and identical for everyone, so shared caches may keep a successful page."""
    if response.status_code == 200:
        response.headers["Cache-Control"] = f"public, max-age={CACHE_SECONDS}"
        response.vary.add("Accept-Language")
    return response


def _today() -> date:
    return clock.today()


def _int_arg(name: str) -> int | None:
    value = request.args.get(name, "")
    return int(value) if value.isascii() and value.isdigit() and len(value) <= 9 else None


@bp.route("/public/")
def index():  # type: ignore[no-untyped-def]
    return render_template("public/index.html")


@bp.route("/public/blacklist")
def blacklist():  # type: ignore[no-untyped-def]
    entries = blacklist_entries(db.session(), today=_today())
    return render_template("public/blacklist.html", entries=entries)


@bp.route("/public/recommended")
def recommended():  # type: ignore[no-untyped-def]
    session = db.session()
    area_id = _int_arg("area")
    page = min(_int_arg("page") or 1, 100000)
    rows, total = recommended_units(session, area_id=area_id, page=page)
    replies = queries.replies_for(session, [r["code"] for r in rows])
    areas = list(session.exec(select(Area).order_by(Area.name)))
    return render_template(
        "public/recommended.html",
        rows=rows,
        total=total,
        page=page,
        pages=max(1, -(-total // 50)),
        replies=replies,
        areas=areas,
        area_id=area_id,
    )


@bp.route("/public/search")
def search():  # type: ignore[no-untyped-def]
    code = request.args.get("code", "").strip().upper()[:32]
    if code and _CODE.fullmatch(code):
        found = queries.public_unit(db.session(), code, today=_today())
        if found is not None:
            return redirect(url_for("public.unit", code=found["code"]))
    return render_template("public/search.html", code=code, missing=bool(code))


@bp.route("/public/units/<code>")
def unit(code: str):  # type: ignore[no-untyped-def]
    found = None
    if _CODE.fullmatch(code):
        found = queries.public_unit(db.session(), code.upper(), today=_today())
    if found is None:
        return render_template("public/search.html", code=code[:32], missing=True), 404
    session = db.session()
    unit = session.exec(select(Unit).where(Unit.code == found["code"])).one()
    return render_template(
        "public/unit.html", u=found, fresh=freshness(session, unit, today=_today())
    )
