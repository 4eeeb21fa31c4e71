"""The blacklist (黑榜公示): who is listed, the notice that precedes it, the monthly edition.

Rules, as the scheme states them and as this module keeps them:

- **Who is listed:** a unit whose status is one star or not rated (``LISTED``), not
  withdrawn, whose landlord was notified (``BlacklistNotice``) for one of its ratings since
  its last rise (a two- or three-star rating) at least ``NOTICE_DAYS`` (21) days ago, and
  that rating was not successfully contested. It leaves as soon as its rating rises.
- **Notice:** one per rating, by a manager (or the system), only for a listed status.
- **Edition:** the month's list, published once (``publish_blacklist``): the data as
  rendered and the PDF are stored, so a past list reprints exactly as it was published.
  A public document: unit code, address, area, status and reasons only, never a name,
  identity number or phone. ``rentals.printing.blacklists`` renders it; nothing else.
"""

from __future__ import annotations

import functools
from datetime import UTC, date, datetime, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_
from sqlmodel import Session, select

from rentals import audit, clock, db
from rentals.auth.access import OFFICE
from rentals.auth.models import User
from rentals.errors import Conflict, InvalidInput, NotAllowed
from rentals.incentives.models import BlacklistEdition, BlacklistNotice
from rentals.printing import fields
from rentals.printing.blacklists import render_blacklist
from rentals.printing.fields import N_
from rentals.ratings.models import Contest, ContestStatus, Rating, ScorecardVersion
from rentals.ratings.services import latest_rating
from rentals.register.models import Area, Community, Unit
from scoring import RatingStatus, Scorecard, default_scorecard, parse_scorecard

NOTICE_DAYS = 21
#: Statuses the blacklist publishes: defined here only.
LISTED = (RatingStatus.ONE.value, RatingStatus.NOT_RATED.value)
#: Statuses whose rating ends the effect of earlier notices.
RISEN = (RatingStatus.TWO.value, RatingStatus.THREE.value)
BLACKLIST_FIELDS = (
    "unit_code",
    "address",
    "area",
    "rating_status",
    "status_zh",
    "status_bo",
    "reasons",
)
APPEAL = (
    "对公示结果有异议的，可在公示之日起 15 日内通过房东端提出复核申请，"
    "或到社区居委会、警务室当面申请；整改完成后可申请复查，复查达标的在下期公示中移出。"
)
APPEAL_BO = (
    "ཁྱབ་བསྒྲགས་ལ་དོགས་པ་ཡོད་ན། ཉིན་ 15 ནང་ཁང་བདག་གི་དྲ་ངོས་སམ་སྡོད་ཁུལ་ལྷན་ཁང་དང་ སྐྱོང་སྲུང་ཁང་དུ་བསྐྱར་ཞིབ་ཞུ་ཆོག"
)


def is_listed_status(status: str | None) -> bool:
    return status in LISTED


# -- notices ---------------------------------------------------------------------------------


def notice_for(session: Session, rating: Rating | None) -> BlacklistNotice | None:
    if rating is None:
        return None
    return session.exec(
        select(BlacklistNotice).where(BlacklistNotice.rating_id == rating.id)
    ).first()


def notify_blacklist(
    session: Session, *, actor: User | None, unit: Unit, now: datetime
) -> BlacklistNotice:
    """Notify the landlord that the current rating leads to the blacklist (one per rating)."""
    if actor is not None and actor.role not in OFFICE:
        raise NotAllowed(_l("只有管理人员可以发出黑榜公示告知。"))
    if unit.rating_status not in LISTED:
        raise Conflict(_l("只有一星或不予评定的房屋需要公示告知。"))
    rating = latest_rating(session, unit)
    assert rating is not None
    existing = notice_for(session, rating)
    if existing is not None:
        return existing
    notice = BlacklistNotice(
        unit_id=unit.id,
        rating_id=rating.id,
        notified_at=now,
        notified_by=getattr(actor, "id", None),
    )
    session.add(notice)
    session.flush()
    audit.record(
        session,
        actor,
        "portal.blacklist.notified",
        unit,
        {"rating": rating.id, "publish_from": listed_from(notice).isoformat()},
    )
    return notice


def listed_from(notice: BlacklistNotice) -> date:
    """First local day a notice's unit may be published."""
    return clock.local_date(notice.notified_at) + timedelta(days=NOTICE_DAYS)


# -- who is listed ---------------------------------------------------------------------------


def public_facts(unit: Unit, area: Area) -> dict[str, Any]:
    """Only public facts of a unit: never names, identity numbers or phones."""
    return {
        "code": unit.code,
        "area": area.name,
        "area_bo": area.name_bo,
        "unit_type": unit.unit_type,
        "rating_status": unit.rating_status,
        "stars": unit.stars,
    }


def _aware(value: Any) -> datetime:
    if isinstance(value, str):  # SQLite hands an aggregate back as text
        value = datetime.fromisoformat(value)
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def blacklist_entries(
    session: Session,
    *,
    today: date,
    unit_id: int | None = None,
    include_pending: bool = False,
) -> list[dict[str, Any]]:
    """Units on the published blacklist today, each with the date its entry began
    ("since"); see the module's rules. ``include_pending`` also returns notified units
    whose period has not begun ("since" lies in the future)."""
    rise = (
        select(Rating.unit_id, func.max(Rating.id).label("rid"))
        .where(Rating.status.in_(RISEN))
        .group_by(Rating.unit_id)
        .subquery()
    )
    upheld = select(Contest.rating_id).where(Contest.status == ContestStatus.UPHELD)
    first = (
        select(
            BlacklistNotice.unit_id.label("unit_id"),
            func.min(BlacklistNotice.notified_at).label("notified_at"),
        )
        .outerjoin(rise, rise.c.unit_id == BlacklistNotice.unit_id)
        .where(
            BlacklistNotice.rating_id.not_in(upheld),
            or_(rise.c.rid.is_(None), BlacklistNotice.rating_id > rise.c.rid),
        )
        .group_by(BlacklistNotice.unit_id)
        .subquery()
    )
    stmt = (
        select(Unit, Area, first.c.notified_at)
        .join(first, first.c.unit_id == Unit.id)
        .join(Area, Area.id == Unit.area_id)
        .where(Unit.rating_status.in_(LISTED), Unit.status != "withdrawn")
        .order_by(Area.name, Unit.code)
    )
    if unit_id is not None:
        stmt = stmt.where(Unit.id == unit_id)
    entries = []
    for unit, area, notified_at in session.exec(stmt):
        since = clock.local_date(_aware(notified_at)) + timedelta(days=NOTICE_DAYS)
        if since <= today or include_pending:
            entries.append(public_facts(unit, area) | {"since": since})
    return entries


def blacklist_state(session: Session, unit: Unit, *, today: date) -> dict[str, Any]:
    """{"listed": bool, "since": date|None, "pending_from": date|None} of one unit."""
    entry = blacklist_entries(session, today=today, unit_id=unit.id, include_pending=True)
    if not entry:
        return {"listed": False, "since": None, "pending_from": None}
    since = entry[0]["since"]
    listed = since <= today
    return {
        "listed": listed,
        "since": since if listed else None,
        "pending_from": None if listed else since,
    }


# -- monthly editions ------------------------------------------------------------------------


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
    """The edition's data from the current ratings: plain JSON-safe values; only the units
    ``blacklist_entries`` lists on the day of publication, each with since when."""
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
        "count_one": sum(1 for r in table if r["rating_status"] == RatingStatus.ONE),
        "count_not_rated": sum(1 for r in table if r["rating_status"] == RatingStatus.NOT_RATED),
        "appeal": APPEAL,
        "appeal_bo": APPEAL_BO,
        "labels": fields.labels(BLACKLIST_FIELDS),
        "total_pages": "",
    }


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
