"""Reads for the inspection pages: the inspector's home, a record, orders, flags.

Each list is a fixed number of queries, whatever its length (no query per row).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, select

import schedules
from rentals import clock
from rentals.auth.access import unit_scope
from rentals.auth.models import User
from rentals.inspections.models import (
    Inspection,
    OrderStatus,
    Outcome,
    Photo,
    RectificationOrder,
)
from rentals.ratings.models import Rating
from rentals.register.models import Unit
from rentals.tasks.models import Task, TaskStatus

#: Tasks still to be done.
LIVE = (TaskStatus.OPEN.value, TaskStatus.OVERDUE.value)


@dataclass(frozen=True)
class LastVisit:
    """A unit's newest visit as the lists show it (plain values, no JSON columns read)."""

    visited_at: datetime
    #: An Outcome value.
    outcome: str
    #: The visit's rating score when the visit was an inspection (a refusal shows none).
    score: Decimal | None
    #: The items that inspection found not met, in the breakdown's order.
    lost: tuple[str, ...]


@dataclass(frozen=True)
class UnitSummary:
    """What the home list shows beside a unit: its last finding and open orders."""

    last: LastVisit | None
    open_orders: int


def summaries(session: Session, unit_ids: list[int]) -> dict[int, UnitSummary]:
    """Each unit's newest visit with its score and lost items, and its open orders: two
    queries, reading only the columns shown (the rating's ``lost`` part of its breakdown,
    not the whole breakdown nor the visit's answers)."""
    if not unit_ids:
        return {}
    newest = (
        select(func.max(Inspection.id))
        .where(Inspection.unit_id.in_(unit_ids))
        .group_by(Inspection.unit_id)
    )
    visits = session.execute(
        select(
            Inspection.unit_id,
            Inspection.visited_at,
            Inspection.outcome,
            Rating.score,
            Rating.breakdown["lost"],
        )
        .outerjoin(
            Rating,
            (Rating.inspection_id == Inspection.id)
            & (Inspection.outcome == Outcome.COMPLETED.value),
        )
        .where(Inspection.id.in_(newest))
    ).all()
    last = {
        unit_id: LastVisit(at, outcome, score, tuple(lost or ()))
        for unit_id, at, outcome, score, lost in visits
    }
    counts = dict(
        session.exec(
            select(RectificationOrder.unit_id, func.count())
            .where(
                RectificationOrder.unit_id.in_(unit_ids),
                RectificationOrder.status == OrderStatus.OPEN,
            )
            .group_by(RectificationOrder.unit_id)
        ).all()
    )
    return {uid: UnitSummary(last.get(uid), counts.get(uid, 0)) for uid in unit_ids}


def search_units(session: Session, user: User, q: str, limit: int = 20) -> list[Unit]:
    """Units in the user's scope whose code starts with, or address contains, ``q``."""
    term = q.strip()
    if not term:
        return []
    code = term.upper()
    stmt = (
        select(Unit)
        .where(
            unit_scope(user),
            ((Unit.code >= code) & (Unit.code < code + "\uffff"))
            | Unit.address.contains(term, autoescape=True),
        )
        .order_by(Unit.code)
        .limit(limit)
    )
    return list(session.exec(stmt))


def photos_of(session: Session, inspection_ids: list[int]) -> dict[int, list[Photo]]:
    out: dict[int, list[Photo]] = {}
    if not inspection_ids:
        return out
    for photo in session.exec(
        select(Photo).where(Photo.inspection_id.in_(inspection_ids)).order_by(Photo.id)
    ):
        out.setdefault(photo.inspection_id, []).append(photo)  # type: ignore[arg-type]
    return out


def photo_keys(session: Session, photo_ids: list[int | None]) -> dict[int, str]:
    """Photo id -> key (for thumbnail URLs), in one query."""
    ids = sorted({i for i in photo_ids if i})
    if not ids:
        return {}
    return dict(session.exec(select(Photo.id, Photo.key).where(Photo.id.in_(ids))).all())


def orders_of_inspection(session: Session, inspection: Inspection) -> list[RectificationOrder]:
    return list(
        session.exec(
            select(RectificationOrder)
            .where(RectificationOrder.inspection_id == inspection.id)
            .order_by(RectificationOrder.id)
        )
    )


def unit_orders(session: Session, unit: Unit) -> list[RectificationOrder]:
    """All of a unit's orders, open first (for its file)."""
    return list(
        session.exec(
            select(RectificationOrder)
            .where(RectificationOrder.unit_id == unit.id)
            .order_by(RectificationOrder.status.desc(), RectificationOrder.deadline.desc())
            .limit(50)
        )
    )


def previous_rating(session: Session, inspection: Inspection) -> Rating | None:
    """The unit's rating before this inspection's, to say what changed."""
    return session.exec(
        select(Rating)
        .where(Rating.unit_id == inspection.unit_id, Rating.inspection_id < inspection.id)
        .order_by(Rating.id.desc())
    ).first()


def last_inspected_rating(session: Session, inspection: Inspection) -> Rating | None:
    """The rating of the unit's last inspection (outcome COMPLETED) before this one: what
    "changed since last time" compares with. A refusal in between is skipped (it has no
    answers), so it never shows as every item changed."""
    return session.exec(
        select(Rating)
        .join(Inspection, Inspection.id == Rating.inspection_id)
        .where(
            Rating.unit_id == inspection.unit_id,
            Rating.inspection_id < inspection.id,
            Inspection.outcome == Outcome.COMPLETED.value,
        )
        .order_by(Rating.id.desc())
    ).first()


def next_visit(session: Session, inspection: Inspection) -> Task | None:
    """The unit's next live task other than the visit's own, as the planner left it after
    this visit (read, never recomputed): earliest due first."""
    query = select(Task).where(Task.unit_id == inspection.unit_id, Task.status.in_(LIVE))
    if inspection.task_id is not None:
        query = query.where(Task.id != inspection.task_id)
    return session.exec(query.order_by(Task.due, Task.start, Task.id)).first()


def rating_of(session: Session, inspection: Inspection) -> Rating | None:
    return session.exec(select(Rating).where(Rating.inspection_id == inspection.id)).first()


def order_list(
    session: Session, user: User, *, today: date, overdue_only: bool = False, limit: int = 200
) -> list[tuple[RectificationOrder, Unit]]:
    """Open orders the user may see, earliest deadline first."""
    conditions: list[Any] = [RectificationOrder.status == OrderStatus.OPEN, unit_scope(user)]
    if overdue_only:
        conditions.append(RectificationOrder.deadline < today)
    return list(
        session.exec(
            select(RectificationOrder, Unit)
            .join(Unit, Unit.id == RectificationOrder.unit_id)
            .where(*conditions)
            .order_by(RectificationOrder.deadline, RectificationOrder.id)
            .limit(limit)
        ).all()
    )


def _nth_visit_outcome(n: int) -> Any:
    """The outcome of the unit's ``n``-th newest visit (0 = newest), per unit of the outer
    query, read through ``ix_inspection_unit_newest``."""
    return (
        select(Inspection.outcome)
        .where(Inspection.unit_id == Unit.id)
        .order_by(Inspection.id.desc())
        .limit(1)
        .offset(n)
        .correlate(Unit)
        .scalar_subquery()
    )


def repeated_no_access(session: Session, user: User, limit: int = 200) -> list[Unit]:
    """Units whose two newest visits both found nobody there (flagged to managers).

    Two index probes per unit ``user`` sees (its newest and second newest visit), so the
    cost follows the units in scope, not their history of visits."""
    no_access = Outcome.NO_ACCESS.value
    # Found first without an order: sorted by code in the same statement, SQLite walks
    # the whole register in code order instead of the user's areas.
    flagged = list(
        session.scalars(
            select(Unit.id).where(
                unit_scope(user),
                _nth_visit_outcome(0) == no_access,
                _nth_visit_outcome(1) == no_access,
            )
        )
    )
    if not flagged:
        return []
    return list(
        session.exec(select(Unit).where(Unit.id.in_(flagged)).order_by(Unit.code).limit(limit))
    )


def reported_gone(session: Session, user: User, limit: int = 200) -> list[Unit]:
    """Units not yet withdrawn whose newest visit reported them gone: a withdrawal proposed
    to a manager, who confirms it by changing the unit's status."""
    newest = select(func.max(Inspection.id)).group_by(Inspection.unit_id)
    gone = select(Inspection.unit_id).where(
        Inspection.id.in_(newest), Inspection.outcome == Outcome.UNIT_GONE.value
    )
    return list(
        session.exec(
            select(Unit)
            .where(Unit.id.in_(gone), Unit.status != "withdrawn", unit_scope(user))
            .order_by(Unit.code)
            .limit(limit)
        )
    )


def last_inspected_at(session: Session, unit_id: int) -> datetime | None:
    """When the unit's newest completed inspection took place (UTC), or None.

    Refusals, no-access visits and a unit gone are visits, not inspections: the plaque's
    "last inspection" and staleness read completed inspections only, as the dashboard does.
    """
    return session.exec(
        select(func.max(Inspection.visited_at)).where(
            Inspection.unit_id == unit_id, Inspection.outcome == Outcome.COMPLETED.value
        )
    ).first()


@dataclass(frozen=True)
class Freshness:
    """What public pages say about a rating's age: the last inspection's business date and
    whether the unit is past its cadence (待复核). A unit not yet rated is never "due"."""

    last_inspected: date | None
    stale: bool


def freshness(session: Session, unit: Unit, *, today: date) -> Freshness:
    """The one place public pages (the plaque check, the unit's page) apply
    ``schedules.is_stale`` to a unit's newest completed inspection."""
    last = last_inspected_at(session, unit.id)  # type: ignore[arg-type]
    day = clock.local_date(last) if last is not None else None
    stale = unit.rating_status != "not_yet_rated" and schedules.is_stale(unit.stars, day, today)
    return Freshness(day, stale)
