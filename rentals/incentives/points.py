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

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from flask import current_app, has_app_context
from sqlalchemy import and_, func, or_, true
from sqlalchemy import text as sa_text
from sqlmodel import Session, select

from rentals import clock, db
from rentals.incentives import sweep_indexes  # noqa: F401  (the indexes it reads by)
from rentals.incentives.catalogue import in_force
from rentals.incentives.models import PointsEntry, PointsMark
from rentals.incentives.points_rules import PointsRules, Rule, rules_for, rules_versions
from rentals.inspections.models import Inspection, OrderStatus, Outcome, RectificationOrder
from rentals.portal.models import DeclarationStatus, MoveOutReport, TenantDeclaration
from rentals.ratings.models import Rating
from rentals.register.models import Area, Person, Tenancy, Unit
from rentals.selfservice.models import ResidenceRegistration
from scoring import RatingStatus

log = logging.getLogger(__name__)

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


@dataclass
class Window:
    """What one sweep reads: rows past the marks of the previous run, up to this run's
    ceilings. A first run (no marks) reads everything."""

    today: date
    #: Highest ids of the append-only sources already read, and this run's ceilings.
    after: dict[str, int]
    upto: dict[str, int]
    #: Stamps of the changing rows already read (None: read all).
    since: dict[str, datetime | None]
    #: Business day of the previous run (None: first run).
    last_day: date | None
    #: Rows read from the sources, for the operator's log line and the tests.
    rows: int = 0

    def ids(self, kind: str, column):  # type: ignore[no-untyped-def]
        return (column > self.after.get(kind, 0), column <= self.upto[kind])

    def stamp(self, kind: str, column):  # type: ignore[no-untyped-def]
        since = self.since.get(kind)
        return true() if since is None else column > since


def _refusals(session: Session, w: Window) -> Iterator[Event]:
    rows = session.exec(
        select(Inspection.id, Inspection.visited_at, Unit.id, Unit.landlord_id)
        .join(Unit, Unit.id == Inspection.unit_id)
        .where(
            *w.ids("inspection", Inspection.id),
            Inspection.outcome == Outcome.REFUSED,
            Unit.landlord_id.is_not(None),
        )
    )
    for inspection_id, visited_at, unit_id, landlord in rows:
        w.rows += 1
        yield Event(
            f"refusal:inspection:{inspection_id}", "refusal", "landlord", landlord, unit_id,
            "inspection", inspection_id, _local(visited_at),
        )  # fmt: skip


def _vetoes(session: Session, w: Window) -> Iterator[Event]:
    rows = session.exec(
        select(Rating.id, Rating.rated_at, Rating.breakdown, Unit.id, Unit.landlord_id)
        .join(Unit, Unit.id == Rating.unit_id)
        .where(
            *w.ids("rating", Rating.id),
            Rating.status == RatingStatus.NOT_RATED,
            Unit.landlord_id.is_not(None),
        )
    )
    for rating_id, rated_at, breakdown, unit_id, landlord in rows:
        w.rows += 1
        if SERIOUS_HAZARD_VETO in (breakdown or {}).get("vetoes", []):
            yield Event(
                f"serious_hazard_veto:rating:{rating_id}", "serious_hazard_veto", "landlord",
                landlord, unit_id, "rating", rating_id, _local(rated_at),
            )  # fmt: skip


def _orders(session: Session, w: Window) -> Iterator[Event]:
    """Orders made since the last run, closed since, or whose deadline passed since."""
    changed: list[Any] = [
        and_(*w.ids("order", RectificationOrder.id)),
        w.stamp("order", RectificationOrder.closed_at),
    ]
    if w.last_day is not None:
        changed.append(
            and_(
                RectificationOrder.status == OrderStatus.OPEN,
                RectificationOrder.deadline >= w.last_day,
                RectificationOrder.deadline < w.today,
            )
        )
    rows = session.exec(
        select(RectificationOrder, Unit.landlord_id)
        .join(Unit, Unit.id == RectificationOrder.unit_id)
        .where(or_(*changed), Unit.landlord_id.is_not(None))
    )
    today = w.today
    for order, landlord in rows:
        w.rows += 1
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


def _tenant_changes(session: Session, w: Window) -> Iterator[Event]:
    declared = session.exec(
        select(TenantDeclaration, Unit.landlord_id, Tenancy.person_id)
        .join(Unit, Unit.id == TenantDeclaration.unit_id)
        .outerjoin(Tenancy, Tenancy.id == TenantDeclaration.tenancy_id)
        .where(
            w.stamp("declaration", TenantDeclaration.decided_at),
            TenantDeclaration.status == DeclarationStatus.CONFIRMED,
            TenantDeclaration.kind == "in",
            TenantDeclaration.moved_in.is_not(None),
        )
    )
    for row, landlord, tenant in declared:
        w.rows += 1
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
        select(ResidenceRegistration, Tenancy.person_id, Tenancy.unit_id)
        .join(Tenancy, Tenancy.id == ResidenceRegistration.tenancy_id)
        .where(w.stamp("registration", ResidenceRegistration.updated_at))
    )
    for registration, tenant, unit_id in registrations:
        w.rows += 1
        yield Event(
            f"residence_registered:tenancy:{registration.tenancy_id}", "residence_registered",
            "tenant", tenant, unit_id, "tenancy", registration.tenancy_id,
            registration.registered_on,
        )  # fmt: skip
    moved = session.exec(
        select(MoveOutReport, Unit.landlord_id)
        .join(Unit, Unit.id == MoveOutReport.unit_id)
        .where(
            w.stamp("move_out", MoveOutReport.decided_at),
            MoveOutReport.status == "confirmed",
            Unit.landlord_id.is_not(None),
        )
    )
    for report, landlord in moved:
        w.rows += 1
        on = _local(report.reported_at)
        if (on - report.moved_out).days <= REPORT_DAYS:
            yield Event(
                f"tenant_change_on_time:move_out:{report.id}", "tenant_change_on_time",
                "landlord", landlord, report.unit_id, "move_out", report.id, on,
            )  # fmt: skip


def _chunks(values: list[Any], size: int = 500) -> Iterator[list[Any]]:
    """``values`` in slices small enough for one IN list on any engine."""
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=clock.zone()).astimezone(UTC)


def _years_back(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _three_star_units(session: Session, w: Window) -> list[int] | None:
    """Units whose three-star anniversaries may fall due in this window: those rated since
    the last run, and those with a three-star rating on a day whose anniversary (a day
    either side, for 29 February) lies in it. None: look at every unit (a first run, or a
    gap longer than a year)."""
    if w.last_day is None or (w.today - w.last_day).days > 366:
        return None
    units = set(session.exec(select(Rating.unit_id).where(*w.ids("rating", Rating.id))).all())
    first, last = w.last_day + timedelta(days=1), w.today
    if first <= last:
        ranges = []
        for years in range(1, last.year - 1999):
            low = _years_back(first, years) - timedelta(days=1)
            high = _years_back(last, years) + timedelta(days=2)
            ranges.append(
                and_(Rating.rated_at >= _day_start(low), Rating.rated_at < _day_start(high))
            )
        units.update(
            session.exec(
                select(Rating.unit_id).where(Rating.status == RatingStatus.THREE, or_(*ranges))
            ).all()
        )
    w.rows += len(units)
    return sorted(units)


def _three_star_years(session: Session, w: Window) -> Iterator[Event]:
    """Each full year since the first rating of the current three-star run."""
    units = _three_star_units(session, w)
    if units == []:
        return
    stmt = (
        select(Rating.unit_id, Rating.id, Rating.status, Rating.rated_at, Unit.landlord_id)
        .join(Unit, Unit.id == Rating.unit_id)
        .where(Unit.rating_status == RatingStatus.THREE, Unit.landlord_id.is_not(None))
        .order_by(Rating.unit_id, Rating.id)
    )
    parts = [stmt] if units is None else [stmt.where(Rating.unit_id.in_(c)) for c in _chunks(units)]
    runs: dict[int, tuple[int, datetime, int] | None] = {}
    for part in parts:
        for unit_id, rating_id, status, rated_at, landlord in session.exec(part):
            w.rows += 1
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
        while (day := _anniversary(start, years)) <= w.today:
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


#: Kinds of source the sweep keeps a mark for.
ID_SOURCES = {"inspection": Inspection, "rating": Rating, "order": RectificationOrder}
STAMPED = ("order", "declaration", "registration", "move_out")
MARKS = ("inspection", "rating", "order", "declaration", "registration", "move_out", "day")
#: A row's stamp is taken when its request starts, and it commits a little later: the mark
#: of a stamped source stays this far behind the run, so such a row is read by the next
#: run (its entry is keyed, so reading it twice writes it once).
GRACE = timedelta(minutes=10)


def _marks(session: Session, now: datetime) -> dict[str, PointsMark]:
    """The marks, locked for this run (a second sweep waits, then starts from where this
    one ended: on PostgreSQL by the row locks, on SQLite by the write lock)."""
    for kind in MARKS:
        if session.get(PointsMark, kind) is None:
            db.insert_once(
                session,
                PointsMark(kind=kind, updated_at=now),
                lambda k=kind: session.get(PointsMark, k),
            )
    rows = session.exec(
        select(PointsMark)
        .where(PointsMark.kind.in_(MARKS))
        .with_for_update()
        .execution_options(populate_existing=True)
    ).all()
    return {m.kind: m for m in rows}


def _ceilings(session: Session) -> dict[str, int]:
    """Highest id of each append-only source that this run may read. On PostgreSQL ids are
    taken before their rows commit, so a SHARE lock first waits for the writers in flight
    (and holds new ones off until this run commits): no row below a ceiling is still to
    come. On SQLite writers take the write lock in turn, so ids commit in order."""
    if session.get_bind().dialect.name == "postgresql":
        session.exec(  # type: ignore[call-overload]
            sa_text("LOCK TABLE inspection, rating, rectification_order IN SHARE MODE")
        )
    return {
        kind: int(session.exec(select(func.coalesce(func.max(model.id), 0))).one())
        for kind, model in ID_SOURCES.items()
    }


def _stamp_ceiling(session: Session, now: datetime) -> dict[str, datetime | None]:
    """The newest stamp of each changing source, held back by GRACE from now."""
    columns = {
        "order": RectificationOrder.closed_at,
        "declaration": TenantDeclaration.decided_at,
        "registration": ResidenceRegistration.updated_at,
        "move_out": MoveOutReport.decided_at,
    }
    held = now - GRACE
    found = {}
    for kind, column in columns.items():
        newest = session.exec(select(func.max(column))).one()
        found[kind] = None if newest is None else min(_aware(newest), held)
    return found


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


@dataclass(frozen=True)
class SweepResult:
    written: int
    #: Source rows read (0 when nothing changed since the last run).
    rows_read: int


def sweep(session: Session, *, today: date, now: datetime | None = None) -> SweepResult:
    """Write the entries of every event up to ``today`` that changed since the last run
    (everything on a first run) and move the marks, in the caller's transaction."""
    now = now or clock.now()
    marks = _marks(session, now)
    upto = _ceilings(session)
    window = Window(
        today=today,
        after={k: marks[k].last_id for k in ID_SOURCES},
        upto=upto,
        since={k: _aware(marks[k].last_at) if marks[k].last_at else None for k in STAMPED},
        last_day=marks["day"].last_day,
    )
    stamps = _stamp_ceiling(session, now)
    events = [
        e
        for source in (
            _refusals(session, window),
            _vetoes(session, window),
            _orders(session, window),
            _tenant_changes(session, window),
            _three_star_years(session, window),
        )
        for e in source
        if e.occurred_on <= today
    ]
    count = 0
    if events:
        written: set[str] = set()
        for keys in _chunks(sorted({e.key for e in events})):
            written.update(session.exec(select(PointsEntry.key).where(PointsEntry.key.in_(keys))))
        events = [e for e in events if e.key not in written]
    if events:
        areas: dict[int, Area] = {}
        for units in _chunks(sorted({e.unit_id for e in events})):
            areas.update(
                session.exec(
                    select(Unit.id, Area)
                    .join(Area, Area.id == Unit.area_id)
                    .where(Unit.id.in_(units))
                ).all()
            )
        versions = rules_versions(_folder(), session)
        for event in events:
            rules = in_force(versions, event.occurred_on)
            rule = rules.rule(event.event, event.holder)
            if rule is not None and _write(session, event, rule, rules, areas[event.unit_id]):
                count += 1
    for kind, ceiling in upto.items():
        marks[kind].last_id = max(marks[kind].last_id, ceiling)
    for kind in STAMPED:
        held, old = stamps[kind], window.since[kind]
        if held is not None and (old is None or held > old):
            marks[kind].last_at = held
    # Orders due before ``today`` were looked at; a later run starts its deadlines here.
    if marks["day"].last_day is None or today > marks["day"].last_day:
        marks["day"].last_day = today
    for mark in marks.values():
        mark.updated_at = now
        session.add(mark)
    session.flush()
    log.info("points sweep %s: %d rows read, %d entries written", today, window.rows, count)
    return SweepResult(count, window.rows)


def sweep_points(session: Session, *, today: date, now: datetime | None = None) -> int:
    """Write the entries of the events found up to ``today`` that have none; returns how
    many were written (0 on a second run)."""
    return sweep(session, today=today, now=now).written


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


def ways_to_earn(
    today: date, holder: str = "landlord", session: Session | None = None
) -> list[Rule]:
    """The rules in force today that give ``holder`` points, most points first."""
    rules = rules_for(today, _folder(), session)
    return sorted(
        (r for r in rules.rules if r.who == holder and r.points > 0), key=lambda r: -r.points
    )


def rules_in_force(today: date, session: Session | None = None) -> PointsRules:
    return rules_for(today, _folder(), session)


__all__ = [
    "balance",
    "history",
    "ranking",
    "rules_in_force",
    "sweep",
    "sweep_points",
    "ways_to_earn",
]
