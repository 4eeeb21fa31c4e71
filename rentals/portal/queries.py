"""Reads for the landlord's pages and the staff panel on the unit file (public reads:
``rentals.public.queries``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlmodel import Session, select

from rentals.auth.models import User
from rentals.incentives.blacklist import LISTED, blacklist_state, notice_for
from rentals.incentives.measures import EFFECTS_NOTE
from rentals.incentives.queries import unit_measures
from rentals.inspections.models import Inspection
from rentals.portal.declarations import matches_for, pending_declarations
from rentals.portal.models import DeclarationStatus, MoveOutReport, TenantDeclaration
from rentals.portal.services import current_reply
from rentals.ratings.contests import (
    contest_deadline,
    decide_by,
    may_decide,
    open_contest,
    unit_contests,
)
from rentals.ratings.models import Contest, ContestStatus, Rating, ScorecardVersion
from rentals.ratings.services import card_of, latest_rating
from rentals.register.models import Area, Person, Tenancy, Unit
from rentals.tasks.models import Task
from scoring import Assessment, Scorecard

LIVE_TASKS = ("open", "overdue")
#: Pending and rejected declarations the landlord's unit page lists.
DECLARATIONS_SHOWN = 20


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
    #: The unit's measures (MeasureLine) the office confirmed, in force first.
    incentives: list[Any]
    blacklist: dict[str, Any]
    #: What the rating's band carries, for a rating older than any proposed measure.
    effects_note: Any = None
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
    from rentals.printing.plaques import current_plaque

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


def unit_view(session: Session, unit: Unit, *, today: date, language: str) -> UnitView:
    area = session.get(Area, unit.area_id)
    assert area is not None
    rating = latest_rating(session, unit)
    view_rating = rating_view(session, rating, language) if rating else None
    black = blacklist_state(session, unit, today=today)
    status = rating.status if rating else unit.rating_status
    contests = unit_contests(session, unit)
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
        incentives=unit_measures(session, unit, landlord_view=True),
        effects_note=EFFECTS_NOTE.get(status),
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
    contests = unit_contests(session, unit)
    current = next((c for c in contests if c.status == ContestStatus.OPEN), None)
    rating = latest_rating(session, unit)
    notice = notice_for(session, rating)
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
