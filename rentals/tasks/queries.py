"""Reads over tasks: the manager's board, workload per inspector, exports and the feed."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

from sqlalchemy import case, func, select, true
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.elements import True_

import schedules
from rentals.auth.models import Role, User, UserArea
from rentals.dashboard.models import DashboardTask
from rentals.register.listing import active_star_counts
from rentals.register.models import Area, Unit
from rentals.tasks.models import Task, TaskStatus

LIVE = (TaskStatus.OPEN.value, TaskStatus.OVERDUE.value)
EXPORT_HEADERS = [
    "unit_code",
    "area",
    "stars_at_planning",
    "period_key",
    "due",
    "status",
    "inspector",
]


def week_of(day: date) -> tuple[date, date]:
    """Monday and Sunday of the ISO week containing ``day``."""
    monday = day - timedelta(days=day.weekday())
    return monday, monday + timedelta(days=6)


@dataclass(frozen=True)
class BoardCounts:
    due: int
    done: int
    overdue: int
    open: int


@dataclass(frozen=True)
class Board:
    counts: BoardCounts
    #: (task, unit, area name, inspector name); with ``plain`` rows of BOARD_COLUMNS.
    rows: list[Any]
    page: int
    pages: int
    total: int


#: A board row as plain columns, for the page (50 Task and Unit entities cost more than
#: the page's queries together).
BOARD_COLUMNS = (
    Task.id,
    Task.due,
    Task.period_key,
    Task.kind,
    Task.status,
    Unit.code,
    Unit.address,
    Area.name.label("area"),
)


def _window(
    query: Any, start: date, end: date, area_id: int | None, scope: Any, inspector_id: int | None
) -> Any:
    query = query.where(
        Task.due >= start, Task.due <= end, Task.status != TaskStatus.CANCELLED.value, scope
    )
    if area_id is not None:
        query = query.where(Unit.area_id == area_id)
    if inspector_id is not None:
        query = query.where(Task.inspector_id == inspector_id)
    return query


def board(
    session: Session,
    *,
    start: date,
    end: date,
    area_id: int | None,
    status: str | None,
    today: date,
    page: int = 1,
    per_page: int = 50,
    scope: Any = true(),
    inspector_id: int | None = None,
    plain: bool = False,
) -> Board:
    """Tasks due in [start, end] (not cancelled), counted by state and listed a page at a time.

    ``scope`` is the viewer's condition on ``Unit`` (``access.unit_scope``); ``true()``
    (a viewer who sees every area) lets the counts read the task indexes alone, without
    a join to the units. The list is in (due, task id) order, which ``ix_task_due`` holds,
    so a page never sorts the week's tasks; its total is one of the counts.
    ``plain``: rows of ``BOARD_COLUMNS`` and the inspector's name (``inspector``).
    """
    overdue = (Task.status == TaskStatus.OVERDUE.value) | (
        (Task.status == TaskStatus.OPEN.value) & (Task.due < today)
    )
    # Counted per status with the statuses named (not only "not cancelled"), so the count
    # reads ix_task_status_due alone instead of every task row of the week.
    counted = (
        select(Task.status, func.count(), func.sum(case((Task.due < today, 1), else_=0)))
        .select_from(Task)
        .where(Task.status.in_((*LIVE, TaskStatus.DONE.value)))
        .group_by(Task.status)
    )
    if area_id is not None or not isinstance(scope, True_):
        counted = counted.join(Unit, Unit.id == Task.unit_id)
    due_n = done_n = overdue_n = 0
    for state, n, late_n in session.execute(
        _window(counted, start, end, area_id, scope, inspector_id)
    ):
        due_n += n
        if state == TaskStatus.DONE.value:
            done_n += n
        elif state == TaskStatus.OVERDUE.value:
            overdue_n += n
        else:
            overdue_n += int(late_n or 0)
    counts = BoardCounts(due_n, done_n, overdue_n, due_n - done_n - overdue_n)
    # The page's task ids first, from the task table alone when nothing filters on the
    # unit (``ix_task_due`` holds the order); then those rows with their unit, area and
    # inspector. Joined in one statement, SQLite drives the join from the areas and
    # sorts every task of the week to keep 50 (180 ms at 10^5 units).
    ids_q = select(Task.id)
    if area_id is not None or not isinstance(scope, True_):
        ids_q = ids_q.join(Unit, Unit.id == Task.unit_id)
    list_q = _window(ids_q, start, end, area_id, scope, inspector_id)
    total = counts.due
    if status == "overdue":
        list_q, total = list_q.where(overdue), counts.overdue
    elif status in (TaskStatus.DONE.value, TaskStatus.OPEN.value):
        list_q = list_q.where(Task.status == status)
        total = counts.done
        if status == TaskStatus.OPEN.value:
            list_q, total = list_q.where(Task.due >= today), counts.open
    pages = max(1, -(-total // per_page))
    page = min(max(page, 1), pages)
    ids = list(
        session.scalars(
            list_q.order_by(Task.due, Task.id).limit(per_page).offset((page - 1) * per_page)
        )
    )
    inspector = aliased(User)
    shown = (
        (*BOARD_COLUMNS, func.coalesce(inspector.display_name, "").label("inspector"))
        if plain
        else (Task, Unit, Area.name, func.coalesce(inspector.display_name, ""))
    )
    rows = session.execute(
        select(*shown)
        .select_from(Task)
        .join(Unit, Unit.id == Task.unit_id)
        .join(Area, Area.id == Unit.area_id)
        .outerjoin(inspector, inspector.id == Task.inspector_id)
        .where(Task.id.in_(ids))
        .order_by(Task.due, Task.id)
    ).all()
    return Board(counts, list(rows) if plain else [tuple(r) for r in rows], page, pages, total)


@dataclass(slots=True)  # not frozen: a city builds 400 of them a page
class Workload:
    #: The inspector: a row with ``id`` and ``display_name``.
    user: Any
    areas: str
    open: int
    overdue: int
    done_in_window: int
    #: The communities of the areas named in ``areas``.
    communities: frozenset[int] = frozenset()


@dataclass(frozen=True)
class CommunityLoad:
    """The inspectors serving a community, their number and their figures summed (an
    inspector of two communities counts in both; a total counts each inspector once)."""

    community_id: int | None
    name: str
    inspectors: int
    open: int
    overdue: int
    done_in_window: int


def workload(
    session: Session, *, start: date, end: date, today: date, areas_scope: Any = None
) -> list[Workload]:
    """Per active inspector: live tasks, overdue ones, and tasks done in [start, end].

    Live and overdue tasks are those of active units (the dashboard's counts; the nightly
    planning cancels the live tasks of a unit that stopped being active).

    ``areas_scope`` (``access.area_scope``), when given, keeps the inspectors serving an
    area in it (and names only those areas)."""
    areas_scope = true() if areas_scope is None else areas_scope
    # The areas served in scope, read whole (a row per inspector and area: 400 at 10^6
    # units) and kept per inspector here: filtered by an IN list of the inspectors'
    # ids, SQLite probed every area for every id (27 ms at 10^6).
    areas: dict[int, list[str]] = {}
    communities: dict[int, set[int]] = {}
    for user_id, name, community_id in session.execute(
        select(UserArea.user_id, Area.name, Area.community_id)
        .join(Area, Area.id == UserArea.area_id)
        .where(areas_scope)
        .order_by(Area.name)
    ):
        areas.setdefault(user_id, []).append(name)
        communities.setdefault(user_id, set()).add(community_id)
    query = select(User.id, User.display_name).where(
        User.role == Role.INSPECTOR.value, User.is_active.is_(True)
    )
    inspectors = [
        u
        for u in session.execute(query.order_by(User.display_name, User.id))
        if u.id in areas or isinstance(areas_scope, True_)
    ]
    ids = {u.id for u in inspectors}
    # The live tasks from the counts the database keeps per (area, inspector, due, done)
    # (``dashboard_task``, kept by triggers on ``task``): a few rows per inspector and due
    # date instead of every live task of the city (two million at 10^6 units, 0.5 s
    # counted on ix_task_inspector_status_due). Overdue is "not done, due before today",
    # which the hourly marking only records; the window's done tasks are read on the index.
    figures: dict[int, list[int]] = {}
    kept = DashboardTask
    late = case((kept.due < today, kept.n), else_=0)
    for user_id, n, late_n in session.execute(
        select(kept.inspector_id, func.sum(kept.n), func.sum(late))
        .where(_serving(kept.inspector_id, areas_scope), kept.done.is_(False))
        .group_by(kept.inspector_id)
    ):
        if user_id in ids:
            figures[user_id] = [int(n or 0), int(late_n or 0), 0]
    for user_id, n in session.execute(
        select(Task.inspector_id, func.count())
        .where(
            _serving(Task.inspector_id, areas_scope),
            Task.status == TaskStatus.DONE.value,
            Task.due >= start,
            Task.due <= end,
        )
        .group_by(Task.inspector_id)
    ):
        if user_id in ids:
            figures.setdefault(user_id, [0, 0, 0])[2] = n
    return [
        Workload(
            u,
            "、".join(areas.get(u.id, [])),
            *figures.get(u.id, [0, 0, 0]),  # type: ignore[arg-type]
            frozenset(communities.get(u.id, ())),
        )
        for u in inspectors
    ]


def _serving(column: Any, areas_scope: Any) -> Any:
    """``column`` (an inspector id) is one serving an area in scope: a subquery, not an IN
    list of a city's 400 ids (rendered and bound in Python on every page)."""
    if isinstance(areas_scope, True_):
        return true()
    serving = select(UserArea.user_id).join(Area, Area.id == UserArea.area_id)
    return column.in_(serving.where(areas_scope))


def workload_total(rows: list[Workload], name: str = "") -> CommunityLoad:
    """The rows' figures summed, each inspector once."""
    return CommunityLoad(
        None,
        name,
        len(rows),
        sum(r.open for r in rows),
        sum(r.overdue for r in rows),
        sum(r.done_in_window for r in rows),
    )


def workload_by_community(
    rows: list[Workload], communities: list[tuple[int, str]]
) -> list[CommunityLoad]:
    """A row per community (id, name in the order given) over the inspectors serving it."""
    members: dict[int, list[Workload]] = {}
    for row in rows:
        for community_id in row.communities:
            members.setdefault(community_id, []).append(row)
    return [
        replace(workload_total(members.get(c_id, []), name), community_id=c_id)
        for c_id, name in communities
    ]


def star_counts(session: Session, user: User | None = None) -> dict[int | None, int]:
    """Active units by current stars (None = not yet rated, 0 = not rated) in ``user``'s
    scope, or all of them; read from the kept ``unit_tally``, not counted over the units."""
    return active_star_counts(session, user)  # type: ignore[arg-type]


def four_week_figure(session: Session) -> dict[Any, int]:
    """``schedules.four_week_workload`` on the current star counts (Zhaxi: 319)."""
    return schedules.four_week_workload(star_counts(session))


def export_rows(
    session: Session, *, due_from: date, due_to: date, area: str | None
) -> Iterator[list[Any]]:
    """Tasks due in the window: unit code, area, stars at planning, period key, due date,
    status, inspector; streamed in batches."""
    inspector = aliased(User)
    query = (
        select(
            Unit.code,
            Area.name,
            Task.stars_at_planning,
            Task.period_key,
            Task.due,
            Task.status,
            func.coalesce(inspector.display_name, ""),
        )
        .join(Unit, Unit.id == Task.unit_id)
        .join(Area, Area.id == Unit.area_id)
        .outerjoin(inspector, inspector.id == Task.inspector_id)
        .where(Task.due >= due_from, Task.due <= due_to)
        .order_by(Task.due, Area.name, Unit.code, Task.kind, Task.period_key)
        .execution_options(yield_per=2000)
    )
    if area:
        query = query.where(Area.name == area)
    for row in session.execute(query):
        code, area_name, stars, key, due, status, name = row
        yield [code, area_name, "" if stars is None else stars, key, due.isoformat(), status, name]


def feed_tasks(session: Session, *, user_id: int) -> list[tuple[Task, Unit]]:
    """The inspector's open and overdue tasks, for the calendar feed."""
    rows = session.execute(
        select(Task, Unit)
        .join(Unit, Unit.id == Task.unit_id)
        .where(Task.inspector_id == user_id, Task.status.in_(LIVE))
        .order_by(Task.due, Unit.code, Task.id)
    ).all()
    return [(t, u) for t, u in rows]


def area_inspectors(session: Session, area_id: int) -> list[User]:
    return list(
        session.scalars(
            select(User)
            .join(UserArea, UserArea.user_id == User.id)
            .where(
                UserArea.area_id == area_id,
                User.role == Role.INSPECTOR.value,
                User.is_active.is_(True),
            )
            .order_by(User.display_name, User.id)
        )
    )
