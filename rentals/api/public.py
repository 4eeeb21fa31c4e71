"""Open data without a token: public ratings per unit and per community, the blacklist
today and its published monthly editions, recommended three-star units, and the bulk
files of every public rating. No personal data: the reads are the public pages' own
(``rentals.public.queries``, ``rentals.incentives``), plus community lists.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from flask import Response, stream_with_context
from flask_babel import lazy_gettext as _l
from sqlmodel import select

from rentals import clock, db
from rentals.api import bp, present
from rentals.api import public_schemas as p
from rentals.api import schemas as s
from rentals.api.spec import responses, spec
from rentals.errors import NotFound
from rentals.incentives.blacklist import blacklist_entries, edition, month_key
from rentals.incentives.models import BlacklistEdition
from rentals.incentives.recommended import recommended_units
from rentals.portal.services import has_personal_number
from rentals.public import queries as public_queries
from rentals.register.ledger import escape_formula
from rentals.register.models import Area, Community, Unit
from rentals.register.queries import in_community

#: The bulk files are regenerated from the current ratings at most this often per cache.
BULK_CACHE_SECONDS = 3600
PUBLIC_ERRORS = (400, 404, 429)
BULK_FIELDS = (
    "code",
    "community_id",
    "community",
    "area",
    "area_bo",
    "unit_type",
    "rating_status",
    "stars",
)


def _cacheable(response: Response, seconds: int) -> Response:
    response.headers["Cache-Control"] = f"public, max-age={seconds}"
    response.vary.add("Accept-Language")
    return response


def _public_rows(conditions: list, *, after: str = "", limit: int | None = None):  # type: ignore[no-untyped-def]
    query = (
        select(Unit, Area, Community)
        .join(Area, Area.id == Unit.area_id)
        .join(Community, Community.id == Area.community_id)
        .where(Unit.status != "withdrawn", *conditions)
        .order_by(Unit.code)
    )
    if after:
        query = query.where(Unit.code > after)
    if limit is not None:
        query = query.limit(limit)
    return query


def _rating(unit: Unit, area: Area, community: Community) -> p.PublicRating:
    return p.PublicRating(
        code=unit.code,
        community_id=community.id,  # type: ignore[arg-type]
        community=community.name,
        area=area.name,
        area_bo=area.name_bo,
        unit_type=unit.unit_type,
        rating_status=unit.rating_status,  # type: ignore[arg-type]
        stars=unit.stars,
    )


@bp.get("/public/communities")
@spec.validate(resp=responses(p.CommunityList, 429), tags=["public"])
def public_communities():  # type: ignore[no-untyped-def]
    """Every community of the installation."""
    rows = db.session().exec(select(Community).order_by(Community.name))
    return p.CommunityList(
        items=[p.CommunityOut(id=c.id, name=c.name, name_bo=c.name_bo) for c in rows]  # type: ignore[arg-type]
    )


@bp.get("/public/communities/<int:community_id>/ratings")
@spec.validate(resp=responses(p.PublicRatingList, *PUBLIC_ERRORS, 422), tags=["public"])
def public_community_ratings(community_id: int, query: s.CursorQuery):  # type: ignore[no-untyped-def]
    """The public rating of every unit of one community, by unit code, in cursor pages."""
    session = db.session()
    if session.get(Community, community_id) is None:
        raise NotFound(_l("找不到该页面或记录。"))
    after = present.decode_cursor(query.cursor)
    rows = list(
        session.exec(_public_rows([in_community(community_id)], after=after, limit=query.limit + 1))
    )
    more = len(rows) > query.limit
    rows = rows[: query.limit]
    return p.PublicRatingList(
        items=[_rating(*row) for row in rows],
        next_cursor=present.encode_cursor(rows[-1][0].code) if more else None,
    )


@bp.get("/public/units/<code>")
@spec.validate(resp=responses(p.PublicUnit, *PUBLIC_ERRORS), tags=["public"])
def public_unit(code: str):  # type: ignore[no-untyped-def]
    """A unit's public rating by its code (what its plaque's QR check shows)."""
    session = db.session()
    found = session.exec(_public_rows([Unit.code == code.strip().upper()[:32]])).first()
    facts = public_queries.public_unit(session, code.strip().upper()[:32], today=clock.today())
    if found is None or facts is None:
        raise NotFound(_l("找不到该页面或记录。"))
    reply = facts["reply"]
    if reply and has_personal_number(reply):
        reply = None  # a reply stored before the filter stays off public answers
    return p.PublicUnit(
        **_rating(*found).model_dump(),
        plaque_serial=facts["plaque_serial"],
        plaque_valid_until=facts["plaque_valid_until"],
        reply=reply,
        blacklisted_since=facts["blacklisted_since"],
    )


def _entry(row: dict) -> p.BlacklistEntry:  # type: ignore[type-arg]
    return p.BlacklistEntry(
        code=row["code"],
        area=row["area"],
        area_bo=row["area_bo"],
        unit_type=row["unit_type"],
        rating_status=row["rating_status"],
        stars=row["stars"],
        since=row["since"],
    )


@bp.get("/public/blacklist")
@spec.validate(resp=responses(p.BlacklistNow, 429), tags=["public"])
def public_blacklist():  # type: ignore[no-untyped-def]
    """The blacklist as published today: one-star and not-rated units whose
    notice period has passed, with the date each entry began."""
    today = clock.today()
    rows = blacklist_entries(db.session(), today=today)
    return p.BlacklistNow(date=today, items=[_entry(r) for r in rows])


@bp.get("/public/blacklist/editions")
@spec.validate(resp=responses(p.EditionList, 429), tags=["public"])
def public_blacklist_editions():  # type: ignore[no-untyped-def]
    """Every published monthly edition, newest first."""
    rows = db.session().exec(select(BlacklistEdition).order_by(BlacklistEdition.month.desc()))
    return p.EditionList(
        items=[
            p.EditionSummary(
                month=e.month, published_at=e.published_at, units=len(e.data.get("rows", []))
            )
            for e in rows
        ]
    )


@bp.get("/public/blacklist/editions/<month>")
@spec.validate(resp=responses(p.EditionOut, *PUBLIC_ERRORS), tags=["public"])
def public_blacklist_edition(month: str):  # type: ignore[no-untyped-def]
    """One month's edition (``YYYY-MM``) exactly as it was published."""
    try:
        key = month_key(month[:7]) if len(month) == 7 else ""
    except Exception:  # noqa: BLE001  (month_key raises InvalidInput for a malformed month)
        key = ""
    found = edition(db.session(), key) if key else None
    if found is None:
        raise NotFound(_l("找不到该页面或记录。"))
    rows = [
        p.EditionRow(
            unit_code=str(r.get("unit_code", "")),
            address=str(r.get("address", "")),
            area=str(r.get("area", "")),
            rating_status=str(r.get("rating_status", "")),
            reasons=[str(x) for x in r.get("reasons", [])],
            since=str(r.get("since", "")),
        )
        for r in found.data.get("rows", [])
    ]
    return p.EditionOut(
        month=found.month, published_at=found.published_at, units=len(rows), rows=rows
    )


@bp.get("/public/recommended")
@spec.validate(resp=responses(p.RecommendedList, *PUBLIC_ERRORS, 422), tags=["public"])
def public_recommended(query: s.PageQuery):  # type: ignore[no-untyped-def]
    """Recommended three-star units (the scheme's reward), 50 a page, with the landlord's
    public reply where there is one."""
    session = db.session()
    rows, total = recommended_units(session, area_id=query.area_id, page=query.page)
    replies = public_queries.replies_for(session, [r["code"] for r in rows])
    return p.RecommendedList(
        items=[
            p.RecommendedUnit(
                code=r["code"],
                area=r["area"],
                area_bo=r["area_bo"],
                unit_type=r["unit_type"],
                rating_status=r["rating_status"],
                stars=r["stars"],
                reply=replies.get(r["code"]),
            )
            for r in rows
        ],
        total=total,
        page=query.page,
        pages=max(1, -(-total // 50)),
    )


def _all_ratings() -> Iterator[p.PublicRating]:
    session = db.session()
    for row in session.exec(_public_rows([]).execution_options(yield_per=1000)):
        yield _rating(*row)


@bp.get("/public/ratings.json")
@spec.validate(resp=responses(p.PublicRatingList, 429), tags=["public"], skip_validation=True)
def public_ratings_json():  # type: ignore[no-untyped-def]
    """Every public rating in one JSON document (the same shape as a community's pages,
    ``next_cursor`` null), streamed from the current ratings."""

    def body() -> Iterator[str]:
        yield '{"items": ['
        for n, row in enumerate(_all_ratings()):
            yield ("," if n else "") + row.model_dump_json()
        yield '], "next_cursor": null}'

    response = Response(stream_with_context(body()), mimetype="application/json")
    return _cacheable(response, BULK_CACHE_SECONDS)


@bp.get("/public/ratings.csv")
@spec.validate(resp=responses(None, 429), tags=["public"], skip_validation=True)
def public_ratings_csv():  # type: ignore[no-untyped-def]
    """Every public rating as CSV (UTF-8 with BOM, one row per unit, columns as in
    ``PublicRating``), streamed from the current ratings."""

    def body() -> Iterator[str]:
        out = io.StringIO()
        writer = csv.writer(out)
        out.write("\ufeff")
        writer.writerow(BULK_FIELDS)
        for row in _all_ratings():
            data = row.model_dump()
            writer.writerow(
                ["" if data[f] is None else escape_formula(str(data[f])) for f in BULK_FIELDS]
            )
            if out.tell() > 64_000:
                yield out.getvalue()
                out.seek(0)
                out.truncate()
        yield out.getvalue()

    response = Response(stream_with_context(body()), mimetype="text/csv")
    # "inline": rentals.security makes every attachment no-store (they hold personal data);
    # this file is open data that caches may keep.
    response.headers["Content-Disposition"] = 'inline; filename="ratings.csv"'
    return _cacheable(response, BULK_CACHE_SECONDS)
