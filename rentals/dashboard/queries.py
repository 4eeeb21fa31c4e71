"""The managers' dashboard: figures summed from the aggregates, lists read from the rows.

Figures come from ``dashboard_units``, ``dashboard_month`` and ``dashboard_task``
(``aggregates`` keeps them as rows change), summed over the areas of the user's scope and
filter, so a view costs what the number of areas costs, not the number of units. "Stale"
is an indexed count on the unit's last inspection date; open orders are few and counted on
their own index. The list behind each figure reads the rows themselves (``_units``,
``_tasks``, ``_orders``, ``_visits``), a page at a time by keyset; the tests hold every
figure to its list and to counts of their own.

The population is the *active* units within the user's scope (``unit_scope``, the one home of
the scoping rule), narrowed by the community and area filters. The period is a calendar month.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import and_, case, func, literal_column, select, tuple_
from sqlalchemy.orm import Session

from rentals import clock
from rentals.auth.access import unit_scope
from rentals.auth.models import User
from rentals.dashboard.models import DashboardMove
from rentals.incidents.models import Incident
from rentals.incidents.queries import live as live_incident
from rentals.inspections.models import Inspection, OrderStatus, Outcome, RectificationOrder
from rentals.modelbase import UTCDateTime
from rentals.register.models import Area, Community, Unit, UnitStatus
from rentals.register.queries import areas_for
from rentals.tasks.models import Task, TaskStatus

#: Public rating states in the order the dashboard shows them.
STATES = ("three", "two", "one", "not_rated", "under_review", "not_yet_rated")
#: Months the star movement chart goes back.
MONTHS = 12
#: Days of the "last four weeks" the planned work figure is compared with.
FOUR_WEEKS = 28
#: Items whose answers the outcome rates read: fire-fighting equipment, tenants registered.
FIRE_ITEM = "F1"
REGISTRATION_ITEMS = ("S2", "S3")


def today() -> date:
    """The business date now, from the app's one clock."""
    return clock.today()


@dataclass(frozen=True)
class Filter:
    community_id: int | None = None
    area_id: int | None = None
    #: First day of the period's month.
    month: date = date(2000, 1, 1)
    today: date = date(2000, 1, 1)

    @property
    def start(self) -> date:
        return self.month

    @property
    def end(self) -> date:
        days = calendar.monthrange(self.month.year, self.month.month)[1]
        return self.month.replace(day=days)

    def args(self) -> dict[str, Any]:
        """The query-string arguments that give this filter back."""
        out: dict[str, Any] = {"month": f"{self.month:%Y-%m}"}
        if self.community_id:
            out["community"] = self.community_id
        if self.area_id:
            out["area"] = self.area_id
        return out


def _utc(day: date) -> datetime:
    """Midnight at the start of local ``day``, as a UTC instant."""
    return datetime.combine(day, time(0), clock.zone()).astimezone(UTC)


def _units(user: User, flt: Filter, *, by_status: bool = True) -> list[Any]:
    """Conditions on ``Unit``: active, visible to ``user``, in the filtered community/area.
    ``by_status=False`` keeps the planner off the indexes that lead with the status (every
    unit of a city is active, so they select nothing) for a list with a better index."""
    status = Unit.status if by_status else func.lower(Unit.status)
    conds: list[Any] = [status == UnitStatus.ACTIVE.value, unit_scope(user)]
    if flt.area_id:
        conds.append(Unit.area_id == flt.area_id)
    if flt.community_id:
        conds.append(Unit.area_id.in_(select(Area.id).where(Area.community_id == flt.community_id)))
    return conds


def _count(session: Session, stmt: Any) -> int:
    return int(session.scalar(select(func.count()).select_from(stmt.subquery())) or 0)


# --- the star split and its movement ------------------------------------------------------


def month_ends(flt: Filter) -> list[date]:
    """The last day of each of the MONTHS months ending with the period's month."""
    out = []
    first = flt.month
    for _ in range(MONTHS):
        days = calendar.monthrange(first.year, first.month)[1]
        out.append(first.replace(day=days))
        first = (first - timedelta(days=1)).replace(day=1)
    return out[::-1]


def _moved(user: User, flt: Filter, direction: str, columns: tuple[Any, ...]) -> Any:
    """Units that rose (or fell) over the period's month, from ``dashboard_move`` (kept
    with the rising/falling counts): one range of its (month, direction) index, each unit
    by primary key (``+ 0``), sorted by code (tens of thousands of units at 10⁶)."""
    move = DashboardMove.__table__  # type: ignore[attr-defined]
    return (
        select(*columns)
        .select_from(move)
        .join(Unit, Unit.id == move.c.unit_id + 0)
        .where(
            *_units(user, flt, by_status=False),
            move.c.month == flt.month,
            move.c.direction == (1 if direction == "rising" else -1),
        )
    )


# --- inspections: tasks in the period, the planned work, inspectors ----------------------


def _overdue(flt: Filter, status: Any) -> Any:
    """Not done and due before today (the hourly job's "overdue" status is only a label of
    that, so the kept counts ignore it): one range of the due date."""
    live = [literal_column(f"'{s.value}'") for s in (TaskStatus.OPEN, TaskStatus.OVERDUE)]
    # Literals, not parameters: both engines match a partial index's condition only so.
    return and_(status.in_(live), Task.due < flt.today)


TASK_KINDS = ("due", "done", "overdue")


def _tasks(
    user: User, flt: Filter, kind: str, inspector_id: int | None = None, status: Any = None
) -> list[Any]:
    """Conditions on tasks due in the period (``due``), done, or overdue; ``status`` stands
    for ``Task.status`` (an expression of it keeps the planner off the status index)."""
    status = Task.status if status is None else status
    conds = [
        *_units(user, flt),
        Task.due >= flt.start,
        Task.due <= flt.end,
        status != TaskStatus.CANCELLED.value,
    ]
    if kind == "done":
        conds.append(status == TaskStatus.DONE.value)
    elif kind == "overdue":
        conds.append(_overdue(flt, status))
    if inspector_id is not None:
        conds.append(Task.inspector_id == inspector_id)
    return conds


VISIT_KINDS = ("recent", "refused")


def _visits(user: User, flt: Filter, kind: str) -> list[Any]:
    """Conditions on inspections: visits of the last four weeks, or refusals in the period."""
    if kind == "recent":
        since = flt.today - timedelta(days=FOUR_WEEKS - 1)
        window = [
            Inspection.visited_at >= _utc(since),
            Inspection.visited_at < _utc(flt.today + timedelta(days=1)),
        ]
    else:
        window = [
            Inspection.outcome == Outcome.REFUSED.value,
            Inspection.visited_at >= _utc(flt.start),
            Inspection.visited_at < _utc(flt.end + timedelta(days=1)),
        ]
    return [*_units(user, flt), *window]


# --- rectification orders by hazard ------------------------------------------------------

ORDER_KINDS = ("open", "overdue")


def _orders(
    user: User, flt: Filter, kind: str, item: str | None = None, *, narrow: bool = False
) -> list[Any]:
    """Conditions on open (or overdue) orders at scoped units. ``narrow``: read from the
    scope's units (area index) and their orders by (unit, status), not along the city's
    open orders in deadline order (50,000 at 10⁶ units)."""
    status = func.lower(RectificationOrder.status) if narrow else RectificationOrder.status
    conds = [*_units(user, flt, by_status=not narrow), status == OrderStatus.OPEN.value]
    if kind == "overdue":
        conds.append(RectificationOrder.deadline < flt.today)
    if item is not None:
        conds.append(RectificationOrder.item_code == item)
    return conds


def orders_by_item(session: Session, user: User, flt: Filter) -> list[tuple[str, int, int]]:
    """(item code, open orders, of which overdue), most open first."""
    rows = session.execute(
        select(
            RectificationOrder.item_code,
            func.count(),
            func.sum(case((RectificationOrder.deadline < flt.today, 1), else_=0)),
        )
        .join(Unit, Unit.id == RectificationOrder.unit_id)
        .where(*_orders(user, flt, "open"))
        .group_by(RectificationOrder.item_code)
    )
    out = [(code, int(n), int(late or 0)) for code, n, late in rows]
    return sorted(out, key=lambda r: (-r[1], r[0]))


# --- outcome rates from the newest completed inspection per unit -------------------------

RATE_KINDS = ("inspected", "fire", "registered", "stale")


def _answer(code: str) -> Any:
    return Inspection.answers[code].as_string()


def _rate_select(user: User, flt: Filter, kind: str, columns: tuple[Any, ...]) -> Any:
    """Units by their newest completed inspection (``Unit.last_inspection_id``): inspected,
    F1 met, S2 and S3 met; or stale (never inspected, or past its cadence as
    ``schedules.is_stale`` says, on ``Unit.last_inspected_on``)."""
    stmt = select(*columns).select_from(Unit).where(*_units(user, flt))
    if kind == "stale":
        from rentals.dashboard.figures import stale_condition

        return stmt.where(stale_condition(flt.today))
    stmt = stmt.join(Inspection, Inspection.id == Unit.last_inspection_id)
    if kind == "fire":
        stmt = stmt.where(_answer(FIRE_ITEM) == "met")
    elif kind == "registered":
        stmt = stmt.where(and_(*(_answer(code) == "met" for code in REGISTRATION_ITEMS)))
    return stmt


# --- incidents (治安事件): per month and per area ------------------------------------------

INCIDENT_KINDS = ("all", "victim")


def _incidents(user: User, flt: Filter, detail: str) -> list[Any]:
    """Conditions on live (not retracted) incidents of the period at scoped units; ``victim``:
    those in which a resident was the victim (never counted against the landlord)."""
    conds = [
        *_units(user, flt),
        live_incident(),
        Incident.occurred_on >= flt.start,
        Incident.occurred_on <= flt.end,
    ]
    if detail == "victim":
        conds.append(Incident.resident_victim.is_(True))  # type: ignore[attr-defined]
    return conds


def _incident_unit() -> Any:
    """The join of incidents to their units, driven from the incidents of the period.

    ``+ 0`` keeps the planner from walking every active unit and probing incidents by
    ``unit_id`` (SQLite without statistics takes "status = 'active'" for a few rows): a
    month's incidents are few, so they are read by date and their units by primary key.
    At 100,000 units with 10,000 incidents the figure took 150 ms that way, 50 ms this way."""
    return Unit.id == Incident.unit_id + 0


# --- the lists behind the figures --------------------------------------------------------

#: Every list: (kind, detail) -> the rows' extra column title. Detail is a rating state,
#: a task kind, an order kind, a visit kind or a rate kind.
LIST_KINDS = ("stars", "moved", "tasks", "visits", "orders", "rates", "incidents")


@dataclass(frozen=True)
class Listing:
    """The rows behind a figure: ``stmt`` selects (unit code, area, address, rating status,
    extra) and then ``keys``, the columns it is ordered by, unique together, so a page
    starts after the last row of the one before (keyset) and never counts what it skips."""

    stmt: Any
    keys: tuple[Any, ...]


def list_query(
    user: User,
    flt: Filter,
    *,
    kind: str,
    detail: str,
    inspector_id: int | None = None,
    item: str | None = None,
    narrow: bool = True,
) -> Listing | None:
    """The list behind a figure; None when ``kind``/``detail`` name no list. Lists of units
    go by unit code; lists of events by their date and id, read from the event's own index
    (a month's incidents, an area's orders), their units by primary key. ``narrow``: the
    scope holds few of the city's units (``figures.narrow``), so lists of tasks and visits
    are read from its units rather than in date order."""
    base = (Unit.code, Area.name, Unit.address, Unit.rating_status)
    stmt: Any
    keys: tuple[Any, ...]
    if kind == "stars" and detail in STATES:
        # The (rating status, code) index: a rare state is a short range, not a walk of
        # every active unit in code order.
        units = _units(user, flt, by_status=False)
        stmt = select(*base, Unit.stars).where(*units, Unit.rating_status == detail)
        keys = (Unit.code,)
    elif kind == "moved" and detail in ("rising", "falling"):
        stmt, keys = _moved(user, flt, detail, (*base, Unit.stars)), (Unit.code,)
    elif kind == "rates" and detail in RATE_KINDS:
        stmt, keys = _rate_select(user, flt, detail, (*base, Unit.stars)), (Unit.code,)
    elif kind == "tasks" and detail in TASK_KINDS:
        # ``lower`` keeps the planner off the (status, due) index, which would gather the
        # month's matches of the whole city and sort them, and matches ``ix_task_live_due``.
        # A wide scope's "done" list reads the (status, due) index instead: its range is
        # exactly the done tasks, in due order.
        plain = not narrow and detail == "done"
        status = Task.status if plain else func.lower(Task.status)
        conds = _tasks(user, flt, detail, inspector_id, status=status)
        # A few areas: their units (area index), each unit's tasks by its key, sorted.
        # Much of the city: the tasks in due order (``ix_task_due``, or the live tasks'
        # ``ix_task_live_due`` for "overdue") and each unit by primary key (``+ 0``: never
        # probe tasks unit by unit), so a page is found in its first rows.
        join = Unit.id == Task.unit_id if narrow else Unit.id == Task.unit_id + 0
        stmt = select(*base, Task.due).select_from(Task).join(Unit, join).where(*conds)
        keys = (Task.due, Task.id)
    elif kind == "visits" and detail in VISIT_KINDS:
        # As for tasks: a wide scope reads the visits in time order (refusals on their own
        # (outcome, visited_at) index), each unit by primary key.
        unit_id = Inspection.unit_id if narrow else Inspection.unit_id + 0
        stmt = (
            select(*base, Inspection.visited_at)
            .select_from(Inspection)
            .join(Unit, Unit.id == unit_id)
            .where(*_visits(user, flt, detail))
        )
        keys = (Inspection.visited_at, Inspection.id)
    elif kind == "orders" and detail in ORDER_KINDS:
        stmt = (
            select(*base, RectificationOrder.deadline)
            .select_from(RectificationOrder)
            .join(Unit, Unit.id == RectificationOrder.unit_id)
            .where(*_orders(user, flt, detail, item, narrow=narrow))
        )
        keys = (RectificationOrder.deadline, RectificationOrder.id)
    elif kind == "incidents" and detail in INCIDENT_KINDS:
        stmt = (
            select(*base, Incident.occurred_on)
            .select_from(Incident)
            .join(Unit, _incident_unit())
            .where(*_incidents(user, flt, detail))
        )
        keys = (Incident.occurred_on, Incident.id)
    else:
        return None
    stmt = stmt.add_columns(*keys[1:]).join(Area, Area.id == Unit.area_id).order_by(*keys)
    return Listing(stmt, keys)


def _parse_key(column: Any, text: str) -> Any:
    """A cursor's value for ``column`` read back from the query string (ValueError if not)."""
    kind = column.type
    python = datetime if isinstance(kind, UTCDateTime) else kind.python_type
    if python is datetime:
        value = datetime.fromisoformat(text)
        if value.tzinfo is None:
            raise ValueError(text)
        return value
    if python is date:
        return date.fromisoformat(text)
    if python is int:
        if not (text.isascii() and text.isdigit() and len(text) <= 12):
            raise ValueError(text)
        return int(text)
    if len(text) > 64:
        raise ValueError(text)
    return text


def cursor_of(listing: Listing, row: tuple[Any, ...]) -> str:
    """The position after ``row`` as text for the query string."""
    values = [row[0], *row[5:]] if len(listing.keys) == 1 else [row[4], *row[5:]]
    return "~".join(v.isoformat() if hasattr(v, "isoformat") else str(v) for v in values)


def page_of(
    session: Session, listing: Listing, *, after: str | None, limit: int
) -> tuple[list[tuple[Any, ...]], str | None]:
    """One page of rows after the ``after`` cursor, and the cursor of the next page (None on
    the last). A malformed cursor raises ValueError."""
    stmt = listing.stmt
    if after:
        parts = after.split("~", len(listing.keys) - 1) if len(listing.keys) > 1 else [after]
        if len(parts) != len(listing.keys):
            raise ValueError(after)
        values = [_parse_key(c, t) for c, t in zip(listing.keys, parts, strict=True)]
        stmt = stmt.where(tuple_(*listing.keys) > tuple_(*values))
    rows = [tuple(r) for r in session.execute(stmt.limit(limit + 1))]
    more = len(rows) > limit
    rows = rows[:limit]
    return [r[:5] for r in rows], cursor_of(listing, rows[-1]) if more else None


def count_of(session: Session, listing: Listing) -> int:
    return _count(session, listing.stmt.order_by(None))


def stream(session: Session, listing: Listing) -> Iterator[tuple[Any, ...]]:
    return (tuple(r)[:5] for r in session.execute(listing.stmt.execution_options(yield_per=2000)))


def communities_for(
    session: Session, user: User, areas: list[Area] | None = None
) -> list[tuple[int, str]]:
    """Communities of the areas the user may see (for the filter); ``areas``: those areas,
    if the caller has read them."""
    areas = areas_for(session, user) if areas is None else areas
    ids = sorted({a.community_id for a in areas})
    stmt = select(Community.id, Community.name).where(Community.id.in_(ids))
    return [(i, n) for i, n in session.execute(stmt.order_by(Community.name, Community.id))]


def figures(session: Session, user: User, flt: Filter) -> dict[str, Any]:
    """Every figure of the page (``figures.figures``; kept here for the JSON API's import)."""
    from rentals.dashboard.figures import figures as every_figure

    return every_figure(session, user, flt)
