"""Inspection tasks at the database edge: the set-based planner and the task life cycle.

The rules live in ``schedules`` (pure); this module loads what the planner needs in a
few queries, writes its plan in batches and leans on the unique key
(unit, kind, period key) for idempotency: a second run, a second process or a rerun
after a crash inserts nothing twice (``ON CONFLICT DO NOTHING``).
"""

from __future__ import annotations

import heapq
import logging
import os
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    Column,
    Date,
    Integer,
    MetaData,
    String,
    Table,
    bindparam,
    case,
    func,
    select,
    text,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Bundle, Session

import schedules
from rentals import clock
from rentals.audit import services as audit
from rentals.auth.models import Role, User, UserArea
from rentals.errors import Conflict, NotFound
from rentals.modelbase import UTCDateTime, utcnow
from rentals.register.models import Unit, UnitStatus
from rentals.tasks import bulk
from rentals.tasks.models import Task, TaskKind, TaskStatus
from scoring.scorecard import DEFAULT_SERIOUS_REVISIT_DAYS

log = logging.getLogger(__name__)

#: Rows per INSERT/UPDATE batch: large enough to be fast, small enough to stay under
#: SQLite's and PostgreSQL's bound-parameter limits for the IN lists.
BATCH = 5000
#: Test hook: seconds to sleep between insert batches, so a test can kill a planner
#: halfway. Never set in production.
_SLEEP_ENV = "RENTALS_PLAN_BATCH_SLEEP"

LIVE = (TaskStatus.OPEN.value, TaskStatus.OVERDUE.value)
#: More units than this needing work (a month's first day in a city): one pass over the
#: register instead of planning them by id.
FULL_RUN_UNITS = 50_000
REINSPECTION_DAYS = 7
#: More units needing work than this: the units with no routine task yet (a city's first
#: plan, a large import) are planned by one INSERT … SELECT in the database (_plan_fresh).
SET_BASED_UNITS = FULL_RUN_UNITS
#: Picks simulated per area before the set-based assignment falls back to plain rotation
#: (only reached when an area's inspectors start with very unequal loads).
PREFIX_PICKS = 100_000
#: PostgreSQL advisory lock key held by a planning run ("rentplan" in ASCII).
PLANNER_LOCK = 0x72656E74706C616E


@dataclass(frozen=True)
class PlanReport:
    """What one planning run changed; ``units`` counts the units it planned (those that
    needed work: a unit whose next period is planned already is not looked at)."""

    created: int = 0
    cancelled: int = 0
    reopened: int = 0
    units: int = 0

    def __add__(self, other: PlanReport) -> PlanReport:
        return PlanReport(
            self.created + other.created,
            self.cancelled + other.cancelled,
            self.reopened + other.reopened,
            self.units + other.units,
        )

    def __str__(self) -> str:
        return (
            f"created={self.created} cancelled={self.cancelled} "
            f"reopened={self.reopened} units={self.units}"
        )


@dataclass(frozen=True)
class DueTask:
    """A task on an inspector's list, with its unit (for address and code).

    ``task`` and ``unit`` carry only the columns the lists show (``DUE_TASK`` and
    ``DUE_UNIT``, read as bundles, not ORM objects: a list of a hundred is read in a
    third of the time)."""

    task: Any
    unit: Any
    overdue: bool


#: What an inspector's list shows of a task and of its unit.
DUE_TASK = Bundle("task", Task.id, Task.kind, Task.period_key, Task.start, Task.due, Task.status)
DUE_UNIT = Bundle(
    "unit", Unit.id, Unit.code, Unit.address, Unit.rating_status, Unit.stars, Unit.area_id
)


# --- assignment -------------------------------------------------------------------


class _Assigner:
    """Least-loaded inspector of an area, counted once per run and updated as it assigns."""

    def __init__(self, session: Session, area_ids: Iterable[int] | None = None) -> None:
        query = (
            select(UserArea.area_id, User.id)
            .join(User, User.id == UserArea.user_id)
            .where(User.role == Role.INSPECTOR.value, User.is_active.is_(True))
        )
        if area_ids is not None:
            query = query.where(UserArea.area_id.in_(list(area_ids)))
        inspectors: dict[int, list[int]] = defaultdict(list)
        for area_id, user_id in session.execute(query):
            inspectors[area_id].append(user_id)
        load: dict[int, int] = {}
        everyone = {u for users in inspectors.values() for u in users}
        if everyone:
            counts = session.execute(
                select(Task.inspector_id, func.count())
                .where(Task.status.in_(LIVE), Task.inspector_id.in_(everyone))
                .group_by(Task.inspector_id)
            )
            load = {row[0]: row[1] for row in counts}
        # One heap per area of (load, user id); a user serving two areas is in both, and
        # their load is re-read from ``self.load`` when popped (lazy update).
        self.load = {u: load.get(u, 0) for u in everyone}
        self.heaps = {
            area: [(self.load[u], u) for u in sorted(users)] for area, users in inspectors.items()
        }
        for heap in self.heaps.values():
            heapq.heapify(heap)

    def pick(self, area_id: int) -> int | None:
        heap = self.heaps.get(area_id)
        if not heap:
            return None
        while True:
            load, user_id = heap[0]
            if load == self.load[user_id]:
                break
            heapq.heapreplace(heap, (self.load[user_id], user_id))
        self.load[user_id] += 1
        heapq.heapreplace(heap, (self.load[user_id], user_id))
        return user_id


# --- planning -----------------------------------------------------------------------


def _insert(session: Session):  # type: ignore[no-untyped-def]
    """The dialect's INSERT … ON CONFLICT (unit, kind, period key) DO NOTHING."""
    dialect = session.get_bind().dialect.name
    module: Any = postgresql if dialect == "postgresql" else sqlite
    return module.insert(Task.__table__).on_conflict_do_nothing(
        index_elements=["unit_id", "kind", "period_key"]
    )


#: Columns of a new task row, in the order the raw INSERT binds them.
_COLUMNS = (
    "unit_id",
    "kind",
    "period_key",
    "start",
    "due",
    "status",
    "inspector_id",
    "stars_at_planning",
    "created_at",
    "done_at",
)


def _insert_rows(session: Session, rows: Sequence[dict[str, Any]]) -> int:
    """Insert in batches, skipping rows that exist; returns how many were new.

    The statement is compiled once and run with the driver's ``executemany``; bind
    values are converted once per distinct value (a run has few distinct dates), which
    makes this several times faster than letting SQLAlchemy process every row, and
    the driver's row count counts only rows really inserted (conflicts count 0).
    """
    if not rows:
        return 0
    conn = session.connection()
    dialect = conn.dialect
    compiled = _insert(session).compile(dialect=dialect, column_keys=list(_COLUMNS))
    table = Task.__table__  # type: ignore[attr-defined]
    positional = compiled.positiontup is not None and dialect.positional
    names = list(compiled.positiontup) if positional else list(_COLUMNS)
    processors = [table.c[name].type._cached_bind_processor(dialect) for name in names]
    caches: list[dict[Any, Any]] = [{} for _ in names]
    converted = [n for n, processor in enumerate(processors) if processor is not None]

    def bind(row: dict[str, Any]) -> tuple[Any, ...]:
        values = [row[name] for name in names]
        for n in converted:
            value = values[n]
            if value is not None:
                cache = caches[n]
                try:
                    values[n] = cache[value]
                except KeyError:
                    values[n] = cache[value] = processors[n](value)  # type: ignore[misc]
        return tuple(values)

    sql = str(compiled)
    pause = float(os.environ.get(_SLEEP_ENV, "0") or 0)
    created = 0
    for start in range(0, len(rows), BATCH):
        batch = [bind(row) for row in rows[start : start + BATCH]]
        params: Any = batch if positional else [dict(zip(names, v, strict=True)) for v in batch]
        result = conn.exec_driver_sql(sql, params)
        created += result.rowcount if result.rowcount >= 0 else len(batch)
        if pause:
            log.info("planner: batch of %d rows written, sleeping %.1fs", len(batch), pause)
            time.sleep(pause)
    return created


def _set_status(session: Session, ids: Sequence[int], status: str, only_from: Sequence[str]) -> int:
    changed = 0
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        result = session.execute(
            update(Task)
            .where(Task.id.in_(chunk), Task.status.in_(only_from))
            .values(status=status),
            execution_options={"synchronize_session": False},
        )
        changed += result.rowcount  # type: ignore[attr-defined]
    return changed


def _cancel_inactive(session: Session, unit_ids: Sequence[int] | None) -> int:
    """Cancel every live task (all kinds) of units that are withdrawn or vacant.

    Driven from the inactive units (the status index) to their tasks (the unique key's
    unit prefix), so it costs what the inactive units hold, not a pass over every live
    task of the register.
    """
    inactive = [s.value for s in UnitStatus if s is not UnitStatus.ACTIVE]
    holding = select(Unit.id).where(
        Unit.status.in_(inactive),
        select(Task.id).where(Task.unit_id == Unit.id, Task.status.in_(LIVE)).exists(),
    )
    if unit_ids is not None:
        holding = holding.where(Unit.id.in_(unit_ids))
    units = list(session.scalars(holding))
    cancelled = 0
    for start in range(0, len(units), BATCH):
        result = session.execute(
            update(Task)
            .where(Task.unit_id.in_(units[start : start + BATCH]), Task.status.in_(LIVE))
            .values(status=TaskStatus.CANCELLED.value),
            execution_options={"synchronize_session": False},
        )
        cancelled += result.rowcount  # type: ignore[attr-defined]
    return cancelled


def _run(
    session: Session,
    *,
    today: date,
    unit_ids: Sequence[int] | None = None,
    assigner: _Assigner | None = None,
) -> PlanReport:
    """Plan every active unit (or only ``unit_ids``) as of ``today``; ``assigner`` carries
    the inspectors' loads from one batch of ids to the next."""
    units_query = (
        select(Unit.id, Unit.stars, Unit.area_id)
        .where(Unit.status == UnitStatus.ACTIVE.value)
        .order_by(Unit.id)
    )
    tasks_query = select(
        Task.id, Task.unit_id, Task.period_key, Task.start, Task.due, Task.status
    ).where(Task.kind == TaskKind.ROUTINE.value, Task.due >= schedules.history_cutoff(today))
    if unit_ids is not None:
        units_query = units_query.where(Unit.id.in_(unit_ids))
        tasks_query = tasks_query.where(Task.unit_id.in_(unit_ids))
    units = session.execute(units_query).all()

    existing: dict[int, list[schedules.ExistingTask]] = defaultdict(list)
    task_id: dict[tuple[int, str], int] = {}
    area_of = {unit_id: area_id for unit_id, _stars, area_id in units}
    stars_of = {unit_id: stars for unit_id, stars, _area in units}
    for tid, unit_id, key, start, due, status in session.execute(tasks_query):
        if unit_id not in area_of:
            continue  # withdrawn or vacant: handled by _cancel_inactive below
        existing[unit_id].append(schedules.ExistingTask(key, start, due, status))
        task_id[unit_id, key] = tid

    if assigner is None:
        assigner = _Assigner(session, set(area_of.values()) if unit_ids is not None else None)
    now = utcnow()
    rows: list[dict[str, Any]] = []
    cancel: list[int] = []
    reopen: list[int] = []
    for unit_id, plan in schedules.plan_units(
        ((unit_id, stars) for unit_id, stars, _area in units), today, existing
    ):
        for period in plan.to_create:
            rows.append(
                {
                    "unit_id": unit_id,
                    "kind": TaskKind.ROUTINE.value,
                    "period_key": period.key,
                    "start": period.start,
                    "due": period.due,
                    "status": TaskStatus.OPEN.value,
                    "inspector_id": assigner.pick(area_of[unit_id]),
                    "stars_at_planning": stars_of[unit_id],
                    "created_at": now,
                    "done_at": None,
                }
            )
        cancel.extend(task_id[unit_id, key] for key in plan.to_cancel)
        reopen.extend(task_id[unit_id, key] for key in plan.to_reopen)

    cancelled = _set_status(session, cancel, TaskStatus.CANCELLED.value, LIVE)
    reopened = _set_status(session, reopen, TaskStatus.OPEN.value, (TaskStatus.CANCELLED.value,))
    created = _insert_rows(session, rows)
    cancelled += _cancel_inactive(session, unit_ids)
    return PlanReport(created=created, cancelled=cancelled, reopened=reopened, units=len(units))


# --- the set-based first plan -----------------------------------------------------------

_scratch = MetaData()
#: Per rating (stars, NULL as -1): the periods a unit without tasks gets, in pick order.
_targets = Table(
    "plan_target",
    _scratch,
    Column("stars_key", Integer, primary_key=True),
    Column("ord", Integer, primary_key=True),
    Column("period_key", String(24)),
    Column("start", Date),
    Column("due", Date),
    prefixes=["TEMPORARY"],
)
#: Per area: the first ``prefix`` picks of its inspectors, then a rotation of ``size``.
_areas = Table(
    "plan_area",
    _scratch,
    Column("area_id", Integer, primary_key=True),
    Column("prefix", Integer),
    Column("size", Integer),
    prefixes=["TEMPORARY"],
)
_slots = Table(
    "plan_slot",
    _scratch,
    Column("area_id", Integer, primary_key=True),
    Column("slot", Integer, primary_key=True),
    Column("inspector_id", Integer),
    prefixes=["TEMPORARY"],
)

_FRESH_SQL = """
INSERT INTO task (unit_id, kind, period_key, start, due, status, inspector_id,
                  stars_at_planning, created_at, done_at)
SELECT q.unit_id, :kind, q.period_key, q.start, q.due, :status, q.inspector_id,
       q.stars, :now, NULL
FROM (
    SELECT f.id AS unit_id, f.stars, t.ord, t.period_key, t.start, t.due, s.inspector_id
    FROM (
        SELECT u.id, u.area_id, u.stars, COALESCE(u.stars, -1) AS stars_key,
               ROW_NUMBER() OVER (PARTITION BY u.area_id ORDER BY u.id) - 1 AS n
        FROM unit u
        WHERE u.status = :active
          AND (u.stars IS NULL OR u.stars IN (0, 1, 2, 3))
          AND NOT EXISTS (
              SELECT 1 FROM task x
              WHERE x.unit_id = u.id AND x.kind = :kind AND x.due >= :cutoff
          )
    ) f
    JOIN plan_target t ON t.stars_key = f.stars_key
    LEFT JOIN plan_area a ON a.area_id = f.area_id
    LEFT JOIN plan_slot s ON s.area_id = f.area_id AND s.slot = CASE
        WHEN :per_unit * f.n + t.ord < a.prefix THEN :per_unit * f.n + t.ord
        ELSE a.prefix + (:per_unit * f.n + t.ord - a.prefix) % a.size END
) q
WHERE 1 = 1
"""
#: Units planned meanwhile by another writer already hold their tasks; the first plan of
#: a city loads an empty table it holds locked and needs no arbiter (``tasks.bulk``).
_ON_CONFLICT = "ON CONFLICT (unit_id, kind, period_key) DO NOTHING"


def _area_picks(assigner: _Assigner, area_id: int) -> tuple[list[int], int]:
    """The area's pick sequence as ``_Assigner.pick`` would make it for this area alone:
    the picks until its inspectors' loads are level (the prefix), then the rotation in
    user-id order that level loads give. Returns (prefix + one rotation, prefix length)."""
    users = sorted({u for _load, u in assigner.heaps.get(area_id, ())})
    if not users:
        return [], 0
    load = {u: assigner.load[u] for u in users}
    top = max(load.values())
    heap = [(load[u], u) for u in users]
    heapq.heapify(heap)
    prefix: list[int] = []
    while heap[0][0] < top and len(prefix) < PREFIX_PICKS:
        n, user = heap[0]
        prefix.append(user)
        heapq.heapreplace(heap, (n + 1, user))
    if heap[0][0] < top:  # cut short: rotate over the order the heap reached
        users = [u for _n, u in sorted(heap)]
    return prefix + users, len(prefix)


def _planner_lock(session: Session) -> None:
    """One planner at a time, taken before the planner reads ``task``.

    SQLite: the planner's transaction began IMMEDIATE (``db.unit_of_work``), which holds
    the database's write lock already. PostgreSQL: a transaction-level advisory lock
    (re-entrant, released at commit or rollback), so a second planner waits for the first
    to commit and then finds its work done; without it two first plans would both find
    ``task`` empty and deadlock on the drops of ``tasks.bulk``."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": PLANNER_LOCK})


def _plan_fresh(session: Session, *, today: date) -> PlanReport:
    """Plan every active unit that has no routine task that matters ``today`` in one
    INSERT … SELECT computed by the database from the unit table.

    Such a unit's plan is its cadence's ``fresh`` plan (current and next period), the
    same for every unit of a rating: the periods come from ``schedules.plan_unit`` (one
    home for the rules) into a small scratch table, and the database joins them to the
    units. Inspectors are assigned per area in unit-id order exactly as ``_Assigner``
    picks them for inspectors serving one area (least loaded first, then in turn); an
    inspector serving several areas is counted in each area from the load at the start.
    """
    per_unit = {len(schedules.plan_unit(s, today, ()).to_create) for s in (3, 2, 1, 0, None)}
    assert per_unit == {2}, per_unit
    _planner_lock(session)
    conn = session.connection()
    for table in (_targets, _areas, _slots):
        table.drop(conn, checkfirst=True)
        table.create(conn)
    try:
        conn.execute(
            _targets.insert(),
            [
                {
                    "stars_key": -1 if stars is None else stars,
                    "ord": n,
                    "period_key": period.key,
                    "start": period.start,
                    "due": period.due,
                }
                for stars in (3, 2, 1, 0, None)
                for n, period in enumerate(schedules.plan_unit(stars, today, ()).to_create)
            ],
        )
        assigner = _Assigner(session)
        area_rows, slot_rows = [], []
        for area_id in assigner.heaps:
            picks, prefix = _area_picks(assigner, area_id)
            if picks:
                area_rows.append(
                    {"area_id": area_id, "prefix": prefix, "size": len(picks) - prefix}
                )
                slot_rows.extend(
                    {"area_id": area_id, "slot": n, "inspector_id": user}
                    for n, user in enumerate(picks)
                )
        if area_rows:
            conn.execute(_areas.insert(), area_rows)
            conn.execute(_slots.insert(), slot_rows)
        binds = (bindparam("now", type_=UTCDateTime()), bindparam("cutoff", type_=Date()))
        # Both planners need statistics on the scratch tables (PostgreSQL never analyses
        # temporary tables by itself) to drive the join from the units.
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql("ANALYZE temp")
        else:
            conn.exec_driver_sql("ANALYZE plan_target, plan_area, plan_slot")
        values = {
            "kind": TaskKind.ROUTINE.value,
            "status": TaskStatus.OPEN.value,
            "active": UnitStatus.ACTIVE.value,
            "now": utcnow(),
            "cutoff": schedules.history_cutoff(today),
            "per_unit": 2,
        }
        if bulk.lock_if_empty(conn):
            # The city's first plan: task's indexes, foreign keys and dashboard triggers
            # are built, checked and counted once after the rows are in (tasks.bulk).
            with bulk.deferred_upkeep(conn):
                statement = text(_FRESH_SQL).bindparams(*binds)
                created = max(conn.execute(statement, values).rowcount, 0)
        else:
            # dashboard_task counts these rows by trigger: on PostgreSQL one grouped upsert
            # for the statement, on SQLite a primary-key read and an upsert a row.
            statement = text(_FRESH_SQL + _ON_CONFLICT).bindparams(*binds)
            created = max(conn.execute(statement, values).rowcount, 0)
    finally:
        for table in (_slots, _areas, _targets):
            table.drop(conn, checkfirst=True)
    return PlanReport(created=created, units=created // 2)


def _units_needing_work(session: Session, today: date) -> list[int]:
    """Active units whose plan for ``today`` may not be empty, in id order.

    The planner always keeps ``cur.next()`` planned, so a unit with a live task for the
    period after today's has an empty plan: its cadence did not change (another cadence
    asks for another key) and no period of its cadence started since the last run. Two
    probes find the others, each on an index alone: units without a task of that key at
    all (per rating, the covering (status, stars) index against the task's unique key),
    and units holding a cancelled routine task not yet ended (withdrawn and back, or a
    rating that went and came back), which may need it reopened. A day with nothing to do
    costs one pass over an index; a boundary day finds the units whose period starts.
    """
    found: set[int] = set()
    for stars in (3, 2, 1, 0, None):
        key = schedules.period_of(schedules.cadence_for(stars), today).next().key
        planned = (
            select(Task.id)
            .where(
                Task.unit_id == Unit.id,
                Task.kind == TaskKind.ROUTINE.value,
                Task.period_key == key,
            )
            .exists()
        )
        rated = Unit.stars.is_(None) if stars is None else Unit.stars == stars
        found.update(
            session.scalars(
                select(Unit.id).where(Unit.status == UnitStatus.ACTIVE.value, rated, ~planned)
            )
        )
    found.update(
        session.scalars(
            select(Task.unit_id)
            .join(Unit, Unit.id == Task.unit_id)
            .where(
                Task.status == TaskStatus.CANCELLED.value,
                Task.due >= today,
                Task.kind == TaskKind.ROUTINE.value,
                Unit.status == UnitStatus.ACTIVE.value,
            )
            .distinct()
        )
    )
    return sorted(found)


def _active_units(session: Session) -> int:
    return (
        session.scalar(
            select(func.count()).select_from(Unit).where(Unit.status == UnitStatus.ACTIVE.value)
        )
        or 0
    )


def plan(session: Session, *, today: date) -> PlanReport:
    """Bring every unit's routine tasks in line with its rating as of ``today``.

    Work is proportional to what changed: only units found by ``_units_needing_work``
    are planned (by id). When they are many, the units with no tasks yet are planned
    first by the database itself (``_plan_fresh``), and if many still need work, one
    pass over the whole register is cheaper than lists of ids, so the full run is used
    (the result is the same). A city's first plan (``task`` empty) needs no probe: every
    active unit gets its fresh plan, loaded in bulk (``tasks.bulk``).
    """
    started = time.perf_counter()
    _planner_lock(session)
    # A city's first plan: every active unit needs work, so they need not be listed.
    first = bulk.is_empty(session.connection()) and _active_units(session) > SET_BASED_UNITS
    unit_ids = [] if first else _units_needing_work(session, today)
    fresh = PlanReport()
    if first or len(unit_ids) > SET_BASED_UNITS:
        fresh = _plan_fresh(session, today=today)
        if fresh.created and not first:
            unit_ids = _units_needing_work(session, today)
    if len(unit_ids) > FULL_RUN_UNITS:
        report = replace(_run(session, today=today), units=len(unit_ids))
    else:
        report = PlanReport(cancelled=_cancel_inactive(session, None))
        batches = [unit_ids[start : start + BATCH] for start in range(0, len(unit_ids), BATCH)]
        areas: set[int] = set()
        for batch in batches:
            areas.update(session.scalars(select(Unit.area_id).where(Unit.id.in_(batch))))
        assigner = _Assigner(session, areas)
        for batch in batches:
            report += _run(session, today=today, unit_ids=batch, assigner=assigner)
    report += fresh
    report = replace(report, created=report.created + plan_serious_revisits(session, today=today))
    log.info("planned %s in %.2fs: %s", today, time.perf_counter() - started, report)
    return report


def plan_unit_now(session: Session, *, unit: Unit, today: date) -> PlanReport:
    """Re-plan one unit at once, after its rating changed (a drop to one star gets this
    week's task now, not at the next nightly run)."""
    session.flush()
    return _run(session, today=today, unit_ids=[unit.id])  # type: ignore[list-item]


def mark_overdue(session: Session, *, today: date) -> int:
    """Open tasks whose period ended before ``today`` become overdue; returns how many."""
    result = session.execute(
        update(Task)
        .where(Task.status == TaskStatus.OPEN.value, Task.due < today)
        .values(status=TaskStatus.OVERDUE.value),
        execution_options={"synchronize_session": False},
    )
    return result.rowcount  # type: ignore[attr-defined]


# --- single tasks -------------------------------------------------------------------


def _find(session: Session, unit_id: int, kind: str, key: str) -> Task | None:
    return session.scalars(
        select(Task).where(Task.unit_id == unit_id, Task.kind == kind, Task.period_key == key)
    ).first()


def _insert_one(
    session: Session, unit: Unit, *, kind: str, key: str, start: date, due: date
) -> bool:
    assigner = _Assigner(session, [unit.area_id])
    row = {
        "unit_id": unit.id,
        "kind": kind,
        "period_key": key,
        "start": start,
        "due": due,
        "status": TaskStatus.OPEN.value,
        "inspector_id": assigner.pick(unit.area_id),
        "stars_at_planning": unit.stars,
        "created_at": utcnow(),
        "done_at": None,
    }
    return _insert_rows(session, [row]) == 1


def _revisit_window(issued: date, every: int, today: date) -> tuple[int, date, date] | None:
    """The window of ``today`` counted from the order's day: window ``k`` runs from
    ``issued + k*every`` for ``every`` days. Window 0 is the visit that issued the order."""
    k = (today - issued).days // every
    if k < 1:
        return None
    start = issued + timedelta(days=k * every)
    return k, start, start + timedelta(days=every - 1)


def _revisit_key(order_id: int, window: int) -> str:
    return f"S{order_id}-{window}"


def plan_serious_revisits(session: Session, *, today: date) -> int:
    """A follow-up visit in every window of ``serious_revisit_days`` (the scorecard of the
    inspection that issued the order) while an order for a serious hazard stays open,
    not only on its deadline; returns how many tasks were new. Idempotent through the
    task key (unit, follow-up, ``S<order>-<window>``); costs the open serious orders."""
    from rentals.inspections.models import Inspection, OrderStatus, RectificationOrder
    from rentals.ratings.models import ScorecardVersion
    from rentals.ratings.services import UnusableVersion, card_of

    orders = session.execute(
        select(
            RectificationOrder.id,
            RectificationOrder.created_at,
            Inspection.scorecard_version_id,
            Unit.id,
            Unit.area_id,
            Unit.stars,
        )
        .join(Inspection, Inspection.id == RectificationOrder.inspection_id)
        .join(Unit, Unit.id == RectificationOrder.unit_id)
        .where(
            RectificationOrder.status == OrderStatus.OPEN.value,
            RectificationOrder.serious.is_(True),
            Unit.status == UnitStatus.ACTIVE.value,
        )
    ).all()
    if not orders:
        return 0
    every: dict[int, int] = {}
    for version in session.scalars(
        select(ScorecardVersion).where(ScorecardVersion.id.in_({row[2] for row in orders}))
    ):
        try:
            every[version.id] = card_of(version).serious_revisit_days  # type: ignore[index]
        except UnusableVersion:
            every[version.id] = DEFAULT_SERIOUS_REVISIT_DAYS  # type: ignore[index]
    assigner = _Assigner(session, {row[4] for row in orders})
    now = utcnow()
    rows = []
    for order_id, created_at, version_id, unit_id, area_id, stars in orders:
        window = _revisit_window(clock.local_date(created_at), every[version_id], today)
        if window is None:
            continue
        k, start, due = window
        rows.append(
            {
                "unit_id": unit_id,
                "kind": TaskKind.FOLLOW_UP.value,
                "period_key": _revisit_key(order_id, k),
                "start": start,
                "due": due,
                "status": TaskStatus.OPEN.value,
                "inspector_id": assigner.pick(area_id),
                "stars_at_planning": stars,
                "created_at": now,
                "done_at": None,
            }
        )
    return _insert_rows(session, rows)


def cancel_serious_revisits(session: Session, *, unit_id: int, order_id: int) -> int:
    """The closed order's revisits still to come are not needed any more."""
    result = session.execute(
        update(Task)
        .where(
            Task.unit_id == unit_id,
            Task.kind == TaskKind.FOLLOW_UP.value,
            Task.period_key.like(f"S{order_id}-%"),
            Task.status.in_(LIVE),
        )
        .values(status=TaskStatus.CANCELLED.value),
        execution_options={"synchronize_session": False},
    )
    return result.rowcount  # type: ignore[attr-defined]


def create_follow_up(session: Session, *, unit: Unit, order_id: int, due: date) -> Task:
    """The follow-up visit of a rectification order, due on its deadline; one per order."""
    key = f"F{order_id}"
    if _insert_one(session, unit, kind=TaskKind.FOLLOW_UP.value, key=key, start=due, due=due):
        task = _find(session, unit.id, TaskKind.FOLLOW_UP.value, key)  # type: ignore[arg-type]
        assert task is not None
        audit.record(session, None, "task.follow_up_created", task, {"order_id": order_id})
        return task
    task = _find(session, unit.id, TaskKind.FOLLOW_UP.value, key)  # type: ignore[arg-type]
    assert task is not None
    return task


def request_reinspection(session: Session, *, unit: Unit, today: date, actor: Any = None) -> Task:
    """A re-inspection due within seven days; at most one open per unit (else Conflict)."""
    open_one = session.scalars(
        select(Task.id).where(
            Task.unit_id == unit.id,
            Task.kind == TaskKind.REINSPECTION.value,
            Task.status.in_(LIVE),
        )
    ).first()
    if open_one is not None:
        raise Conflict(_l("该房屋已有待办的复查。"), field="unit")
    key = f"R{today:%Y%m%d}"
    due = today + timedelta(days=REINSPECTION_DAYS - 1)
    if not _insert_one(
        session, unit, kind=TaskKind.REINSPECTION.value, key=key, start=today, due=due
    ):
        # Asked and done already today, or a concurrent request won: one a day is enough.
        raise Conflict(_l("该房屋今天已申请过复查。"), field="unit")
    task = _find(session, unit.id, TaskKind.REINSPECTION.value, key)  # type: ignore[arg-type]
    assert task is not None
    audit.record(session, actor, "task.reinspection_requested", task, {"due": due.isoformat()})
    return task


def complete_task(session: Session, *, task: Task, inspection: Any, now: datetime) -> Task:
    """Mark ``task`` done by ``inspection``; completing a done task again changes nothing."""
    if task.status == TaskStatus.DONE.value:
        return task
    task.status = TaskStatus.DONE.value
    task.done_at = now
    if getattr(inspection, "task_id", None) is None and inspection is not None:
        inspection.task_id = task.id
    session.add(task)
    session.flush()
    audit.record(
        session,
        getattr(inspection, "inspector_id", None),
        "task.completed",
        task,
        {"inspection_id": getattr(inspection, "id", None)},
    )
    return task


def task_for_visit(
    session: Session, *, unit: Unit, task_id: int | None, today: date
) -> Task | None:
    """The task a visit completes: the one named (it must be the unit's, else NotFound;
    one no longer open completes nothing), or else the unit's open task."""
    if task_id is None:
        return open_task_for_unit(session, unit=unit, today=today)
    task = session.get(Task, task_id)
    if task is None or task.unit_id != unit.id:
        raise NotFound(_l("找不到该页面或记录。"))
    return task if task.status in (TaskStatus.OPEN, TaskStatus.OVERDUE) else None


def open_task_for_unit(session: Session, *, unit: Unit, today: date) -> Task | None:
    """The live task a visit today should complete: overdue first, then the earliest due."""
    return session.scalars(
        select(Task)
        .where(Task.unit_id == unit.id, Task.status.in_(LIVE), Task.start <= today)
        .order_by(_overdue_first(today), Task.due, Task.id)
    ).first()


def _overdue_first(today: Any):  # type: ignore[no-untyped-def]
    """Sort key: overdue (marked, or due before ``today``, a date or a bind parameter) first."""
    return case((Task.status == TaskStatus.OVERDUE.value, 0), (Task.due < today, 0), else_=1)


#: ``due_tasks_for_inspector``'s statement, built once (a hundred rows read through a
#: statement made per call spent as long building it as reading them).
_DUE_FOR_INSPECTOR = (
    select(DUE_TASK, DUE_UNIT)
    .join(Unit, Unit.id == Task.unit_id)
    .where(
        Task.inspector_id == bindparam("inspector"),
        Task.status.in_(LIVE),
        Task.start <= bindparam("today"),
    )
    .order_by(
        _overdue_first(bindparam("today")),
        Task.due,
        Unit.street,
        Unit.house_number,
        Unit.code,
    )
    .limit(bindparam("limit"))
    .offset(bindparam("offset"))
)


def due_tasks_for_inspector(
    session: Session, *, user: User, today: date, limit: int = 50, offset: int = 0
) -> list[DueTask]:
    """The inspector's live tasks whose period has begun: overdue first, then by due date,
    then by address (a walking order)."""
    rows = session.execute(
        _DUE_FOR_INSPECTOR,
        {"inspector": user.id, "today": today, "limit": limit, "offset": offset},
    ).all()
    return [
        DueTask(task, unit, task.status == TaskStatus.OVERDUE.value or task.due < today)
        for task, unit in rows
    ]


def reassign_task(session: Session, *, actor: User, task: Task, inspector: User) -> Task:
    """Give ``task`` to another inspector who serves the unit's area (audited)."""
    unit = session.get(Unit, task.unit_id)
    assert unit is not None
    serves = session.scalars(
        select(UserArea.user_id).where(
            UserArea.user_id == inspector.id, UserArea.area_id == unit.area_id
        )
    ).first()
    if inspector.role != Role.INSPECTOR.value or not inspector.is_active or serves is None:
        raise NotFound(_l("该巡查员不负责此区域。"), field="inspector_id")
    if task.status not in LIVE:
        raise Conflict(_l("只能改派未完成的任务。"), field="inspector_id")
    before = task.inspector_id
    task.inspector_id = inspector.id
    session.add(task)
    session.flush()
    audit.record(session, actor, "task.reassigned", task, {"from": before, "to": inspector.id})
    return task
