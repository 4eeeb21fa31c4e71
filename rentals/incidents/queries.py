"""Reads of incidents for staff pages; every read goes through the unit scope."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import ColumnElement
from sqlmodel import Session, col, select

from rentals.auth.access import unit_scope
from rentals.auth.models import Role, User
from rentals.incidents.models import Incident, IncidentKind
from rentals.register.models import Unit

#: Incidents shown on a unit file, newest first.
ON_FILE = 50


def live() -> ColumnElement[bool]:
    """SQL condition: the incident was not retracted (what every count counts)."""
    return col(Incident.retracted_at).is_(None)


def against_landlord() -> ColumnElement[bool]:
    """SQL form of ``Incident.counts_against_landlord``: live, and no resident the victim."""
    return live() & (col(Incident.resident_victim).is_(False))


def kinds(session: Session, *, active_only: bool = False) -> list[IncidentKind]:
    stmt = select(IncidentKind).order_by(IncidentKind.position, IncidentKind.id)
    if active_only:
        stmt = stmt.where(col(IncidentKind.active).is_(True))
    return list(session.exec(stmt))


def kind_name(kind: IncidentKind, locale: str) -> str:
    """The kind's name in ``locale``, Chinese when that language's name is empty."""
    return {"bo": kind.name_bo, "en": kind.name_en}.get(locale, "") or kind.name


@dataclass(frozen=True)
class IncidentRow:
    """An incident as a page shows it (plain values: the template runs no query)."""

    id: int
    occurred_on: date
    kind: str
    note: str
    resident_victim: bool
    reporter: str
    reported_at: datetime
    retracted_at: datetime | None
    retract_reason: str


def for_unit(session: Session, user: User, unit: Unit, *, locale: str) -> list[IncidentRow]:
    """A unit's incidents for its file: staff only (a landlord gets none), newest first."""
    if user.role == Role.LANDLORD:
        return []
    rows = session.exec(
        select(Incident, IncidentKind, User.display_name)
        .join(IncidentKind, IncidentKind.id == Incident.kind_id)
        .outerjoin(User, User.id == Incident.reported_by)
        .join(Unit, Unit.id == Incident.unit_id)
        .where(Incident.unit_id == unit.id, unit_scope(user))
        .order_by(col(Incident.occurred_on).desc(), col(Incident.id).desc())
        .limit(ON_FILE)
    )
    return [
        IncidentRow(
            id=i.id,  # type: ignore[arg-type]
            occurred_on=i.occurred_on,
            kind=kind_name(k, locale),
            note=i.note,
            resident_victim=i.resident_victim,
            reporter=who or "",
            reported_at=i.reported_at,
            retracted_at=i.retracted_at,
            retract_reason=i.retract_reason,
        )
        for i, k, who in rows
    ]


def visible_incident(
    session: Session, user: User, incident_id: int
) -> tuple[Incident, Unit] | None:
    """The incident and its unit when ``user`` may see the unit; None otherwise."""
    if user.role == Role.LANDLORD:
        return None
    row = session.exec(
        select(Incident, Unit)
        .join(Unit, Unit.id == Incident.unit_id)
        .where(Incident.id == incident_id, unit_scope(user))
    ).first()
    return (row[0], row[1]) if row else None
