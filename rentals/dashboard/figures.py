"""Every figure of the dashboard page, summed from the aggregates over the areas in scope.

A figure reads rows per area (and per month or day), never per unit: "stale" too, from the
units counted by the period of their last inspection (``aggregates.LAST``).
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

import schedules
from rentals.auth.access import area_scope
from rentals.auth.models import User
from rentals.dashboard.aggregates import LAST, cadence_of, last_metric
from rentals.dashboard.models import NO_STARS, NOBODY, DashboardMonth, DashboardTask, DashboardUnits
from rentals.dashboard.queries import (
    MONTHS,
    STATES,
    Filter,
    month_ends,
    orders_by_item,
)
from rentals.register.models import Area, Unit
from rentals.register.queries import areas_for

log = logging.getLogger(__name__)

#: Days of the "last four weeks" the planned work figure is compared with.
FOUR_WEEKS = 28
STATE_OF_STARS = {3: "three", 2: "two", 1: "one", 0: "not_rated"}


def scope_areas(user: User, flt: Filter) -> Any:
    """The ids of the areas the user may see, narrowed by the filter (a subquery)."""
    stmt = select(Area.id).where(area_scope(user))
    if flt.area_id:
        stmt = stmt.where(Area.id == flt.area_id)
    if flt.community_id:
        stmt = stmt.where(Area.community_id == flt.community_id)
    return stmt


def _months_back(first: date, n: int) -> date:
    for _ in range(n):
        first = (first - timedelta(days=1)).replace(day=1)
    return first


def _month_metrics(
    session: Session,
    user: User,
    flt: Filter,
    metrics: tuple[str, ...],
    first: date,
    last: date,
    days: list[date] | None = None,
) -> Counter[tuple[date, str]]:
    """(day, metric) -> sum over the scope's areas, for days from ``first`` to ``last``
    (only ``days`` of them if given)."""
    when = (
        DashboardMonth.day.in_(days)
        if days is not None
        else and_(DashboardMonth.day >= first, DashboardMonth.day <= last)
    )
    rows = session.execute(
        select(DashboardMonth.day, DashboardMonth.metric, func.sum(DashboardMonth.n))
        .where(
            DashboardMonth.area_id.in_(scope_areas(user, flt)),
            DashboardMonth.metric.in_(metrics),
            when,
        )
        .group_by(DashboardMonth.day, DashboardMonth.metric)
    )
    return Counter({(d, m): int(n or 0) for d, m, n in rows})


def _units(
    session: Session, user: User, flt: Filter
) -> list[tuple[str, int, bool, bool, bool, int]]:
    rows = session.execute(
        select(
            DashboardUnits.rating_status,
            DashboardUnits.stars,
            DashboardUnits.inspected,
            DashboardUnits.fire,
            DashboardUnits.registered,
            func.sum(DashboardUnits.units),
        )
        .where(DashboardUnits.area_id.in_(scope_areas(user, flt)))
        .group_by(
            DashboardUnits.rating_status,
            DashboardUnits.stars,
            DashboardUnits.inspected,
            DashboardUnits.fire,
            DashboardUnits.registered,
        )
    )
    return [(s, st, bool(i), bool(f), bool(r), int(n or 0)) for s, st, i, f, r, n in rows]


def star_split(units: list[tuple[str, int, bool, bool, bool, int]]) -> dict[str, int]:
    split = dict.fromkeys(STATES, 0)
    for state, _stars, _i, _f, _r, n in units:
        split[state] = split.get(state, 0) + n
    return split


def _month_firsts(flt: Filter) -> list[date]:
    """First days of the months the page reads monthly metrics of: the MONTHS months ending
    with the period's, and every month after it up to today's (the star history subtracts
    the changes of every later month)."""
    first = _months_back(flt.month, MONTHS - 1)
    top = max(flt.month, flt.today.replace(day=1))
    out = []
    while first <= top:
        out.append(first)
        first = (first + timedelta(days=32)).replace(day=1)
    return out


MONTHLY = (
    *(f"state:{s}" for s in STATES),
    "rising",
    "falling",
    "refused",
    "incidents",
    "incidents_victim",
)


def _monthly(session: Session, user: User, flt: Filter) -> Counter[tuple[date, str]]:
    """Every monthly metric the page shows, in one grouped read of the months' first days
    (an index seek per area and month, not a walk of each area's daily rows); rows of a
    later month than today's (a clock put back) are read on their own range."""
    firsts = _month_firsts(flt)
    got = _month_metrics(session, user, flt, MONTHLY, firsts[0], firsts[-1], days=firsts)
    after = max(firsts[-1], flt.today) + timedelta(days=1)
    got.update(_month_metrics(session, user, flt, MONTHLY, after, date(9999, 12, 31)))
    return got


def star_history(
    session: Session,
    user: User,
    flt: Filter,
    units: list[tuple[str, int, bool, bool, bool, int]],
    monthly: Counter[tuple[date, str]] | None = None,
) -> list[tuple[date, dict[str, int]]]:
    """Rated units by the state of their newest rating at each month end: the states now,
    less the net changes of every month after that month end."""
    now: Counter[str] = Counter()
    for _state, stars, _i, _f, _r, n in units:
        if stars != NO_STARS:
            now[STATE_OF_STARS.get(stars, "not_rated")] += n
    later = _monthly(session, user, flt) if monthly is None else monthly
    history = []
    for end in month_ends(flt):
        counts = dict.fromkeys(STATES, 0)
        for state in STATES:
            after = sum(n for (d, m), n in later.items() if m == f"state:{state}" and d > end)
            counts[state] = now.get(state, 0) - after
        history.append((end, counts))
    return history


def movement(
    session: Session, user: User, flt: Filter, monthly: Counter[tuple[date, str]] | None = None
) -> dict[str, int]:
    got = _monthly(session, user, flt) if monthly is None else monthly
    return {"rising": got[(flt.month, "rising")], "falling": got[(flt.month, "falling")]}


TaskRow = tuple[int, int, date, bool, int]  # area, inspector, due, done, tasks


def _task_rows(session: Session, user: User, flt: Filter) -> list[TaskRow]:
    rows = session.execute(
        select(
            DashboardTask.area_id,
            DashboardTask.inspector_id,
            DashboardTask.due,
            DashboardTask.done,
            func.sum(DashboardTask.n),
        )
        .where(
            DashboardTask.area_id.in_(scope_areas(user, flt)),
            DashboardTask.due >= flt.start,
            DashboardTask.due <= flt.end,
        )
        .group_by(
            DashboardTask.area_id, DashboardTask.inspector_id, DashboardTask.due, DashboardTask.done
        )
    )
    return [(a, i, d, bool(k), int(n or 0)) for a, i, d, k, n in rows]


def task_counts(rows: list[TaskRow], today: date) -> dict[str, int]:
    return {
        "due": sum(n for _a, _i, _d, _k, n in rows),
        "done": sum(n for _a, _i, _d, k, n in rows if k),
        "overdue": sum(n for _a, _i, d, k, n in rows if not k and d < today),
    }


@dataclass(frozen=True)
class PlannedWork:
    """schedules.four_week_workload on the current stars (Zhaxi: 13 + 2×141 + 4×6 = 319)."""

    monthly: int
    fortnightly: int
    weekly: int
    total: int
    done: int
    since: date


def planned_work(
    session: Session, user: User, flt: Filter, units: list[tuple[str, int, bool, bool, bool, int]]
) -> PlannedWork:
    counts: Counter[int | None] = Counter()
    for _state, stars, _i, _f, _r, n in units:
        counts[None if stars == NO_STARS else stars] += n
    if any(n < 0 for n in counts.values()):
        # Kept counts below zero: a database written around the ORM (raw SQL) and never
        # rebuilt. The page says so (``needs_rebuild``); the formula gets no negative count.
        log.warning("dashboard: negative kept unit counts %s; rebuild them", dict(counts))
        counts = Counter({k: max(n, 0) for k, n in counts.items()})
    work = schedules.four_week_workload(dict(counts))
    by_cadence = dict.fromkeys(schedules.Cadence, 0)
    for stars, n in counts.items():
        by_cadence[schedules.cadence_for(stars)] += n
    since = flt.today - timedelta(days=FOUR_WEEKS - 1)
    visits = _month_metrics(session, user, flt, ("visits",), since, flt.today)
    return PlannedWork(
        monthly=by_cadence[schedules.Cadence.MONTHLY],
        fortnightly=by_cadence[schedules.Cadence.FORTNIGHTLY],
        weekly=by_cadence[schedules.Cadence.WEEKLY],
        total=work["total"],
        done=sum(visits.values()),
        since=since,
    )


@dataclass(frozen=True)
class InspectorLoad:
    user_id: int
    name: str
    due: int
    done: int
    overdue: int


def inspectors(session: Session, rows: list[TaskRow], today: date) -> list[InspectorLoad]:
    """Tasks due in the period per assigned inspector: due, done, overdue."""
    load: dict[int, list[int]] = {}
    for _area, inspector, due, done, n in rows:
        if inspector == NOBODY:
            continue
        row = load.setdefault(inspector, [0, 0, 0])
        row[0] += n
        row[1] += n if done else 0
        row[2] += n if not done and due < today else 0
    if not load:
        return []
    names = dict(session.execute(select(User.id, User.display_name).where(User.id.in_(load))).all())
    out = [InspectorLoad(i, names.get(i, ""), *v) for i, v in load.items() if i in names]
    return sorted(out, key=lambda r: (r.name, r.user_id))


@dataclass
class Rates:
    units: int
    inspected: int
    fire: int
    registered: int
    refused: int
    stale: int
    share: dict[str, float] = field(default_factory=dict)


def stale_condition(today: date) -> Any:
    """Condition on ``Unit``: not inspected within its cadence (``schedules.stale_before``),
    one range of ``ix_unit_stale`` per star count."""
    parts = []
    for stars in (3, 2, 1, 0, None):
        cut = schedules.stale_before(schedules.cadence_for(stars), today)
        late = or_(Unit.last_inspected_on.is_(None), Unit.last_inspected_on < cut)
        parts.append(and_(Unit.stars.is_(None) if stars is None else Unit.stars == stars, late))
    return or_(*parts)


#: Star counts as ``dashboard_units`` keys them (``NO_STARS``: not yet rated).
KEPT_STARS = (3, 2, 1, 0, NO_STARS)


def _cuts(today: date) -> dict[int, date]:
    """Each kept star count's cut-off: last inspected in a period starting before it, stale."""
    return {
        s: schedules.stale_before(cadence_of(None if s == NO_STARS else s), today)
        for s in KEPT_STARS
    }


def stale_count(
    session: Session,
    user: User,
    flt: Filter,
    units: list[tuple[str, int, bool, bool, bool, int]] | None = None,
) -> int:
    """Active units past their cadence: the scope's units of each star count less those
    whose last inspection fell in a period from the cut-off on (``last:`` rows of
    ``dashboard_month``: the cut-off's period and today's, and any later one), so the
    read is a few rows per area, whatever the number of units."""
    units = _units(session, user, flt) if units is None else units
    cuts = _cuts(flt.today)
    days = sorted(
        {
            d
            for s in KEPT_STARS
            for d in (
                cuts[s],
                schedules.period_of(cadence_of(None if s == NO_STARS else s), flt.today).start,
            )
        }
    )
    metrics = tuple(last_metric(None if s == NO_STARS else s) for s in KEPT_STARS)
    fresh = _month_metrics(session, user, flt, metrics, days[0], days[-1], days=days)
    later = max(days[-1], flt.today) + timedelta(days=1)
    fresh.update(_month_metrics(session, user, flt, metrics, later, date(9999, 12, 31)))
    total: Counter[int] = Counter()
    for _state, stars, _i, _f, _r, n in units:
        total[stars if stars in cuts else NO_STARS] += n
    for (day, metric), n in fresh.items():
        stars = int(metric.removeprefix(LAST))
        if day >= cuts.get(stars, cuts[NO_STARS]):
            total[stars if stars in cuts else NO_STARS] -= n
    return sum(total.values())


def rates(
    session: Session,
    user: User,
    flt: Filter,
    units: list[tuple[str, int, bool, bool, bool, int]],
    monthly: Counter[tuple[date, str]] | None = None,
) -> Rates:
    refused = _monthly(session, user, flt) if monthly is None else monthly
    result = Rates(
        units=sum(n for *_k, n in units),
        inspected=sum(n for _s, _st, i, _f, _r, n in units if i),
        fire=sum(n for _s, _st, i, f, _r, n in units if i and f),
        registered=sum(n for _s, _st, i, _f, r, n in units if i and r),
        refused=refused[(flt.month, "refused")],
        stale=stale_count(session, user, flt, units),
    )
    if result.inspected:
        result.share = {
            "fire": result.fire / result.inspected,
            "registered": result.registered / result.inspected,
        }
    return result


@dataclass(frozen=True)
class Incidents:
    total: int
    victim: int
    #: (area id, area name, incidents in the period), every area of the scope and filter.
    by_area: list[tuple[int, str, int]]
    #: (first day of the month, incidents) for the MONTHS months ending with the period.
    by_month: list[tuple[date, int]]


def scoped_areas(areas: list[Area], flt: Filter) -> list[Area]:
    """Those of ``areas`` (the user's, ``areas_for``) the filter keeps."""
    return [
        a
        for a in areas
        if (not flt.area_id or a.id == flt.area_id)
        and (not flt.community_id or a.community_id == flt.community_id)
    ]


def incidents(
    session: Session,
    user: User,
    flt: Filter,
    monthly: Counter[tuple[date, str]] | None = None,
    areas: list[Area] | None = None,
) -> Incidents:
    got = _monthly(session, user, flt) if monthly is None else monthly
    per_area = dict(
        session.execute(
            select(DashboardMonth.area_id, func.sum(DashboardMonth.n))
            .where(
                DashboardMonth.area_id.in_(scope_areas(user, flt)),
                DashboardMonth.day == flt.month,
                DashboardMonth.metric == "incidents",
            )
            .group_by(DashboardMonth.area_id)
        ).all()
    )
    areas = scoped_areas(areas_for(session, user), flt) if areas is None else areas
    months = [_months_back(flt.month, MONTHS - 1 - i) for i in range(MONTHS)]
    return Incidents(
        total=got[(flt.month, "incidents")],
        victim=got[(flt.month, "incidents_victim")],
        by_area=[(a.id, a.name, int(per_area.get(a.id, 0) or 0)) for a in areas],  # type: ignore[misc]
        by_month=[(m, got[(m, "incidents")]) for m in months],
    )


#: A filtered scope of more areas than this, in several communities, shows a row per
#: community instead of a row per inspector and per area (400 of each at 10⁶ units: a
#: 270 KB page no phone reads); a community's dashboard lists its own.
PER_AREA_ROWS = 20


@dataclass(frozen=True)
class CommunityRow:
    """A community's share of the per-inspector and per-area tables, shown instead of
    them when the scope is wide (``PER_AREA_ROWS``); its name opens the dashboard of that
    community, where they are listed."""

    community_id: int
    name: str
    due: int
    done: int
    overdue: int
    incidents: int


def by_community(
    communities: list[tuple[int, str]],
    areas: list[Area],
    tasks: list[TaskRow],
    shown: Incidents,
    today: date,
) -> list[CommunityRow]:
    """Tasks (every task of the period, assigned or not) and the period's incidents per
    community of ``areas``, in the order of ``communities``."""
    of = {a.id: a.community_id for a in areas}
    load: dict[int, list[int]] = {c: [0, 0, 0, 0] for c in set(of.values())}
    for area, _inspector, due, done, n in tasks:
        row = load.get(of.get(area, -1))
        if row is not None:
            row[0] += n
            row[1] += n if done else 0
            row[2] += n if not done and due < today else 0
    for area, _name, n in shown.by_area:
        load[of[area]][3] += n
    return [CommunityRow(c, name, *load[c]) for c, name in communities if c in load]


def needs_rebuild(
    units: list[tuple[str, int, bool, bool, bool, int]],
    tasks: list[TaskRow],
    monthly: Counter[tuple[date, str]],
    rates: Rates,
) -> bool:
    """Whether a kept count the page sums is below zero, or the stale units are not
    between none and all (rows written around the ORM and never rebuilt): the page then
    says so rather than show the figures as facts."""
    return (
        any(u[-1] < 0 for u in units)
        or any(t[-1] < 0 for t in tasks)
        or any(n < 0 for (_d, m), n in monthly.items() if not m.startswith("state:"))
        or not 0 <= rates.stale <= rates.units
    )


def figures(
    session: Session,
    user: User,
    flt: Filter,
    *,
    areas: list[Area] | None = None,
    communities: list[tuple[int, str]] | None = None,
) -> dict[str, Any]:
    """Every figure of the page: one grouped read of each aggregate (units, the period's
    tasks, the months' metrics), the last four weeks' visits, the fresh units' periods,
    the month's incidents per area and the open orders; no cache. ``areas`` (the filtered
    scope's, ``scoped_areas``) and ``communities`` (``queries.communities_for``) when the
    caller has them; with ``communities``, "per_community" holds a row per community when
    the scope is wide (``PER_AREA_ROWS``), and "inspectors" is then empty."""
    areas = scoped_areas(areas_for(session, user), flt) if areas is None else areas
    units = _units(session, user, flt)
    tasks = _task_rows(session, user, flt)
    monthly = _monthly(session, user, flt)
    shown_rates = rates(session, user, flt, units, monthly)
    shown_incidents = incidents(session, user, flt, monthly, areas)
    several = (
        communities is not None
        and len(areas) > PER_AREA_ROWS
        and len({a.community_id for a in areas}) > 1
    )
    return {
        "split": star_split(units),
        "history": star_history(session, user, flt, units, monthly),
        "moved": movement(session, user, flt, monthly),
        "tasks": task_counts(tasks, flt.today),
        "work": planned_work(session, user, flt, units),
        "inspectors": [] if several else inspectors(session, tasks, flt.today),
        "per_community": (
            by_community(communities or [], areas, tasks, shown_incidents, flt.today)
            if several
            else []
        ),
        "orders": orders_by_item(session, user, flt),
        "rates": shown_rates,
        "incidents": shown_incidents,
        "needs_rebuild": needs_rebuild(units, tasks, monthly, shown_rates),
    }


#: A scope of at most NARROW × √(active units) units reads its tasks unit by unit; a larger
#: one in due order. Reading by unit costs the scope's units; in due order, the rows until
#: a page of matches (page × city / scope / share of matches): the two meet near 20 √city
#: for the overdue list (a quarter of the month's tasks); 20,000 units at 10⁶.
NARROW = 20


def narrow(session: Session, user: User, flt: Filter) -> bool:
    """Whether the user's filtered scope holds few of the city's active units."""
    within = DashboardUnits.area_id.in_(scope_areas(user, flt))
    scoped = func.sum(DashboardUnits.units).filter(within)
    row = session.execute(select(scoped, func.sum(DashboardUnits.units))).one()
    inside, every = int(row[0] or 0), int(row[1] or 0)
    return inside * inside <= NARROW * NARROW * every


def total_of(
    session: Session,
    user: User,
    flt: Filter,
    *,
    kind: str,
    detail: str,
    inspector_id: int | None = None,
    item: str | None = None,
) -> int | None:
    """The figure a list stands behind, from the aggregates as the page shows it (None for
    orders: they are few and counted on their own index)."""
    if kind == "stars":
        return star_split(_units(session, user, flt)).get(detail, 0)
    if kind == "moved":
        return movement(session, user, flt)[detail]
    if kind == "tasks":
        rows = _task_rows(session, user, flt)
        if inspector_id is not None:
            rows = [r for r in rows if r[1] == inspector_id]
        return task_counts(rows, flt.today)[detail]
    if kind == "visits" and detail == "recent":
        return planned_work(session, user, flt, []).done
    if kind == "visits":
        days = [flt.month]
        got = _month_metrics(session, user, flt, ("refused",), flt.month, flt.month, days=days)
        return got[(flt.month, "refused")]
    if kind == "rates" and detail == "stale":
        return stale_count(session, user, flt)
    if kind == "rates":
        units = _units(session, user, flt)
        index = {"inspected": 2, "fire": 3, "registered": 4}[detail]
        return sum(u[-1] for u in units if u[2] and u[index])
    if kind == "incidents":
        got = incidents(session, user, flt)
        return got.total if detail == "all" else got.victim
    return None
