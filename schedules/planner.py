"""The routine-task planner: which inspection tasks a unit should have today.

The planner compares the tasks a unit has with the periods its rating asks
for and returns a ``UnitPlan``: periods to create, keys to cancel, cancelled
keys to reopen (the database keeps one row per unit and period key, so a
wanted key that was cancelled is reopened, never created twice). Let ``cur``
be the period of the unit's cadence containing ``today``. Then:

1. ``cur`` is *served* when a live (not cancelled) task of the unit's cadence
   or a faster one has started and overlaps it: a unit whose rating rose
   keeps its current task, and that task goes on serving ``cur`` after it
   ends. Otherwise (no task, or a drop to a faster cadence) ``cur`` is
   created at once: a slower task never serves a faster period.
2. Open or overdue tasks covering today of a slower cadence are cancelled:
   the faster cadence supersedes them.
3. The next task is always ``cur.next()``: after a rise from half months to
   months on 2027-02-03 the H1 task stays and the next task is ``2027-03``.
4. Open future tasks of another cadence are cancelled (a planned H2 after
   that rise). Future tasks of the unit's own cadence are real periods it
   will need anyway, so they stay; this keeps a rerun for an earlier day
   harmless.

Laws (tested in tests/schedules/test_planner.py and
tests/property/test_period_laws.py):
- planning twice equals planning once: after ``apply_plan`` the plan is empty;
- after applying a plan, ``cur`` is served and ``cur.next()`` has a live task;
- run daily with a steady cadence, the planner only ever adds ``cur.next()``;
- a rerun for an earlier day since the last rating change plans nothing;
- a plan never creates a key that has a row, never cancels a done task,
  never touches a task that ended before today.

Only routine tasks belong in ``existing``: follow-ups of rectification orders
are planned from their deadlines elsewhere. Tasks that ended before
``history_cutoff(today)`` never matter, so callers need not load them.
"""

from __future__ import annotations

from collections.abc import Collection, Hashable, Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum
from typing import Literal, TypeVar

from schedules.cadence import Cadence, Stars, cadence_for
from schedules.periods import Period, period_of

__all__ = [
    "ExistingTask",
    "TaskStatus",
    "UnitPlan",
    "apply_plan",
    "four_week_workload",
    "history_cutoff",
    "plan_unit",
    "plan_units",
]

UnitId = TypeVar("UnitId", bound=Hashable)
#: Lets ``four_week_workload`` take a ``dict[int, int]`` as well as ``dict[Stars, int]``.
RatingKey = TypeVar("RatingKey", bound=Stars)


class TaskStatus(StrEnum):
    OPEN = "open"
    #: Past its due date and not done; set by the edge, never by the planner.
    OVERDUE = "overdue"
    DONE = "done"
    CANCELLED = "cancelled"


@dataclass(frozen=True, slots=True)
class ExistingTask:
    """A routine task row as the planner needs it; ``status`` may be given as text."""

    period_key: str
    start: date
    due: date
    status: TaskStatus

    def __post_init__(self) -> None:
        # Normalise "open" to TaskStatus.OPEN (identity checks below rely on
        # it) and reject unknown statuses here rather than misplan later.
        object.__setattr__(self, "status", TaskStatus(self.status))

    @classmethod
    def from_period(cls, period: Period, status: TaskStatus = TaskStatus.OPEN) -> ExistingTask:
        return cls(period.key, period.start, period.due, status)


@dataclass(frozen=True, slots=True)
class UnitPlan:
    """What to change for one unit; keys refer to the unit's existing rows."""

    to_create: tuple[Period, ...] = ()
    to_cancel: tuple[str, ...] = ()
    #: Keys whose cancelled row is wanted again: set it back to open.
    to_reopen: tuple[str, ...] = ()

    @property
    def is_empty(self) -> bool:
        return not (self.to_create or self.to_cancel or self.to_reopen)


_EMPTY = UnitPlan()
_OPEN = TaskStatus.OPEN
_DONE = TaskStatus.DONE
_CANCELLED = TaskStatus.CANCELLED


@dataclass(frozen=True, slots=True)
class _Targets:
    """What one cadence asks for on one day, computed once per planning run."""

    current: Period
    following: Period
    speed: int
    #: The plan of a unit without tasks, shared by all such units.
    fresh: UnitPlan


def _targets(cadence: Cadence, today: date) -> _Targets:
    current = period_of(cadence, today)
    following = current.next()
    return _Targets(current, following, cadence.per_four_weeks, UnitPlan((current, following)))


def _speed_of_key(key: str) -> int:
    """``Cadence.per_four_weeks`` of the cadence that made ``key``, read off its spelling."""
    if "W" in key:
        return 4
    if "H" in key:
        return 2
    return 1


def _plan(targets: _Targets, today: date, tasks: Collection[ExistingTask]) -> UnitPlan:
    current_key = targets.current.key
    following_key = targets.following.key
    # Fast path for the usual steady state: exactly this period's task and the next one.
    if len(tasks) == 2:
        first, second = tasks
        if (
            first.status is not _CANCELLED
            and second.status is not _CANCELLED
            and (
                (first.period_key == current_key and second.period_key == following_key)
                or (first.period_key == following_key and second.period_key == current_key)
            )
        ):
            return _EMPTY

    speed = targets.speed
    period_start = targets.current.start
    served = False
    live: set[str] = set()
    cancelled: set[str] = set()
    to_cancel: list[str] = []
    for task in tasks:
        if task.due < period_start:
            continue  # history: it cannot serve the current period
        key = task.period_key
        status = task.status
        if status is _CANCELLED:
            cancelled.add(key)
            continue
        live.add(key)
        if task.start <= today:
            if _speed_of_key(key) >= speed:
                served = True
            elif task.due >= today and status is not _DONE:
                to_cancel.append(key)
        elif status is _OPEN and _speed_of_key(key) != speed:
            to_cancel.append(key)

    to_create: list[Period] = []
    to_reopen: list[str] = []
    wanted = (targets.following,) if served else (targets.current, targets.following)
    for period in wanted:
        if period.key in live:
            continue
        if period.key in cancelled:
            to_reopen.append(period.key)
        else:
            to_create.append(period)
    if not (to_create or to_cancel or to_reopen):
        return _EMPTY
    return UnitPlan(tuple(to_create), tuple(to_cancel), tuple(to_reopen))


def history_cutoff(today: date) -> date:
    """Tasks that ended before this day never change a plan for ``today``.

    The earliest start of a current period of any cadence: the first of the
    month, or the Monday of an ISO week that began in the month before.
    """
    return min(period_of(Cadence.MONTHLY, today).start, period_of(Cadence.WEEKLY, today).start)


def plan_unit(stars: Stars, today: date, existing: Iterable[ExistingTask]) -> UnitPlan:
    """The routine-task plan for one unit rated ``stars`` on ``today`` (rules above)."""
    return _plan(_targets(cadence_for(stars), today), today, tuple(existing))


def plan_units(
    units: Iterable[tuple[UnitId, Stars]],
    today: date,
    existing_by_unit: Mapping[UnitId, Collection[ExistingTask]],
) -> Iterator[tuple[UnitId, UnitPlan]]:
    """Plan many units at once, yielding ``(unit_id, plan)`` for non-empty plans only.

    Periods are computed once per cadence for the whole run, so a unit costs
    a few comparisons; a unit missing from ``existing_by_unit`` has no tasks.
    Load only tasks with ``due >= history_cutoff(today)``: older ones are
    ignored anyway and only slow the run down.
    """
    by_cadence = {cadence: _targets(cadence, today) for cadence in Cadence}
    by_stars: dict[Stars, _Targets] = {
        stars: by_cadence[cadence_for(stars)] for stars in (3, 2, 1, 0, None)
    }
    plain = {int, type(None)}
    tasks_of = existing_by_unit.get
    for unit_id, stars in units:
        targets = by_stars.get(stars)
        # True == 1 and 3.0 == 3 as dict keys: let cadence_for judge the odd types.
        if targets is None or type(stars) not in plain:
            targets = by_cadence[cadence_for(stars)]
        tasks = tasks_of(unit_id)
        plan = _plan(targets, today, tasks) if tasks else targets.fresh
        if plan is not _EMPTY:
            yield unit_id, plan


def apply_plan(existing: Iterable[ExistingTask], plan: UnitPlan) -> tuple[ExistingTask, ...]:
    """The unit's tasks after ``plan``, as the database edge must apply it.

    Checks what the database enforces, raising ValueError: one row per key
    (a created key must be new), only open or overdue tasks are cancelled and
    only cancelled ones reopened. Created tasks start open.
    """
    tasks = list(existing)
    index = {task.period_key: position for position, task in enumerate(tasks)}
    if len(index) != len(tasks):
        raise ValueError("existing tasks repeat a period key")
    for key in plan.to_cancel:
        position = _position(index, key)
        if tasks[position].status not in (TaskStatus.OPEN, TaskStatus.OVERDUE):
            raise ValueError(f"cannot cancel {key}: it is {tasks[position].status}")
        tasks[position] = replace(tasks[position], status=TaskStatus.CANCELLED)
    for key in plan.to_reopen:
        position = _position(index, key)
        if tasks[position].status is not TaskStatus.CANCELLED:
            raise ValueError(f"cannot reopen {key}: it is {tasks[position].status}")
        tasks[position] = replace(tasks[position], status=TaskStatus.OPEN)
    for period in plan.to_create:
        if period.key in index:
            raise ValueError(f"cannot create {period.key}: the unit already has it")
        index[period.key] = len(tasks)
        tasks.append(ExistingTask.from_period(period))
    return tuple(tasks)


def _position(index: Mapping[str, int], key: str) -> int:
    try:
        return index[key]
    except KeyError:
        raise ValueError(f"the unit has no task {key}") from None


def four_week_workload(
    counts: Mapping[RatingKey, int],
) -> dict[RatingKey | Literal["total"], int]:
    """Inspections in four weeks per rating and in total, for staffing.

    Monthly counts 1, fortnightly 2, weekly 4: the Zhaxi split
    ``{3: 13, 2: 141, 1: 6}`` gives ``{3: 13, 2: 282, 1: 24, "total": 319}``.
    """
    workload: dict[RatingKey | Literal["total"], int] = {}
    for stars, units in counts.items():
        if isinstance(units, bool) or not isinstance(units, int) or units < 0:
            raise ValueError(f"unit count for {stars!r} stars must be an int >= 0, not {units!r}")
        workload[stars] = units * cadence_for(stars).per_four_weeks
    workload["total"] = sum(workload.values())
    return workload
