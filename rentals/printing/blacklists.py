"""The monthly blacklist (黑榜公示): one-star and not-rated units with the reasons.

A public document: unit code, address, area, status and reasons only, never a name,
identity number or phone.  ``publish_blacklist`` stores each month's edition (the
context as rendered and the PDF) once, so a past list reprints exactly as it was
published, whatever the ratings became since.
"""

from __future__ import annotations

import functools
import logging
from datetime import date, datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, select

from rentals import clock, db
from rentals.audit import services as audit
from rentals.errors import InvalidInput
from rentals.printing import fields, render
from rentals.printing.fields import N_
from rentals.printing.models import BlacklistEdition
from rentals.ratings.models import Rating, ScorecardVersion
from rentals.register.models import Area, Community, Unit
from scoring import Scorecard, default_scorecard, parse_scorecard

log = logging.getLogger(__name__)
TEMPLATE = "print/blacklist.html"
BLACKLIST_FIELDS = (
    "unit_code",
    "address",
    "area",
    "rating_status",
    "status_zh",
    "status_bo",
    "reasons",
)
LISTED = ("one", "not_rated")
APPEAL = (
    "对公示结果有异议的，可在公示之日起 15 日内通过房东端提出复核申请，"
    "或到社区居委会、警务室当面申请；整改完成后可申请复查，复查达标的在下期公示中移出。"
)
APPEAL_BO = (
    "ཁྱབ་བསྒྲགས་ལ་དོགས་པ་ཡོད་ན། ཉིན་ 15 ནང་ཁང་བདག་གི་དྲ་ངོས་སམ་སྡོད་ཁུལ་ལྷན་ཁང་དང་ སྐྱོང་སྲུང་ཁང་དུ་བསྐྱར་ཞིབ་ཞུ་ཆོག"
)


def month_key(value: str) -> str:
    """Check "YYYY-MM" and return it."""
    try:
        parsed = datetime.strptime(value, "%Y-%m")
    except ValueError:
        raise InvalidInput(N_("月份格式应为 YYYY-MM。"), field="month") from None
    return f"{parsed.year:04d}-{parsed.month:02d}"


@functools.lru_cache(maxsize=32)
def _card(source: str | None) -> Scorecard:
    return parse_scorecard(source) if source else default_scorecard()


def _reasons(breakdown: dict[str, Any], card: Scorecard) -> list[str]:
    """Vetoes first, then failed items, in the card's words (Chinese)."""
    texts = {v.code: v.texts.zh for v in card.vetoes}
    texts.update({i.code: i.texts.zh for i in card.items})
    reasons = [f"{code} {texts.get(code, '')}".strip() for code in breakdown.get("vetoes", [])]
    for item in breakdown.get("items", []):
        if item.get("answer") == "not_met":
            code = item.get("code", "")
            reasons.append(f"{code} {texts.get(code, '')}".strip())
    return reasons


def blacklist_context(session: Session, *, month: str, published: date) -> dict[str, Any]:
    """The edition's data from the current ratings: plain JSON-safe values.

    Only units whose landlord was notified at least 21 days before publication, without a
    successful contest, are listed (rentals.portal.queries.blacklist_entries holds that
    rule); each row says since when it is listed.
    """
    from rentals.portal.queries import blacklist_entries

    since = {e["code"]: e["since"] for e in blacklist_entries(session, today=published)}
    newest = (
        select(Rating.unit_id, func.max(Rating.id).label("rid")).group_by(Rating.unit_id).subquery()
    )
    rows = session.exec(
        select(Unit, Area, Rating, ScorecardVersion.source)
        .join(Area, Area.id == Unit.area_id)
        .outerjoin(newest, newest.c.unit_id == Unit.id)
        .outerjoin(Rating, Rating.id == newest.c.rid)
        .outerjoin(ScorecardVersion, ScorecardVersion.id == Rating.scorecard_version_id)
        .where(Unit.rating_status.in_(LISTED), Unit.status != "withdrawn")  # type: ignore[attr-defined]
        .order_by(Unit.rating_status, Area.name, Unit.street, Unit.house_number, Unit.code)
    ).all()
    community = session.exec(select(Community).order_by(Community.id)).first()
    table = []
    for unit, area, rating, source in rows:
        if unit.code not in since:
            continue
        reasons = _reasons(rating.breakdown, _card(source)) if rating is not None else []
        src = {
            "unit_code": unit.code,
            "address": unit.address,
            "area": area.name,
            "rating_status": unit.rating_status,
            "reasons": reasons,
        }
        table.append(
            fields.extract(BLACKLIST_FIELDS, src) | {"since": since[unit.code].isoformat()}
        )
    return {
        "month": month,
        "published": published.isoformat(),
        "community": community.name if community else "",
        "community_bo": community.name_bo if community else "",
        "rows": table,
        "count_one": sum(1 for r in table if r["rating_status"] == "one"),
        "count_not_rated": sum(1 for r in table if r["rating_status"] == "not_rated"),
        "appeal": APPEAL,
        "appeal_bo": APPEAL_BO,
        "labels": fields.labels(BLACKLIST_FIELDS),
        "total_pages": "",
    }


def _for_template(data: dict[str, Any]) -> dict[str, Any]:
    ctx = dict(data)
    ctx["published"] = date.fromisoformat(data["published"])
    return ctx


def render_blacklist(data: dict[str, Any]) -> bytes:
    """PDF of an edition's data (pages counted by a first pass for the footer)."""
    ctx = _for_template(data)
    pdf = render.render_pdf(TEMPLATE, ctx, locale=("zh_Hans_CN", "bo"))
    from io import BytesIO

    from pypdf import PdfReader

    pages = len(PdfReader(BytesIO(pdf)).pages)
    return render.render_pdf(
        TEMPLATE, {**ctx, "total_pages": str(pages)}, locale=("zh_Hans_CN", "bo")
    )


def edition(session: Session, month: str) -> BlacklistEdition | None:
    return session.exec(select(BlacklistEdition).where(BlacklistEdition.month == month)).first()


def publish_blacklist(
    session: Session,
    *,
    month: str,
    now: datetime,
    actor: Any = None,
) -> BlacklistEdition:
    """Publish the month's edition once; a second call returns the stored edition unchanged."""
    month = month_key(month)
    existing = edition(session, month)
    if existing is not None:
        return existing
    published = clock.local_date(now)
    data = blacklist_context(session, month=month, published=published)
    pdf = render_blacklist(data)
    row = BlacklistEdition(month=month, published_at=now, data=data, pdf=pdf)
    # Another process may publish the same month first: theirs is then the edition.
    stored = db.insert_once(session, row, lambda: edition(session, month))
    if stored is not row:
        return stored
    audit.record(
        session, actor, "blacklist.published", row, {"month": month, "units": len(data["rows"])}
    )
    return row
