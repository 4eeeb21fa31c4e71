"""Reads for the register pages: the unit file, people, areas and communities.

The list itself (keyset pages, kept totals, search) lives in ``listing``; its names are
re-exported here for the pages and the API.
"""

from __future__ import annotations

from typing import Any

from flask import abort
from flask_login import current_user
from sqlalchemy import or_
from sqlmodel import Session, select

from rentals import db
from rentals.audit.models import AuditEvent
from rentals.auth.access import area_scope, community_scope, unit_scope
from rentals.auth.models import User
from rentals.inspections.models import Inspection
from rentals.ratings.queries import rating_history
from rentals.register.listing import (
    STAR_COLUMNS,
    AreaCounts,
    UnitFilter,
    UnitPage,
    active_star_counts,
    in_community,
    star_counts_by_area,
    unit_conditions,
    unit_page,
)
from rentals.register.models import Area, Community, Person, Tenancy, Unit
from rentals.tasks.models import Task

__all__ = [
    "STAR_COLUMNS",
    "AreaCounts",
    "UnitFilter",
    "UnitPage",
    "active_star_counts",
    "in_community",
    "star_counts_by_area",
    "unit_conditions",
    "unit_page",
]


def visible_unit(session: Session, user: User, code: str) -> Unit | None:
    """The unit with this code if ``user`` may see it; None otherwise (the view says 404)."""
    return session.exec(select(Unit).where(Unit.code == code, unit_scope(user))).first()


def visible_person(session: Session, user: User, person_id: int) -> Person | None:
    """The person if ``user`` may see them (None: the view says 404): through a unit the
    user sees, as its landlord or a confirmed tenant (an unconfirmed declaration opens no
    one's file, issue 14.4); for the office also a person not yet linked to any unit."""
    person = session.get(Person, person_id)
    if person is None or user.role == "admin":
        return person
    tenant_units = select(Tenancy.unit_id).where(
        Tenancy.person_id == person_id, Tenancy.confirmed.is_(True)
    )
    of_person = or_(Unit.landlord_id == person_id, Unit.id.in_(tenant_units))
    if session.exec(select(Unit.id).where(unit_scope(user), of_person)).first() is not None:
        return person
    unlinked = session.exec(select(Unit.id).where(of_person)).first() is None
    return person if user.role in ("manager", "admin") and unlinked else None


def communities_for(session: Session, user: User) -> list[Community]:
    """The communities ``user`` may see (``access.community_scope``), by name."""
    return list(
        session.exec(select(Community).where(community_scope(user)).order_by(Community.name))
    )


def areas_for(session: Session, user: User) -> list[Area]:
    """The areas ``user`` may see (``access.area_scope``), by name."""
    return list(session.exec(select(Area).where(area_scope(user)).order_by(Area.name)))


def unit_file(session: Session, unit: Unit) -> dict[str, Any]:
    """Everything known about one unit, each part in a single query."""
    area = session.get(Area, unit.area_id)
    landlord = session.get(Person, unit.landlord_id) if unit.landlord_id else None
    tenancies = list(
        session.exec(
            select(Tenancy, Person)
            .join(Person, Person.id == Tenancy.person_id)
            .where(Tenancy.unit_id == unit.id)
            .order_by(Tenancy.moved_out.is_not(None), Tenancy.moved_in.desc())
        )
    )
    ratings = rating_history(session, unit)
    inspections = list(
        session.exec(
            select(Inspection, User.display_name)
            .outerjoin(User, User.id == Inspection.inspector_id)
            .where(Inspection.unit_id == unit.id)
            .order_by(Inspection.id.desc())
            .limit(50)
        )
    )
    tasks = list(
        session.exec(
            select(Task).where(Task.unit_id == unit.id).order_by(Task.due.desc()).limit(20)
        )
    )
    person_ids = [str(p.id) for _t, p in tenancies] + ([str(landlord.id)] if landlord else [])
    history = list(
        session.exec(
            select(AuditEvent, User.display_name)
            .outerjoin(User, User.id == AuditEvent.actor_id)
            .where(
                or_(
                    (AuditEvent.subject_type == "unit") & (AuditEvent.subject_id == str(unit.id)),
                    (AuditEvent.subject_type == "person") & AuditEvent.subject_id.in_(person_ids),
                    (AuditEvent.subject_type == "tenancy")
                    & AuditEvent.subject_id.in_([str(t.id) for t, _p in tenancies]),
                )
            )
            .order_by(AuditEvent.id.desc())
            .limit(100)
        )
    )
    return {
        "unit": unit,
        "area": area,
        "landlord": landlord,
        "tenancies": tenancies,
        "ratings": ratings,
        "inspections": inspections,
        "tasks": tasks,
        "history": history,
    }


def own_unit_or_404(code: str) -> Unit:
    """The signed-in landlord's own unit by code; any other code answers 404."""
    unit = db.session().exec(select(Unit).where(Unit.code == code)).first()
    person_id = getattr(current_user, "person_id", None)
    if unit is None or person_id is None or unit.landlord_id != person_id:
        abort(404)
    return unit


def visible_unit_or_404(code: str) -> Unit:
    """A unit the signed-in staff member may see, by code; any other answers 404."""
    unit = visible_unit(db.session(), current_user, code)
    if unit is None:
        abort(404)
    return unit
