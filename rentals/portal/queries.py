"""Reads for the landlord's pages, the staff panel on the unit file and the public pages.

Public reads return plain dicts with only public facts (code, area, type, status, dates,
the landlord's reply): never a person's name, identity number or phone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_
from sqlmodel import Session, select

from rentals.auth.models import User
from rentals.inspections.models import Inspection
from rentals.portal.declarations import matches_for, pending_declarations
from rentals.portal.models import (
    BlacklistNotice,
    Contest,
    ContestStatus,
    DeclarationStatus,
    MoveOutReport,
    TenantDeclaration,
)
from rentals.portal.services import (
    LISTED,
    NOTICE_DAYS,
    contest_deadline,
    current_reply,
    decide_by,
    has_personal_number,
    local_date,
    may_decide,
    open_contest,
)
from rentals.ratings.models import Rating, ScorecardVersion
from rentals.ratings.services import card_of, latest_rating
from rentals.register.models import Area, Person, Tenancy, Unit
from rentals.tasks.models import Task
from scoring import Assessment, Scorecard

LIVE_TASKS = ("open", "overdue")
#: Pending and rejected declarations the landlord's unit page lists.
DECLARATIONS_SHOWN = 20
RISEN = ("two", "three")

REWARDS = {
    "three": [
        _l("优先向租客推荐（公开推荐名单）"),
        _l("发放消防器材和日用品礼包"),
        _l("优先推荐参评“优秀双联户”"),
    ],
}
PENALTIES_ONE = [
    _l("减少停车位分配"),
    _l("失去“双联户”评选资格"),
]
PENALTIES_NOT_RATED = [
    _l("依法依规处理，每周至少检查一次"),
    _l("减少停车位分配"),
    _l("失去“双联户”评选资格"),
]


@dataclass
class ItemLine:
    code: str
    text: str
    answer: str
    points: int
    earned: int


@dataclass
class RatingView:
    rating: Rating
    assessment: Assessment
    items: list[ItemLine]
    fixes: list[ItemLine]
    caps: list[str]
    vetoes: list[str]
    contest_until: date


@dataclass
class UnitView:
    unit: Unit
    area: Area
    rating: RatingView | None
    plaque: Any
    next_task: Task | None
    inspections: list[Inspection]
    orders: list[Any]
    photos: dict[int, str]
    contest: Contest | None
    contests: list[Contest]
    reply: Any
    incentives: list[Any]
    blacklist: dict[str, Any]
    #: Confirmed tenancies only: what staff have put in the register.
    tenancies: list[tuple[Tenancy, Person]] = field(default_factory=list)
    pending_move_outs: set[int] = field(default_factory=set)
    #: The landlord's own declarations not (yet) in the register: exactly what they typed.
    declarations: list[TenantDeclaration] = field(default_factory=list)


def _card(session: Session, rating: Rating) -> Scorecard:
    version = session.get(ScorecardVersion, rating.scorecard_version_id)
    assert version is not None
    return card_of(version)


def rating_view(session: Session, rating: Rating, language: str) -> RatingView:
    """The stored breakdown with item and veto texts from the rating's scorecard version."""
    assessment = Assessment.from_dict(rating.breakdown)
    card = _card(session, rating)

    def text(code: str) -> str:
        return card.item(code).texts.get(language) if card.has_item(code) else code

    items = [
        ItemLine(i.code, text(i.code), i.answer.value, i.points, i.points_earned)
        for i in assessment.items
    ]
    by_code = {line.code: line for line in items}
    vetoes = {v.code: v.texts.get(language) for v in card.vetoes}
    return RatingView(
        rating=rating,
        assessment=assessment,
        items=items,
        fixes=[by_code[c] for c in assessment.next_star if c in by_code],
        caps=[f"{c} {text(c)}" for c in assessment.caps],
        vetoes=[f"{c} {vetoes.get(c, '')}".strip() for c in assessment.vetoes],
        contest_until=contest_deadline(rating),
    )


def _current_plaque(session: Session, unit: Unit) -> Any:
    try:
        from rentals.printing.plaques import current_plaque
    except ImportError:  # printing not installed in this build
        return None
    return current_plaque(session, unit.id)


def open_orders(session: Session, unit: Unit) -> list[Any]:
    """Open rectification orders, from the inspections area when it offers them."""
    try:
        from rentals.inspections.services import open_orders_for_unit
    except ImportError:
        return []
    return list(open_orders_for_unit(session, unit))


def photo_keys(session: Session, orders: list[Any]) -> dict[int, str]:
    """Photo id -> key (the photo route's argument) for the orders' photos, in one query."""
    ids = [o.photo_id for o in orders if getattr(o, "photo_id", None)]
    if not ids:
        return {}
    from rentals.inspections.models import Photo

    return dict(session.exec(select(Photo.id, Photo.key).where(Photo.id.in_(ids))).all())


def next_task(session: Session, unit: Unit) -> Task | None:
    return session.exec(
        select(Task)
        .where(Task.unit_id == unit.id, Task.status.in_(LIVE_TASKS))
        .order_by(Task.due, Task.id)
    ).first()


def blacklist_state(session: Session, unit: Unit, *, today: date) -> dict[str, Any]:
    """{"listed": bool, "since": date|None, "notice": BlacklistNotice|None}."""
    entry = blacklist_entries(session, today=today, unit_id=unit.id, include_pending=True)
    if not entry:
        return {"listed": False, "since": None, "pending_from": None}
    row = entry[0]
    listed = row["since"] <= today
    return {
        "listed": listed,
        "since": row["since"] if listed else None,
        "pending_from": None if listed else row["since"],
    }


def incentives(status: str, blacklist: dict[str, Any]) -> list[Any]:
    """Rewards or penalties in effect, as text derived from the rating and the blacklist."""
    if status in REWARDS:
        return list(REWARDS[status])
    if status not in LISTED:
        return []
    lines: list[Any] = []
    if blacklist.get("listed"):
        lines.append(_l("已在黑榜公示（自 %(d)s 起）", d=blacklist["since"].isoformat()))
    elif blacklist.get("pending_from"):
        lines.append(
            _l(
                "已告知：如复核未获支持，将于 %(d)s 起在黑榜公示",
                d=blacklist["pending_from"].isoformat(),
            )
        )
    else:
        lines.append(_l("告知房东 %(n)s 天后在黑榜公示", n=NOTICE_DAYS))
    lines.extend(PENALTIES_NOT_RATED if status == "not_rated" else PENALTIES_ONE)
    return lines


def unit_view(session: Session, unit: Unit, *, today: date, language: str) -> UnitView:
    area = session.get(Area, unit.area_id)
    assert area is not None
    rating = latest_rating(session, unit)
    view_rating = rating_view(session, rating, language) if rating else None
    black = blacklist_state(session, unit, today=today)
    status = rating.status if rating else unit.rating_status
    contests = list(
        session.exec(select(Contest).where(Contest.unit_id == unit.id).order_by(Contest.id.desc()))
    )
    tenancies = list(
        session.exec(
            select(Tenancy, Person)
            .join(Person, Person.id == Tenancy.person_id)
            .where(
                Tenancy.unit_id == unit.id,
                Tenancy.moved_out.is_(None),
                Tenancy.confirmed.is_(True),
            )
            .order_by(Tenancy.moved_in)
        )
    )
    declarations = list(
        session.exec(
            select(TenantDeclaration)
            .where(
                TenantDeclaration.unit_id == unit.id,
                TenantDeclaration.source == "landlord",
                TenantDeclaration.status != DeclarationStatus.CONFIRMED,
            )
            .order_by(TenantDeclaration.id.desc())
            .limit(DECLARATIONS_SHOWN)
        )
    )
    pending = set(
        session.exec(
            select(MoveOutReport.tenancy_id).where(
                MoveOutReport.unit_id == unit.id, MoveOutReport.status == "pending"
            )
        )
    )
    orders = open_orders(session, unit)
    return UnitView(
        unit=unit,
        area=area,
        rating=view_rating,
        plaque=_current_plaque(session, unit),
        next_task=next_task(session, unit),
        inspections=list(
            session.exec(
                select(Inspection)
                .where(Inspection.unit_id == unit.id)
                .order_by(Inspection.id.desc())
                .limit(20)
            )
        ),
        orders=orders,
        photos=photo_keys(session, orders),
        contest=open_contest(session, unit),
        contests=contests,
        reply=current_reply(session, unit.id),
        incentives=incentives(status, black),
        blacklist=black,
        tenancies=tenancies,
        pending_move_outs=pending,
        declarations=declarations,
    )


def landlord_units(session: Session, user: User) -> list[tuple[Unit, Area]]:
    if user.person_id is None:
        return []
    return list(
        session.exec(
            select(Unit, Area)
            .join(Area, Area.id == Unit.area_id)
            .where(Unit.landlord_id == user.person_id)
            .order_by(Unit.code)
        )
    )


def staff_panel(session: Session, user: User, unit: Unit) -> dict[str, Any]:
    """What landlords filed about ``unit``, for the unit file (staff only)."""
    declared = pending_declarations(session, unit)
    move_outs = list(
        session.exec(
            select(MoveOutReport, Person)
            .join(Tenancy, Tenancy.id == MoveOutReport.tenancy_id)
            .join(Person, Person.id == Tenancy.person_id)
            .where(MoveOutReport.unit_id == unit.id, MoveOutReport.status == "pending")
            .order_by(MoveOutReport.id)
        )
    )
    contests = list(
        session.exec(select(Contest).where(Contest.unit_id == unit.id).order_by(Contest.id.desc()))
    )
    current = next((c for c in contests if c.status == ContestStatus.OPEN), None)
    rating = latest_rating(session, unit)
    notice = (
        session.exec(select(BlacklistNotice).where(BlacklistNotice.rating_id == rating.id)).first()
        if rating is not None
        else None
    )
    return {
        "declarations": declared,
        "matches": matches_for(session, declared),
        "move_outs": move_outs,
        "contests": contests,
        "open_contest": current,
        "decide_by": decide_by(current) if current else None,
        "may_decide": may_decide(session, user, current) if current else False,
        "reply": current_reply(session, unit.id),
        "notice": notice,
        "may_notify": unit.rating_status in LISTED and notice is None,
    }


# -- public ----------------------------------------------------------------------------------


def blacklist_entries(
    session: Session,
    *,
    today: date,
    unit_id: int | None = None,
    include_pending: bool = False,
) -> list[dict[str, Any]]:
    """Units on the published blacklist today, each with the date its entry began.

    A unit is listed when its status is one star or not rated, and a notice for one of
    its ratings since its last rise (a two- or three-star rating) is at least NOTICE_DAYS
    old and that rating was not successfully contested. ``include_pending`` also returns
    notified units whose period has not begun ("since" lies in the future).
    """
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
        if isinstance(notified_at, str):  # SQLite hands an aggregate back as text
            from datetime import UTC, datetime

            notified_at = datetime.fromisoformat(notified_at).replace(tzinfo=UTC)
        elif notified_at.tzinfo is None:
            from datetime import UTC

            notified_at = notified_at.replace(tzinfo=UTC)
        since = local_date(notified_at) + timedelta(days=NOTICE_DAYS)
        if since <= today or include_pending:
            entries.append(_public_unit(unit, area) | {"since": since})
    return entries


def _public_unit(unit: Unit, area: Area) -> dict[str, Any]:
    """Only public facts: never names, identity numbers or phones."""
    return {
        "code": unit.code,
        "area": area.name,
        "area_bo": area.name_bo,
        "unit_type": unit.unit_type,
        "rating_status": unit.rating_status,
        "stars": unit.stars,
    }


def recommended_units(
    session: Session, *, area_id: int | None = None, page: int = 1, per_page: int = 50
) -> tuple[list[dict[str, Any]], int]:
    """Three-star units (the reward the scheme promises), with area and type."""
    conditions = [Unit.rating_status == "three", Unit.status != "withdrawn"]
    if area_id is not None:
        conditions.append(Unit.area_id == area_id)
    rows = session.exec(
        select(Unit, Area)
        .join(Area, Area.id == Unit.area_id)
        .where(*conditions)
        .order_by(Area.name, Unit.code)
        .offset((max(1, page) - 1) * per_page)
        .limit(per_page)
    ).all()
    total = session.exec(select(func.count()).select_from(Unit).where(*conditions)).one()
    return [_public_unit(u, a) for u, a in rows], total


def public_unit(session: Session, code: str, *, today: date) -> dict[str, Any] | None:
    row = session.exec(
        select(Unit, Area)
        .join(Area, Area.id == Unit.area_id)
        .where(Unit.code == code, Unit.status != "withdrawn")
    ).first()
    if row is None:
        return None
    unit, area = row
    plaque = _current_plaque(session, unit)
    reply = current_reply(session, unit.id)
    listed = blacklist_entries(session, today=today, unit_id=unit.id)
    return _public_unit(unit, area) | {
        "plaque_serial": plaque.serial if plaque else None,
        "plaque_valid_until": plaque.valid_until if plaque else None,
        "reply": reply.text if reply else None,
        "reply_at": reply.created_at if reply else None,
        "blacklisted_since": listed[0]["since"] if listed else None,
    }


def replies_for(session: Session, unit_codes: list[str]) -> dict[str, str]:
    """Current replies of several units by code, in one query."""
    if not unit_codes:
        return {}
    from rentals.portal.models import PublicReply

    newest = (
        select(PublicReply.unit_id, func.max(PublicReply.id).label("rid"))
        .group_by(PublicReply.unit_id)
        .subquery()
    )
    rows = session.exec(
        select(Unit.code, PublicReply.text)
        .join(newest, newest.c.unit_id == Unit.id)
        .join(PublicReply, PublicReply.id == newest.c.rid)
        .where(Unit.code.in_(unit_codes))
    ).all()
    # A reply stored before the filter caught its number stays off public pages.
    return {code: text for code, text in rows if text and not has_personal_number(text)}
