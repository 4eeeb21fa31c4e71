"""Keeps the dashboard's aggregates (``dashboard.models``) in step with the rows they count.

The counts change in the flush that changes their rows, on the same connection, so they
commit or roll back with it, by mapper events on the rows themselves (units, visits,
ratings, incidents): every path that writes through the ORM (pages, the API, imports, the
demo, CLI commands) is counted with no hook in any service. Tasks are counted by triggers
(the migration), since the planner writes them below the ORM; a city's first plan drops
those triggers for its load and counts its rows after it with ``count_tasks``. The work is
what changed: a visit adds to one day and one month of its area; only a unit's move to
another area or its withdrawal re-counts that one unit's history.

``rebuild`` recomputes everything from the raw rows (``rentals dashboard rebuild``), and
produces exactly what the events produce: the tests hold one to the other.
"""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    and_,
    bindparam,
    delete,
    event,
    func,
    inspect,
    literal_column,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

import schedules
from rentals import clock
from rentals.dashboard.models import (
    NO_STARS,
    DashboardMonth,
    DashboardMove,
    DashboardTask,
    DashboardUnits,
)
from rentals.incidents.models import Incident
from rentals.inspections.models import Inspection, Outcome
from rentals.ratings.models import Rating
from rentals.register.models import Unit, UnitStatus
from rentals.tasks.models import Task, TaskStatus

log = logging.getLogger(__name__)

ACTIVE = UnitStatus.ACTIVE.value
FIRE_ITEM = "F1"
REGISTRATION_ITEMS = ("S2", "S3")

MonthKey = tuple[int, date, str]  # (area, day, metric)
UnitsKey = tuple[int, str, int, bool, bool, bool]


def flags(answers: Mapping[str, Any] | None) -> tuple[bool, bool, bool]:
    """(inspected, F1 met, S2 and S3 met) of a unit's newest completed inspection."""
    if answers is None:
        return (False, False, False)
    return (
        True,
        answers.get(FIRE_ITEM) == "met",
        all(answers.get(code) == "met" for code in REGISTRATION_ITEMS),
    )


def month_of(day: date) -> date:
    return day.replace(day=1)


def _local(moment: datetime, zone: Any) -> date:
    return moment.astimezone(zone).date()


def direction(before: int | None, after: int | None) -> str | None:
    if before is None or after is None or before == after:
        return None
    return "rising" if after > before else "falling"


# --- units by the period of their last inspection ("stale") ---------------------------

#: ``dashboard_month`` metric prefix: active units of a star count (``NO_STARS`` for not
#: yet rated) whose last completed inspection fell in the period of their cadence that
#: starts on ``day``. A unit is stale when that period starts before
#: ``schedules.stale_before`` (cut-offs are period starts of the same cadence), so the
#: fresh units are the rows of at most two periods (and any later), a bounded read.
LAST = "last:"


def last_metric(stars: int | None) -> str:
    return f"{LAST}{NO_STARS if stars is None else stars}"


def cadence_of(stars: int | None) -> schedules.Cadence:
    """The cadence of a unit's kept stars (anything but 0-3 counts as not rated)."""
    return schedules.cadence_for(stars if stars in (0, 1, 2, 3) else None)


def last_key(area: int, stars: int | None, last_on: date | None) -> MonthKey | None:
    """The ``last:`` row a unit counts in; None if it was never inspected."""
    if last_on is None:
        return None
    return (area, schedules.period_of(cadence_of(stars), last_on).start, last_metric(stars))


def last_delta(
    old: tuple[int, int | None, date | None] | None,
    new: tuple[int, int | None, date | None] | None,
) -> Counter[MonthKey]:
    """The ``last:`` rows' change when a unit goes from (area, stars, last inspected on)
    ``old`` to ``new`` (None: not active)."""
    out: Counter[MonthKey] = Counter()
    before = last_key(*old) if old else None
    after = last_key(*new) if new else None
    if before != after:
        if before:
            out[before] -= 1
        if after:
            out[after] += 1
    return out


def last_counts(conn: Connection) -> Counter[MonthKey]:
    """The ``last:`` rows of every active unit, from the units (the rebuild)."""
    out: Counter[MonthKey] = Counter()
    for area, stars, on, n in conn.execute(
        select(Unit.area_id, Unit.stars, Unit.last_inspected_on, func.count())
        .where(Unit.status == ACTIVE, Unit.last_inspected_on.is_not(None))  # type: ignore[union-attr]
        .group_by(*_positions(3))
    ):
        key = last_key(area, stars, on)
        if key:
            out[key] += n
    return out


# --- writing deltas ---------------------------------------------------------------------


def _upsert(conn: Connection, table: Any, column: str, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    module = postgresql if conn.dialect.name == "postgresql" else sqlite
    stmt = module.insert(table)
    keys = [c.name for c in table.primary_key.columns]
    stmt = stmt.on_conflict_do_update(
        index_elements=keys, set_={column: table.c[column] + stmt.excluded[column]}
    )
    conn.execute(stmt, rows)


def add_month(conn: Connection, counts: Mapping[MonthKey, int], sign: int = 1) -> None:
    rows = [
        {"area_id": a, "day": d, "metric": m, "n": sign * n} for (a, d, m), n in counts.items() if n
    ]
    _upsert(conn, DashboardMonth.__table__, "n", rows)  # type: ignore[attr-defined]


def add_tasks(
    conn: Connection, counts: Mapping[tuple[int, int, date, bool], int], sign: int = 1
) -> None:
    rows = [
        {"area_id": a, "inspector_id": i, "due": d, "done": k, "n": sign * n}
        for (a, i, d, k), n in counts.items()
        if n
    ]
    _upsert(conn, DashboardTask.__table__, "n", rows)  # type: ignore[attr-defined]


def add_units(conn: Connection, counts: Mapping[UnitsKey, int]) -> None:
    rows = [
        {
            "area_id": a,
            "rating_status": s,
            "stars": st,
            "inspected": i,
            "fire": f,
            "registered": r,
            "units": n,
        }
        for (a, s, st, i, f, r), n in counts.items()
        if n
    ]
    _upsert(conn, DashboardUnits.__table__, "units", rows)  # type: ignore[attr-defined]


# --- what units contribute, from the raw rows ------------------------------------------


def _in(column: Any, ids: Iterable[int] | None) -> Any:
    return True if ids is None else column.in_(list(ids))


def month_counts(
    conn: Connection, areas: Mapping[int, int], only: bool = True
) -> Counter[MonthKey]:
    """Visits, ratings and incidents of the units in ``areas`` (unit id -> area id), counted
    as the events count them. ``only=False`` reads every row (the rebuild of all units)."""
    zone = clock.zone()
    ids = list(areas) if only else None
    out: Counter[MonthKey] = Counter()
    for unit_id, outcome, visited_at in conn.execute(
        select(Inspection.unit_id, Inspection.outcome, Inspection.visited_at).where(
            _in(Inspection.unit_id, ids)
        )
    ):
        area = areas.get(unit_id)
        if area is None:
            continue
        day = _local(visited_at, zone)
        out[(area, day, "visits")] += 1
        if outcome in (Outcome.COMPLETED.value, Outcome.REFUSED.value):
            out[(area, month_of(day), outcome)] += 1
    # Ratings in id order per unit: the state moves and each month's rise or fall.
    history: dict[int, list[tuple[int, str, int, date]]] = defaultdict(list)
    for unit_id, rid, status, stars, rated_at in conn.execute(
        select(Rating.unit_id, Rating.id, Rating.status, Rating.stars, Rating.rated_at)
        .where(_in(Rating.unit_id, ids))
        .order_by(Rating.unit_id, Rating.id)
    ):
        if unit_id in areas:
            history[unit_id].append((rid, status, stars, _local(rated_at, zone)))
    for unit_id, ratings in history.items():
        area = areas[unit_id]
        for k, (_rid, status, stars, day) in enumerate(ratings):
            previous = ratings[k - 1] if k else None
            for key, n in rating_delta(area, ratings[:k], previous, status, stars, day).items():
                out[key] += n
    for unit_id, occurred_on, victim in conn.execute(
        select(Incident.unit_id, Incident.occurred_on, Incident.resident_victim).where(
            _in(Incident.unit_id, ids),
            Incident.retracted_at.is_(None),  # type: ignore[union-attr]
        )
    ):
        area = areas.get(unit_id)
        if area is not None:
            out[(area, month_of(occurred_on), "incidents")] += 1
            if victim:
                out[(area, month_of(occurred_on), "incidents_victim")] += 1
    return out


def rating_delta(
    area: int,
    earlier: list[tuple[int, str, int, date]],
    previous: tuple[int, str, int, date] | None,
    status: str,
    stars: int,
    day: date,
) -> Counter[MonthKey]:
    """What appending one rating changes: the unit leaves its previous state and enters the
    new one in the rating's month, and its rise or fall over that month (stars before the
    month against stars now) may change. ``earlier``: the unit's ratings before it, in id
    order."""
    month = month_of(day)
    out: Counter[MonthKey] = Counter()
    if previous is not None:
        out[(area, month, f"state:{previous[1]}")] -= 1
    out[(area, month, f"state:{status}")] += 1
    before = [r for r in earlier if r[3] < month]
    start = before[-1][2] if before else None
    old = direction(start, previous[2] if previous else None)
    new = direction(start, stars)
    if old:
        out[(area, month, old)] -= 1
    if new:
        out[(area, month, new)] += 1
    return out


def move_of(earlier: list[tuple[int, str, int, date]], stars: int, day: date) -> int:
    """The unit's rise (+1), fall (-1) or neither (0) over the month of ``day`` once a
    rating of ``stars`` on ``day`` is appended to ``earlier`` (its ratings before, in id
    order): its stars then against the newest before the month, as ``rating_delta`` says."""
    month = month_of(day)
    before = [r for r in earlier if r[3] < month]
    new = direction(before[-1][2] if before else None, stars)
    return 0 if new is None else (1 if new == "rising" else -1)


def set_move(conn: Connection, unit_id: int, month: date, move: int) -> None:
    table = DashboardMove.__table__  # type: ignore[attr-defined]
    conn.execute(delete(table).where(table.c.unit_id == unit_id, table.c.month == month))
    if move:
        conn.execute(table.insert().values(unit_id=unit_id, month=month, direction=move))


def move_rows(conn: Connection) -> list[dict[str, Any]]:
    """Every unit's rise or fall per month from its ratings (every unit, active or not:
    the lists keep to active units, and a unit that comes back brings its history)."""
    zone = clock.zone()
    out: dict[tuple[int, date], int] = {}
    earlier: list[tuple[int, str, int, date]] = []
    current = None
    for unit_id, rid, status, stars, rated_at in conn.execute(
        select(Rating.unit_id, Rating.id, Rating.status, Rating.stars, Rating.rated_at).order_by(
            Rating.unit_id, Rating.id
        )
    ):
        if unit_id != current:
            current, earlier = unit_id, []
        day = _local(rated_at, zone)
        out[(unit_id, month_of(day))] = move_of(earlier, stars, day)
        earlier.append((rid, status, stars, day))
    return [{"unit_id": u, "month": m, "direction": d} for (u, m), d in out.items() if d]


def task_counts(conn: Connection, areas: Mapping[int, int]) -> Counter[tuple[int, int, date, bool]]:
    out: Counter[tuple[int, int, date, bool]] = Counter()
    for unit_id, inspector_id, due, status in conn.execute(
        select(Task.unit_id, Task.inspector_id, Task.due, Task.status).where(
            Task.unit_id.in_(list(areas)), Task.status != TaskStatus.CANCELLED.value
        )
    ):
        out[(areas[unit_id], inspector_id or 0, due, status == TaskStatus.DONE.value)] += 1
    return out


def _unit_flags(conn: Connection, inspection_id: int | None) -> tuple[bool, bool, bool]:
    if inspection_id is None:
        return flags(None)
    answers = conn.execute(
        select(Inspection.answers).where(Inspection.id == inspection_id)
    ).scalar_one_or_none()
    return flags(answers if answers is not None else None)


def _units_key(
    area: int, rating_status: str, stars: int | None, f: tuple[bool, bool, bool]
) -> UnitsKey:
    return (area, rating_status, NO_STARS if stars is None else stars, *f)


# --- the events -------------------------------------------------------------------------


def _old(target: Any, name: str) -> Any:
    history = inspect(target).attrs[name].history
    if history.deleted:
        return history.deleted[0]
    return getattr(target, name)


@event.listens_for(Unit, "after_insert")
def _unit_inserted(_mapper: Any, conn: Connection, unit: Unit) -> None:
    if unit.status == ACTIVE:
        f = _unit_flags(conn, unit.last_inspection_id)
        add_units(conn, {_units_key(unit.area_id, unit.rating_status, unit.stars, f): 1})
        add_month(conn, last_delta(None, (unit.area_id, unit.stars, unit.last_inspected_on)))


#: The row's last inspection day before this flush's UPDATE or DELETE of a unit: the
#: visit events write it below the ORM, so the object's loaded value may be out of date.
_KEPT_ON = "_dashboard_kept_on"


def _keep_on(conn: Connection, unit: Unit) -> None:
    kept = conn.execute(select(Unit.last_inspected_on).where(Unit.id == unit.id)).scalar()
    unit.__dict__[_KEPT_ON] = kept


@event.listens_for(Unit, "before_update")
def _unit_updating(_mapper: Any, conn: Connection, unit: Unit) -> None:
    if inspect(unit).attrs["last_inspected_on"].history.has_changes():
        _keep_on(conn, unit)


@event.listens_for(Unit, "before_delete")
def _unit_deleting(_mapper: Any, conn: Connection, unit: Unit) -> None:
    _keep_on(conn, unit)


@event.listens_for(Unit, "after_update")
def _unit_updated(_mapper: Any, conn: Connection, unit: Unit) -> None:
    old = {n: _old(unit, n) for n in ("area_id", "status", "rating_status", "stars")}
    new = {n: getattr(unit, n) for n in old}
    on = inspect(unit).attrs["last_inspected_on"].history
    if old == new and not on.has_changes():
        return
    last, kept_on = conn.execute(
        select(Unit.last_inspection_id, Unit.last_inspected_on).where(Unit.id == unit.id)
    ).one()
    # The visit events write the last inspection below the ORM: the row holds it (read
    # before the UPDATE if this flush sets it through the ORM).
    old_on = unit.__dict__.pop(_KEPT_ON, None) if on.has_changes() else kept_on
    new_on = kept_on
    add_month(
        conn,
        last_delta(
            (old["area_id"], old["stars"], old_on) if old["status"] == ACTIVE else None,
            (new["area_id"], new["stars"], new_on) if new["status"] == ACTIVE else None,
        ),
    )
    if old == new:
        return
    f = _unit_flags(conn, last)
    delta: Counter[UnitsKey] = Counter()
    if old["status"] == ACTIVE:
        delta[_units_key(old["area_id"], old["rating_status"], old["stars"], f)] -= 1
    if new["status"] == ACTIVE:
        delta[_units_key(new["area_id"], new["rating_status"], new["stars"], f)] += 1
    add_units(conn, delta)
    moved = (old["area_id"], old["status"] == ACTIVE) != (new["area_id"], new["status"] == ACTIVE)
    if not moved:
        return
    # The unit's whole history follows it: out of the old area (if it counted), into the new.
    for area, sign, counts in (
        (old["area_id"], -1, old["status"] == ACTIVE),
        (new["area_id"], 1, new["status"] == ACTIVE),
    ):
        if counts:
            add_month(conn, month_counts(conn, {unit.id: area}), sign)  # type: ignore[dict-item]
            add_tasks(conn, task_counts(conn, {unit.id: area}), sign)  # type: ignore[dict-item]


@event.listens_for(Unit, "after_delete")
def _unit_deleted(_mapper: Any, conn: Connection, unit: Unit) -> None:
    if _old(unit, "status") == ACTIVE:
        f = flags(None)
        add_units(conn, {_units_key(unit.area_id, unit.rating_status, unit.stars, f): -1})
        kept_on = unit.__dict__.pop(_KEPT_ON, unit.last_inspected_on)
        add_month(conn, last_delta((_old(unit, "area_id"), _old(unit, "stars"), kept_on), None))


def _unit_row(conn: Connection, unit_id: int) -> Any:
    return conn.execute(
        select(
            Unit.area_id,
            Unit.status,
            Unit.rating_status,
            Unit.stars,
            Unit.last_inspection_id,
            Unit.last_inspected_on,
        ).where(Unit.id == unit_id)
    ).one()


@event.listens_for(Inspection, "after_insert")
def _visit_recorded(_mapper: Any, conn: Connection, visit: Inspection) -> None:
    unit = _unit_row(conn, visit.unit_id)
    day = clock.local_date(visit.visited_at)
    active = unit.status == ACTIVE
    counts: Counter[MonthKey] = Counter()
    counts[(unit.area_id, day, "visits")] += 1
    if visit.outcome in (Outcome.COMPLETED.value, Outcome.REFUSED.value):
        counts[(unit.area_id, month_of(day), visit.outcome)] += 1
    if active:
        add_month(conn, counts)
    if visit.outcome != Outcome.COMPLETED.value:
        return
    newest = unit.last_inspection_id is None or visit.id > unit.last_inspection_id
    on = unit.last_inspected_on if unit.last_inspected_on and unit.last_inspected_on > day else day
    conn.execute(
        update(Unit)
        .where(Unit.id == visit.unit_id)
        .values(
            last_inspection_id=visit.id if newest else unit.last_inspection_id,
            last_inspected_on=on,
        )
    )
    if active:
        add_month(
            conn,
            last_delta(
                (unit.area_id, unit.stars, unit.last_inspected_on), (unit.area_id, unit.stars, on)
            ),
        )
    if active and newest:
        before = _unit_flags(conn, unit.last_inspection_id)
        after = flags(visit.answers)
        if before != after:
            add_units(
                conn,
                {
                    _units_key(unit.area_id, unit.rating_status, unit.stars, before): -1,
                    _units_key(unit.area_id, unit.rating_status, unit.stars, after): 1,
                },
            )


@event.listens_for(Rating, "after_insert")
def _rating_appended(_mapper: Any, conn: Connection, rating: Rating) -> None:
    unit = _unit_row(conn, rating.unit_id)
    zone = clock.zone()
    day = _local(rating.rated_at, zone)
    earlier = [
        (rid, status, stars, _local(at, zone))
        for rid, status, stars, at in conn.execute(
            select(Rating.id, Rating.status, Rating.stars, Rating.rated_at)
            .where(Rating.unit_id == rating.unit_id, Rating.id < rating.id)
            .order_by(Rating.id)
        )
    ]
    set_move(conn, rating.unit_id, month_of(day), move_of(earlier, rating.stars, day))
    if unit.status != ACTIVE:
        return
    # Only the newest earlier rating and the newest before the month matter; reading the
    # unit's history (tens of rows in a year) keeps one rule for events and rebuild alike.
    previous = earlier[-1] if earlier else None
    add_month(conn, rating_delta(unit.area_id, earlier, previous, rating.status, rating.stars, day))


def _incident_counts(area: int, occurred_on: date, victim: bool, live: bool) -> Counter[MonthKey]:
    out: Counter[MonthKey] = Counter()
    if live:
        out[(area, month_of(occurred_on), "incidents")] += 1
        if victim:
            out[(area, month_of(occurred_on), "incidents_victim")] += 1
    return out


@event.listens_for(Incident, "after_insert")
def _incident_logged(_mapper: Any, conn: Connection, incident: Incident) -> None:
    unit = _unit_row(conn, incident.unit_id)
    if unit.status == ACTIVE:
        add_month(
            conn,
            _incident_counts(
                unit.area_id,
                incident.occurred_on,
                incident.resident_victim,
                incident.retracted_at is None,
            ),
        )


@event.listens_for(Incident, "after_update")
def _incident_changed(_mapper: Any, conn: Connection, incident: Incident) -> None:
    names = ("unit_id", "occurred_on", "resident_victim", "retracted_at")
    old = {n: _old(incident, n) for n in names}
    if old == {n: getattr(incident, n) for n in names}:
        return
    for unit_id, day, victim, retracted, sign in (
        (old["unit_id"], old["occurred_on"], old["resident_victim"], old["retracted_at"], -1),
        (
            incident.unit_id,
            incident.occurred_on,
            incident.resident_victim,
            incident.retracted_at,
            1,
        ),
    ):
        unit = _unit_row(conn, unit_id)
        if unit.status == ACTIVE:
            add_month(conn, _incident_counts(unit.area_id, day, victim, retracted is None), sign)


def _positions(n: int) -> list[Any]:
    """GROUP BY the first ``n`` result columns by position: PostgreSQL does not match an
    expression whose constants are bound parameters with the same one in the select list."""
    return [literal_column(str(i)) for i in range(1, n + 1)]


# --- rebuild ------------------------------------------------------------------------------


def count_tasks(conn: Connection) -> None:
    """Add every task to ``dashboard_task`` in one grouped upsert: per area, inspector (0 for
    none), due date and done, the tasks not cancelled of active units, as the triggers on
    ``task`` count them one by one. The one statement for counting tasks in bulk: the
    rebuild (after emptying the table) and the first plan of a city (``tasks.bulk``, after
    loading an empty ``task`` with the triggers dropped) both use it."""
    table = DashboardTask.__table__  # type: ignore[attr-defined]
    grouped = (
        select(
            Unit.area_id,
            func.coalesce(Task.inspector_id, 0),
            Task.due,
            Task.status == TaskStatus.DONE.value,
            func.count(),
        )
        .join(Unit, and_(Unit.id == Task.unit_id, Unit.status == ACTIVE))
        .where(Task.status != TaskStatus.CANCELLED.value)
        .group_by(*_positions(4))
    )
    module: Any = postgresql if conn.dialect.name == "postgresql" else sqlite
    stmt = module.insert(table).from_select(
        ["area_id", "inspector_id", "due", "done", "n"], grouped
    )
    conn.execute(
        stmt.on_conflict_do_update(
            index_elements=[c.name for c in table.primary_key.columns],
            set_={"n": table.c.n + stmt.excluded.n},
        )
    )


def rebuild_if_empty(conn: Connection) -> dict[str, int] | None:
    """Fill the aggregates of a register that has units but no kept counts: the first
    upgrade of an installation made before they existed. Kept counts are never touched
    (a rebuild of a city takes a minute; ``rentals dashboard rebuild`` is for repairs)."""
    has_units = conn.execute(select(Unit.id).limit(1)).first() is not None
    counted = conn.execute(select(DashboardUnits.area_id).limit(1)).first() is not None
    if has_units and not counted:
        return rebuild(conn)
    # Counts kept from before ``dashboard_move`` existed: fill it alone (one pass over the
    # ratings; a register whose units never rose or fell reads them again next upgrade).
    moves = conn.execute(select(DashboardMove.unit_id).limit(1)).first() is not None
    if counted and not moves:
        rows = move_rows(conn)
        for start in range(0, len(rows), 10000):
            conn.execute(DashboardMove.__table__.insert(), rows[start : start + 10000])  # type: ignore[attr-defined]
        if rows:
            return {"units": 0, "moves": len(rows)}
    # Counts kept from before the units' last inspections were counted by period: add them.
    if counted and not _has_last(conn):
        last = last_counts(conn)
        add_month(conn, last)
        if last:
            return {"units": 0, "last": sum(last.values())}
    return None


def _has_last(conn: Connection) -> bool:
    table = DashboardMonth.__table__  # type: ignore[attr-defined]
    found = conn.execute(select(table.c.area_id).where(table.c.metric.like(f"{LAST}%")).limit(1))
    return found.first() is not None


def rebuild(conn: Connection) -> dict[str, int]:
    """Recompute every aggregate and each unit's last inspection from the raw rows.

    Idempotent: a second run writes the same rows (and updates no unit). Returns how many
    rows each table holds and how many units' last inspection changed."""
    zone = clock.zone()
    last: dict[int, tuple[int, date]] = {}
    for unit_id, iid, visited_at in conn.execute(
        select(Inspection.unit_id, Inspection.id, Inspection.visited_at).where(
            Inspection.outcome == Outcome.COMPLETED.value
        )
    ):
        day = _local(visited_at, zone)
        seen = last.get(unit_id)
        if seen is None:
            last[unit_id] = (iid, day)
        else:
            last[unit_id] = (max(seen[0], iid), max(seen[1], day))
    changed = []
    areas: dict[int, int] = {}
    for unit_id, area, status, kept_id, kept_on in conn.execute(
        select(Unit.id, Unit.area_id, Unit.status, Unit.last_inspection_id, Unit.last_inspected_on)
    ):
        if status == ACTIVE:
            areas[unit_id] = area
        want = last.get(unit_id, (None, None))
        if (kept_id, kept_on) != want:
            changed.append({"uid": unit_id, "iid": want[0], "on": want[1]})
    if changed:
        table = Unit.__table__  # type: ignore[attr-defined]
        conn.execute(
            update(table)
            .where(table.c.id == bindparam("uid"))
            .values(last_inspection_id=bindparam("iid"), last_inspected_on=bindparam("on")),
            changed,
        )
    for model in (DashboardUnits, DashboardMonth, DashboardTask, DashboardMove):
        conn.execute(delete(model))

    # Flags in SQL (PostgreSQL's json has no equality, so answers cannot be grouped on).
    def met(code: str) -> Any:
        return func.coalesce(Inspection.answers[code].as_string() == "met", False)

    inspected = Inspection.id.is_not(None)
    fire = met(FIRE_ITEM)
    registered = and_(*(met(code) for code in REGISTRATION_ITEMS))
    units: Counter[UnitsKey] = Counter()
    for area, status, stars, i, f, r, n in conn.execute(
        select(
            Unit.area_id,
            Unit.rating_status,
            func.coalesce(Unit.stars, NO_STARS),
            inspected,
            fire,
            registered,
            func.count(),
        )
        .select_from(Unit)
        .outerjoin(Inspection, Inspection.id == Unit.last_inspection_id)
        .where(Unit.status == ACTIVE)
        .group_by(*_positions(6))
    ):
        units[(area, status, stars, bool(i), bool(f), bool(r))] += n
    add_units(conn, units)
    months = month_counts(conn, areas, only=False)
    months.update(last_counts(conn))
    add_month(conn, months)
    count_tasks(conn)
    moves = move_rows(conn)
    for start in range(0, len(moves), 10000):
        conn.execute(DashboardMove.__table__.insert(), moves[start : start + 10000])  # type: ignore[attr-defined]
    return {
        "units": len(units),
        "months": conn.execute(select(func.count()).select_from(DashboardMonth)).scalar_one(),
        "tasks": conn.execute(select(func.count()).select_from(DashboardTask)).scalar_one(),
        "last_inspections_changed": len(changed),
    }


def snapshot(conn: Connection) -> dict[str, dict[tuple[Any, ...], int]]:
    """Every non-zero aggregate row, by table and key (for ``rebuild --check`` and tests)."""
    out: dict[str, dict[tuple[Any, ...], int]] = {}
    for model, column in (
        (DashboardUnits, "units"),
        (DashboardMonth, "n"),
        (DashboardTask, "n"),
        (DashboardMove, "direction"),
    ):
        table = model.__table__  # type: ignore[attr-defined]
        keys = list(table.primary_key.columns)
        rows = conn.execute(select(*keys, table.c[column]).where(table.c[column] != 0))
        out[table.name] = {
            tuple(bool(v) if isinstance(v, bool) else v for v in row[:-1]): int(row[-1])
            for row in rows
        }
    return out
