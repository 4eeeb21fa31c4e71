"""Reads of measures for the unit file, the landlord's portal and the manager's list:
each in a fixed number of queries, never one per row."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, select

from rentals.auth.access import unit_scope
from rentals.auth.models import User
from rentals.incentives.models import Measure, MeasureEvent, MeasureStatus
from rentals.register.models import Area, Unit

PER_PAGE = 50
#: Measures of one unit shown on its file and in the portal (newest first).
SHOWN = 60


@dataclass
class MeasureLine:
    measure: Measure
    events: list[MeasureEvent] = field(default_factory=list)

    @property
    def in_force(self) -> bool:
        return self.measure.ended_at is None and self.measure.status in (
            MeasureStatus.CONFIRMED,
            MeasureStatus.DONE,
        )

    @property
    def state(self) -> str:
        """proposed, confirmed, declined, done, or ended."""
        return "ended" if self.measure.ended_at is not None else self.measure.status


def _with_events(session: Session, measures: list[Measure]) -> list[MeasureLine]:
    lines = {m.id: MeasureLine(m) for m in measures}
    if lines:
        for event in session.exec(
            select(MeasureEvent)
            .where(MeasureEvent.measure_id.in_(list(lines)))
            .order_by(MeasureEvent.id)
        ):
            lines[event.measure_id].events.append(event)
    return list(lines.values())


def unit_measures(
    session: Session, unit: Unit, *, landlord_view: bool = False
) -> list[MeasureLine]:
    """The unit's measures, those in force first, then newest first; a landlord does not
    see the ones still proposed or declined (nothing was decided for them yet, or nothing
    follows)."""
    stmt = select(Measure).where(Measure.unit_id == unit.id)
    if landlord_view:
        stmt = stmt.where(Measure.status.in_((MeasureStatus.CONFIRMED, MeasureStatus.DONE)))
    rows = list(
        session.exec(stmt.order_by(Measure.ended_at.is_not(None), Measure.id.desc()).limit(SHOWN))
    )
    return _with_events(session, rows)


def open_measures(
    session: Session, user: User, *, page: int = 1, state: str = "proposed"
) -> tuple[list[tuple[MeasureLine, Unit, Area]], int]:
    """Measures not ended that wait for the office, in the user's scope: ``proposed``
    (to confirm or decline) or ``confirmed`` (to record); oldest first."""
    status = MeasureStatus.CONFIRMED if state == "confirmed" else MeasureStatus.PROPOSED
    conditions: list[Any] = [
        Measure.status == status,
        Measure.ended_at.is_(None),
        unit_scope(user),
    ]
    base = (
        select(Measure, Unit, Area)
        .join(Unit, Unit.id == Measure.unit_id)
        .join(Area, Area.id == Unit.area_id)
    )
    rows = session.exec(
        base.where(*conditions)
        .order_by(Measure.proposed_at, Measure.id)
        .offset((max(1, page) - 1) * PER_PAGE)
        .limit(PER_PAGE)
    ).all()
    total = session.exec(
        select(func.count())
        .select_from(Measure)
        .join(Unit, Unit.id == Measure.unit_id)
        .join(Area, Area.id == Unit.area_id)
        .where(*conditions)
    ).one()
    lines = _with_events(session, [m for m, _u, _a in rows])
    return [(line, u, a) for line, (_m, u, a) in zip(lines, rows, strict=True)], total
