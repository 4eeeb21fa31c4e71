"""Points (积分制): an appended ledger for landlords and tenants, with rankings.

Rules, as this module keeps them:

- **Entries come from events the product records**, found by ``sweep_points`` (a daily
  job; any number of runs, in any number of processes, write each entry once, because
  its ``key`` names the source event and is unique): a refusal (the visit), a veto for a
  serious hazard (V1, the rating), an order fixed by its deadline or one past it (the
  order), a tenant change the landlord reported within 3 days (the declaration or
  move-out report, once confirmed), a tenant's residence registration (declared and
  confirmed, or recorded by staff: once per tenancy), each full year a three-star rating
  was held (the first three-star rating of the run).
- **Points come from the rules version in force on the event's local date**; an event a
  version has no rule for earns nothing. Entries are never changed, so a new version
  changes the points of later events only.
- The landlord is the unit's landlord when the entry is written; area and community are
  the unit's then, so rankings need no join.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from flask import current_app, has_app_context
from sqlalchemy import func
from sqlmodel import Session, select

from rentals import clock, db
from rentals.incentives.models import PointsEntry
from rentals.incentives.points_rules import PointsRules, Rule, rules_for
from rentals.inspections.models import Inspection, OrderStatus, Outcome, RectificationOrder
from rentals.portal.models import DeclarationStatus, MoveOutReport, TenantDeclaration
from rentals.ratings.models import Rating
from rentals.register.models import Area, Person, Tenancy, Unit
from rentals.selfservice.models import ResidenceRegistration
from scoring import RatingStatus

#: A tenant change reported within this many days of the move earns points.
REPORT_DAYS = 3
SERIOUS_HAZARD_VETO = "V1"


def _folder() -> Path | None:
    if not has_app_context():
        return None
    return Path(current_app.instance_path) / "points"


@dataclass(frozen=True)
class Event:
    """One source event found in the data, before the rules give it points."""

    key: str
    event: str
    holder: str
    person_id: int
    unit_id: int
    source_type: str
    source_id: int
    occurred_on: date


def _local(moment: datetime | None) -> date | None:
    return clock.local_date(moment) if moment is not None else None


def _anniversary(start: date, years: int) -> date:
    try:
        return start.replace(year=start.year + years)
    except ValueError:  # 29 February
        return start.replace(year=start.year + years, day=28)


def _refusals(session: Session) -> Iterator[Event]:
    rows = session.exec(
        select(Inspection.id, Inspection.visited_at, Unit.id, Unit.landlord_id)
        .join(Unit, Unit.id == Inspection.unit_id)
        .where(Inspection.outcome == Outcome.REFUSED, Unit.landlord_id.is_not(None))
    )
    for inspection_id, visited_at, unit_id, landlord in rows:
        yield Event(
            f"refusal:inspection:{inspection_id}", "refusal", "landlord", landlord, unit_id,
            "inspection", inspection_id, _local(visited_at),
        )  # fmt: skip


def _vetoes(session: Session) -> Iterator[Event]:
    rows = session.exec(
        select(Rating.id, Rating.rated_at, Rating.breakdown, Unit.id, Unit.landlord_id)
        .join(Unit, Unit.id == Rating.unit_id)
        .where(Rating.status == RatingStatus.NOT_RATED, Unit.landlord_id.is_not(None))
    )
    for rating_id, rated_at, breakdown, unit_id, landlord in rows:
        if SERIOUS_HAZARD_VETO in (breakdown or {}).get("vetoes", []):
            yield Event(
                f"serious_hazard_veto:rating:{rating_id}", "serious_hazard_veto", "landlord",
                landlord, unit_id, "rating", rating_id, _local(rated_at),
            )  # fmt: skip


def _orders(session: Session, today: date) -> Iterator[Event]:
    rows = session.exec(
        select(RectificationOrder, Unit.landlord_id)
        .join(Unit, Unit.id == RectificationOrder.unit_id)
        .where(Unit.landlord_id.is_not(None))
    )
    for order, landlord in rows:
        closed = _local(order.closed_at) if order.status == OrderStatus.CLOSED else None
        if closed is not None and closed <= order.deadline:
            yield Event(
                f"order_fixed:order:{order.id}", "order_fixed", "landlord", landlord,
                order.unit_id, "order", order.id, closed,
            )  # fmt: skip
        elif (closed is not None and closed > order.deadline) or (
            closed is None and order.status == OrderStatus.OPEN and order.deadline < today
        ):
            yield Event(
                f"order_overdue:order:{order.id}", "order_overdue", "landlord", landlord,
                order.unit_id, "order", order.id, order.deadline + timedelta(days=1),
            )  # fmt: skip


def _tenant_changes(session: Session) -> Iterator[Event]:
    declared = session.exec(
        select(TenantDeclaration, Unit.landlord_id, Tenancy.person_id)
        .join(Unit, Unit.id == TenantDeclaration.unit_id)
        .outerjoin(Tenancy, Tenancy.id == TenantDeclaration.tenancy_id)
        .where(
            TenantDeclaration.status == DeclarationStatus.CONFIRMED,
            TenantDeclaration.kind == "in",
            TenantDeclaration.moved_in.is_not(None),
        )
    )
    for row, landlord, tenant in declared:
        on = _local(row.declared_at)
        # Only a landlord's own report earns the landlord points (not a tenant's).
        by_landlord = row.source == "landlord"
        if by_landlord and landlord is not None and (on - row.moved_in).days <= REPORT_DAYS:
            yield Event(
                f"tenant_change_on_time:declaration:{row.id}", "tenant_change_on_time",
                "landlord", landlord, row.unit_id, "declaration", row.id, on,
            )  # fmt: skip
        if row.registered and tenant is not None and row.tenancy_id is not None:
            # Keyed by the tenancy: the registration staff record later is the same event.
            yield Event(
                f"residence_registered:tenancy:{row.tenancy_id}", "residence_registered",
                "tenant", tenant, row.unit_id, "declaration", row.id,
                _local(row.decided_at) or on,
            )  # fmt: skip
    registrations = session.exec(
        select(ResidenceRegistration, Tenancy.person_id, Tenancy.unit_id).join(
            Tenancy, Tenancy.id == ResidenceRegistration.tenancy_id
        )
    )
    for registration, tenant, unit_id in registrations:
        yield Event(
            f"residence_registered:tenancy:{registration.tenancy_id}", "residence_registered",
            "tenant", tenant, unit_id, "tenancy", registration.tenancy_id,
            registration.registered_on,
        )  # fmt: skip
    moved = session.exec(
        select(MoveOutReport, Unit.landlord_id)
        .join(Unit, Unit.id == MoveOutReport.unit_id)
        .where(MoveOutReport.status == "confirmed", Unit.landlord_id.is_not(None))
    )
    for report, landlord in moved:
        on = _local(report.reported_at)
        if (on - report.moved_out).days <= REPORT_DAYS:
            yield Event(
                f"tenant_change_on_time:move_out:{report.id}", "tenant_change_on_time",
                "landlord", landlord, report.unit_id, "move_out", report.id, on,
            )  # fmt: skip


def _three_star_years(session: Session, today: date) -> Iterator[Event]:
    """Each full year since the first rating of the current three-star run."""
    rows = session.exec(
        select(Rating.unit_id, Rating.id, Rating.status, Rating.rated_at, Unit.landlord_id)
        .join(Unit, Unit.id == Rating.unit_id)
        .where(Unit.rating_status == RatingStatus.THREE, Unit.landlord_id.is_not(None))
        .order_by(Rating.unit_id, Rating.id)
    )
    runs: dict[int, tuple[int, datetime, int] | None] = {}
    for unit_id, rating_id, status, rated_at, landlord in rows:
        if status != RatingStatus.THREE:
            runs[unit_id] = None
        elif runs.get(unit_id) is None:
            runs[unit_id] = (rating_id, rated_at, landlord)
    for unit_id, run in runs.items():
        if run is None:
            continue
        rating_id, rated_at, landlord = run
        start = clock.local_date(rated_at)
        years = 1
        while (day := _anniversary(start, years)) <= today:
            yield Event(
                f"three_star_year:rating:{rating_id}:{years}", "three_star_year", "landlord",
                landlord, unit_id, "rating", rating_id, day,
            )  # fmt: skip
            years += 1


def _write(session: Session, event: Event, rule: Rule, rules: PointsRules, area: Area) -> bool:
    row = PointsEntry(
        key=event.key,
        person_id=event.person_id,
        holder=event.holder,
        unit_id=event.unit_id,
        area_id=area.id,
        community_id=area.community_id,
        event=event.event,
        points=rule.points,
        rules_version=rules.version,
        reason_zh=rule.zh,
        reason_bo=rule.bo,
        reason_en=rule.en,
        source_type=event.source_type,
        source_id=event.source_id,
        occurred_on=event.occurred_on,
    )
    stored = db.insert_once(
        session,
        row,
        lambda: session.exec(select(PointsEntry).where(PointsEntry.key == event.key)).first(),
    )
    return stored is row


def sweep_points(session: Session, *, today: date) -> int:
    """Write the entries of every event found up to ``today`` that has none; returns how
    many were written (0 on a second run)."""
    written = set(session.exec(select(PointsEntry.key)))
    events = [
        e
        for source in (
            _refusals(session),
            _vetoes(session),
            _orders(session, today),
            _tenant_changes(session),
            _three_star_years(session, today),
        )
        for e in source
        if e.key not in written and e.occurred_on <= today
    ]
    if not events:
        return 0
    units = sorted({e.unit_id for e in events})
    areas = dict(
        session.exec(
            select(Unit.id, Area).join(Area, Area.id == Unit.area_id).where(Unit.id.in_(units))
        ).all()
    )
    folder = _folder()
    count = 0
    for event in events:
        rules = rules_for(event.occurred_on, folder)
        rule = rules.rule(event.event, event.holder)
        if rule is not None and _write(session, event, rule, rules, areas[event.unit_id]):
            count += 1
    session.flush()
    return count


# -- reads ------------------------------------------------------------------------------------


def balance(session: Session, person_id: int) -> int:
    total = session.exec(
        select(func.coalesce(func.sum(PointsEntry.points), 0)).where(
            PointsEntry.person_id == person_id
        )
    ).one()
    return int(total)


def history(session: Session, person_id: int, *, limit: int = 100) -> list[PointsEntry]:
    """The person's entries, newest first."""
    return list(
        session.exec(
            select(PointsEntry)
            .where(PointsEntry.person_id == person_id)
            .order_by(PointsEntry.occurred_on.desc(), PointsEntry.id.desc())
            .limit(limit)
        )
    )


def ranking(
    session: Session,
    *,
    holder: str = "landlord",
    area_id: int | None = None,
    community_ids: list[int] | None = None,
    limit: int = 50,
) -> list[tuple[Person, int]]:
    """龙虎榜: people by their points within an area or communities, highest first (ties by
    name), in one query."""
    total = func.sum(PointsEntry.points).label("total")
    stmt = select(PointsEntry.person_id, total).where(PointsEntry.holder == holder)
    if area_id is not None:
        stmt = stmt.where(PointsEntry.area_id == area_id)
    if community_ids is not None:
        stmt = stmt.where(PointsEntry.community_id.in_(community_ids))
    sums = stmt.group_by(PointsEntry.person_id).subquery()
    rows = session.exec(
        select(Person, sums.c.total)
        .join(sums, sums.c.person_id == Person.id)
        .order_by(sums.c.total.desc(), Person.name, Person.id)
        .limit(limit)
    ).all()
    return [(person, int(points)) for person, points in rows]


def ways_to_earn(today: date, holder: str = "landlord") -> list[Rule]:
    """The rules in force today that give ``holder`` points, most points first."""
    rules = rules_for(today, _folder())
    return sorted(
        (r for r in rules.rules if r.who == holder and r.points > 0), key=lambda r: -r.points
    )


def rules_in_force(today: date) -> PointsRules:
    return rules_for(today, _folder())


__all__ = ["balance", "history", "ranking", "rules_in_force", "sweep_points", "ways_to_earn"]
