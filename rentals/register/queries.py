"""Reads for the register pages: the unit file, people, areas and communities.

The list itself (keyset pages, kept totals, search) lives in ``listing``; its names are
re-exported here for the pages and the API.
"""

from __future__ import annotations

from dataclasses import dataclass, field
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


#: A filter lists every area of the viewer's scope up to this many, grouped by community;
#: beyond (a city's hundreds), the community is chosen first and its areas are listed.
AREA_LIST_MAX = 40


@dataclass(frozen=True)
class AreaChoice:
    """What a page's community and area filter offers, as plain rows (no ORM objects)."""

    #: The viewer's communities, (id, name) by name.
    communities: list[tuple[int, str]] = field(default_factory=list)
    #: The areas the filter lists, (id, community id, name) by name.
    areas: list[tuple[int, int, str]] = field(default_factory=list)
    #: A known community that was asked for (or the chosen area's, or the only one).
    community_id: int | None = None
    #: False: the scope has too many areas to list, and only ``community_id``'s are.
    every_area: bool = True
    #: ``community_id`` is the one the request asked for (not derived).
    asked: bool = False

    @property
    def needs_community(self) -> bool:
        """No area is listed until a community is chosen (a city's many areas)."""
        return not self.every_area and self.community_id is None

    def keeps(self, area_id: int | None) -> bool:
        """Whether a filter on ``area_id`` still holds: not when the request chose a
        community the area lies outside of (the community was changed after the area)."""
        if area_id is None or not self.asked:
            return True
        return any(a[0] == area_id and a[1] == self.community_id for a in self.areas)


def community_rows(session: Session, user: User) -> list[tuple[int, str]]:
    """``communities_for`` as plain (id, name) rows."""
    return [
        (c_id, name)
        for c_id, name in session.exec(
            select(Community.id, Community.name)
            .where(community_scope(user))
            .order_by(Community.name, Community.id)
        )
    ]


def area_choice(
    session: Session, user: User, *, community_id: int | None = None, area_id: int | None = None
) -> AreaChoice:
    """The communities and areas a filter offers ``user``: every area when the scope holds
    at most ``AREA_LIST_MAX``, otherwise those of the chosen community (given, or that of
    ``area_id``), none before one is chosen. Two or three small reads of plain rows."""
    communities = community_rows(session, user)
    known = {c_id for c_id, _name in communities}
    chosen = community_id if community_id in known else None
    asked = chosen is not None
    if chosen is None and len(communities) == 1:
        chosen = communities[0][0]
    by_name = (Area.name, Area.id)
    listed = [
        (a_id, c_id, name)
        for a_id, c_id, name in session.exec(
            select(Area.id, Area.community_id, Area.name)
            .where(area_scope(user))
            .order_by(*by_name)
            .limit(AREA_LIST_MAX + 1)
        )
    ]
    if len(listed) <= AREA_LIST_MAX:
        if chosen is None and area_id is not None:
            chosen = next((c_id for a_id, c_id, _n in listed if a_id == area_id), None)
        return AreaChoice(communities, listed, chosen, True, asked)
    if chosen is None and area_id is not None:
        chosen = session.exec(
            select(Area.community_id).where(Area.id == area_id, area_scope(user))
        ).first()
    if chosen is None:
        return AreaChoice(communities, [], None, False, asked)
    areas = [
        (a_id, c_id, name)
        for a_id, c_id, name in session.exec(
            select(Area.id, Area.community_id, Area.name)
            .where(area_scope(user), Area.community_id == chosen)
            .order_by(*by_name)
        )
    ]
    return AreaChoice(communities, areas, chosen, False, asked)


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
