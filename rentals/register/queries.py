"""Reads for the register pages: one query for a page of rows, one for its count.

Search terms are routed to an index: an 11-digit number is a phone, four digits the
tail of an identity number, anything else a unit-code prefix, a landlord-name prefix or
an address substring.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from typing import Any

from flask import abort, current_app
from flask_login import current_user
from sqlalchemy import column, func, or_, text
from sqlalchemy.orm import aliased
from sqlmodel import Session, select

from rentals import db
from rentals.audit.models import AuditEvent
from rentals.auth.access import area_scope, community_scope, unit_scope
from rentals.auth.models import User
from rentals.inspections.models import Inspection
from rentals.ratings.queries import rating_history
from rentals.register.models import Area, Community, Person, Tenancy, Unit
from rentals.tasks.models import Task

#: Sort keys, each served by an index (area sorts by the area's id, not its name, so
#: the page never has to join before it can skip rows).
SORTS = {
    "code": (Unit.code,),
    "address": (Unit.address, Unit.code),
    "area": (Unit.area_id, Unit.code),
    "stars": (Unit.stars, Unit.code),
}
#: Terms that look like unit codes only search the code index.
CODE_LIKE = re.compile(r"[A-Za-z0-9][A-Za-z0-9\-_/]*")


@dataclass(frozen=True)
class UnitFilter:
    q: str = ""
    area_id: int | None = None
    community_id: int | None = None
    status: str | None = None
    rating_status: str | None = None
    sort: str = "code"
    descending: bool = False
    page: int = 1
    per_page: int = 50


#: Public rating states in the order the register shows their counts.
STAR_COLUMNS = ("three", "two", "one", "not_rated", "under_review", "not_yet_rated")


@dataclass
class AreaCounts:
    area: str
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass
class UnitPage:
    rows: list[dict[str, Any]]
    total: int
    page: int
    per_page: int
    filters: UnitFilter = field(default_factory=UnitFilter)
    #: Star counts per area over the user's whole scope (not the filters); staff only.
    area_counts: list[AreaCounts] = field(default_factory=list)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def _prefix(column: Any, term: str) -> Any:
    """Prefix match that both engines serve from a plain b-tree index."""
    return (column >= term) & (column < term + "\uffff")


def _person_match(term: str) -> Any | None:
    """People matching a phone number or identity-number tail, or None for other terms."""
    digits = re.sub(r"[\s\-]", "", term)
    if re.fullmatch(r"(\+?86)?1\d{10}", digits):
        return Person.phone == "+86" + digits[-11:]
    if re.fullmatch(r"\d{3}[\dXx]", digits):
        return Person.id_tail == digits.upper()
    if re.fullmatch(r"\d{17}[\dXx]", digits):
        return Person.id_number == digits.upper()
    return None


def _address_match(term: str, dialect: str) -> Any:
    """Units whose address contains ``term``. On SQLite a trigram FTS5 table serves terms of
    three characters or more; PostgreSQL's trigram index serves the LIKE itself."""
    if dialect == "sqlite" and len(term) >= 3:
        quoted = '"' + term.replace('"', '""') + '"'
        hits = text("SELECT rowid FROM unit_fts WHERE unit_fts MATCH :q").bindparams(q=quoted)
        return Unit.id.in_(hits.columns(column("rowid")))
    return Unit.address.contains(term, autoescape=True)


def _search(term: str, dialect: str) -> Any:
    person_cond = _person_match(term)
    if person_cond is not None:
        people = select(Person.id).where(person_cond)
        tenants = select(Tenancy.unit_id).where(
            Tenancy.moved_out.is_(None), Tenancy.person_id.in_(people)
        )
        return or_(Unit.landlord_id.in_(people), Unit.id.in_(tenants))
    if CODE_LIKE.fullmatch(term):
        return _prefix(Unit.code, term.upper())
    landlords = select(Person.id).where(_prefix(Person.name, term))
    return or_(
        _prefix(Unit.code, term.upper()),
        Unit.landlord_id.in_(landlords),
        _address_match(term, dialect),
    )


def unit_conditions(session: Session, user: User, flt: UnitFilter) -> list[Any]:
    """SQL conditions on ``Unit`` for the register's search and filters within ``user``'s
    scope: the page and the API's cursor list both filter through this."""
    conditions = [unit_scope(user)]
    if flt.q.strip():
        conditions.append(_search(flt.q.strip(), session.get_bind().dialect.name))
    if flt.area_id:
        conditions.append(Unit.area_id == flt.area_id)
    if flt.community_id:
        conditions.append(in_community(flt.community_id))
    if flt.status:
        conditions.append(Unit.status == flt.status)
    if flt.rating_status:
        conditions.append(Unit.rating_status == flt.rating_status)
    return conditions


def unit_page(session: Session, user: User, flt: UnitFilter) -> UnitPage:
    conditions = unit_conditions(session, user, flt)
    landlord = aliased(Person)
    order = SORTS.get(flt.sort, SORTS["code"])
    order_by = [c.desc() for c in order] if flt.descending else list(order)
    page = max(1, flt.page)
    # Deferred join: skip rows on the index alone, then join the 50 that are shown.
    page_ids = (
        select(Unit.id)
        .where(*conditions)
        .order_by(*order_by)
        .offset((page - 1) * flt.per_page)
        .limit(flt.per_page)
    )
    stmt = (
        select(Unit, Area.name, landlord.name)
        .join(Area, Area.id == Unit.area_id)
        .outerjoin(landlord, landlord.id == Unit.landlord_id)
        .where(Unit.id.in_(page_ids.scalar_subquery()))
        .order_by(*order_by)
    )
    rows = [
        {"unit": unit, "area": area_name, "landlord": landlord_name}
        for unit, area_name, landlord_name in session.exec(stmt)
    ]
    count_stmt = select(func.count()).select_from(Unit).where(*conditions)
    total = session.exec(count_stmt).one()
    counts = cached_star_counts(session, user) if user.role != "landlord" else []
    return UnitPage(
        rows=rows,
        total=total,
        page=page,
        per_page=flt.per_page,
        filters=flt,
        area_counts=counts,
    )


#: Seconds the star counts of one scope are reused: they summarise the whole register
#: (an index scan of every unit), so at a million units they are not worth recounting on
#: every page view; a new rating shows in them within this time.
COUNTS_TTL = 60.0


def cached_star_counts(session: Session, user: User) -> list[AreaCounts]:
    """``star_counts_by_area`` reused for COUNTS_TTL seconds per scope, kept on the app."""
    cache = current_app.extensions.setdefault("rentals.star_counts", {})
    key = None if user.role in ("manager", "admin") else user.id
    now = time.monotonic()
    hit = cache.get(key)
    if hit is not None and now - hit[0] < COUNTS_TTL:
        return hit[1]
    counts = star_counts_by_area(session, user)
    cache[key] = (now, counts)
    return counts


def star_counts_by_area(session: Session, user: User) -> list[AreaCounts]:
    """Units per area and public rating state within ``user``'s scope.

    The count groups on ``(area_id, rating_status)`` alone, which the index of that name
    answers without reading the unit rows; area names are joined in Python afterwards.
    A last row "all areas" sums them when there is more than one area.
    """
    stmt = (
        select(Unit.area_id, Unit.rating_status, func.count())
        .where(unit_scope(user))
        .group_by(Unit.area_id, Unit.rating_status)
    )
    grouped = list(session.exec(stmt))
    area_ids = {g[0] for g in grouped}
    names = dict(session.exec(select(Area.id, Area.name).where(Area.id.in_(area_ids))).all())
    by_area: dict[int, AreaCounts] = {}
    for area_id, status, n in sorted(grouped, key=lambda g: (names.get(g[0], ""), g[0])):
        row = by_area.setdefault(
            area_id, AreaCounts(names.get(area_id, ""), dict.fromkeys(STAR_COLUMNS, 0))
        )
        row.counts[status] = row.counts.get(status, 0) + n
    result = list(by_area.values())
    if len(result) > 1:
        total = AreaCounts("", dict.fromkeys(STAR_COLUMNS, 0))
        for row in result:
            for status, n in row.counts.items():
                total.counts[status] = total.counts.get(status, 0) + n
        result.append(total)
    return result


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


def in_community(community_id: int) -> Any:
    """SQL condition on ``Unit``: the unit lies in one of the community's areas."""
    return Unit.area_id.in_(select(Area.id).where(Area.community_id == community_id))


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
