"""A seeded community with a year of inspections, and the dashboard's figures worked out
in plain Python over the rows created here (never with the dashboard's own functions)."""

from __future__ import annotations

import calendar
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session

from rentals.auth.models import Role, User
from rentals.inspections.models import Inspection, Outcome, RectificationOrder
from rentals.ratings.services import ensure_default_scorecard, rate_inspection
from rentals.register.models import Area, Unit
from rentals.tasks.models import Task
from tests import factories
from tests.inspections.helpers import all_answers

TODAY = date(2027, 1, 20)
MONTH = "2027-01"
TZ = ZoneInfo("Asia/Shanghai")
#: Answer patterns and the stars the shipped scorecard gives them (checked when seeding).
PATTERNS = {3: (), 2: ("S3", "M1"), 1: ("F1", "F2", "S2", "S3")}
#: Stale on TODAY (Wednesday 2027-01-20) when the last completed visit fell before the
#: period before today's, worked by hand: monthly -> December began 2026-12-01; half months
#: -> today is in January H2, so H1 began 2027-01-01; ISO weeks -> today is in 2027-W03
#: (Monday 18 January), so W02 began Monday 2027-01-11.
STALE_BEFORE = {3: date(2026, 12, 1), 2: date(2027, 1, 1)}
WEEKLY_STALE_BEFORE = date(2027, 1, 11)
STATE_OF_STARS = {3: "three", 2: "two", 1: "one", 0: "not_rated"}


@dataclass
class Visit:
    unit: Unit
    day: date
    outcome: str
    answers: dict[str, str]
    inspection: Inspection
    stars: int | None = None  # None: no rating (no access)


@dataclass
class SeededIncident:
    unit: Unit
    day: date
    victim: bool
    retracted: bool


@dataclass
class Seeded:
    areas: dict[str, Area]
    units: dict[str, list[Unit]]  # area key -> active units
    vacant: Unit
    users: dict[str, User]
    visits: list[Visit] = field(default_factory=list)
    incidents: list[SeededIncident] = field(default_factory=list)
    tasks: list[Task] = field(default_factory=list)
    orders: list[RectificationOrder] = field(default_factory=list)

    def active(self, area_keys: tuple[str, ...] = ("S", "N", "X")) -> list[Unit]:
        return [u for k in area_keys for u in self.units[k]]


def _at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), TZ).astimezone(UTC)


def _month_start(months_back: int) -> date:
    first = TODAY.replace(day=1)
    for _ in range(months_back):
        first = (first - timedelta(days=1)).replace(day=1)
    return first


def seed(session: Session) -> Seeded:
    version = ensure_default_scorecard(session, today=TODAY - timedelta(days=400))
    zhaxi = factories.make_community(session, "测试扎细")
    other = factories.make_community(session, "测试邻社区")
    areas = {
        "S": factories.make_area(session, zhaxi, "测南区"),
        "N": factories.make_area(session, zhaxi, "测北区"),
        "X": factories.make_area(session, other, "测西区"),
    }
    units = {
        "S": [factories.make_unit(session, areas["S"]) for _ in range(6)],
        "N": [factories.make_unit(session, areas["N"]) for _ in range(6)],
        "X": [factories.make_unit(session, areas["X"]) for _ in range(2)],
    }
    # A formula in an address must reach the spreadsheet as text.
    units["S"][0].address = "=1+2"
    session.add(units["S"][0])
    vacant = factories.make_unit(session, areas["S"], status="vacant")
    users = {
        "manager": factories.make_user(session, Role.MANAGER, communities=(zhaxi, other)),
        "landlord": factories.make_user(session, Role.LANDLORD),
        **{
            f"inspector_{k}": factories.make_user(session, Role.INSPECTOR, areas=(area,))
            for k, area in areas.items()
        },
    }
    seeded = Seeded(areas, units, vacant, users)

    serial = 0
    for key, area_units in units.items():
        inspector = users[f"inspector_{key}"]
        for i, unit in enumerate([*area_units, vacant] if key == "S" else area_units):
            if key == "N" and i == 5:
                continue  # never inspected: not yet rated
            for back in range(11, -1, -1):
                if back == 0 and i % 4 == 0:
                    continue  # no visit yet this month
                serial += 1
                day = _month_start(back) + timedelta(days=4 + i % 10)
                outcome = Outcome.COMPLETED.value
                if serial % 11 == 0 or (back == 0 and i == 1):
                    outcome = Outcome.REFUSED.value
                elif (serial % 13) == 0:
                    outcome = Outcome.NO_ACCESS.value
                stars = (3, 2, 1)[(i * 7 + back + len(key)) % 3]
                answers = all_answers() if outcome == Outcome.COMPLETED.value else {}
                for code in PATTERNS[stars] if answers else ():
                    answers[code] = "not_met"
                inspection = Inspection(
                    unit_id=unit.id,
                    inspector_id=inspector.id,
                    scorecard_version_id=version.id,
                    client_key=f"dash-{serial}",
                    outcome=outcome,
                    answers=answers,
                    visited_at=_at(day),
                    created_at=_at(day),
                )
                session.add(inspection)
                session.flush()
                visit = Visit(unit, day, outcome, answers, inspection)
                if outcome != Outcome.NO_ACCESS.value:
                    rating = rate_inspection(session, inspection=inspection, now=_at(day))
                    visit.stars = rating.stars
                    expected = 0 if outcome == Outcome.REFUSED.value else stars
                    assert rating.stars == expected, (answers, rating.stars)
                seeded.visits.append(visit)

    # This month's tasks, plus one of December that the period leaves out.
    for n, unit in enumerate(seeded.active()):
        key = next(k for k, us in units.items() if unit in us)
        due = date(2027, 1, 7 + (n % 4) * 7)
        status = "done" if n % 3 == 0 else "cancelled" if n % 7 == 0 else "open"
        if status == "open" and n % 5 == 0 and due < TODAY:
            status = "overdue"
        task = Task(
            unit_id=unit.id,
            kind="routine",
            period_key=f"T{n}",
            start=date(2027, 1, 1),
            due=due,
            status=status,
            inspector_id=None if n == 1 else users[f"inspector_{key}"].id,
        )
        session.add(task)
        seeded.tasks.append(task)
    session.add(
        Task(
            unit_id=units["S"][1].id,
            kind="routine",
            period_key="old",
            start=date(2026, 12, 1),
            due=date(2026, 12, 31),
            status="overdue",
            inspector_id=users["inspector_S"].id,
        )
    )
    # Orders: open ones before and after their deadline, and a closed one.
    last = {v.unit.id: v.inspection for v in seeded.visits}
    for n, (unit, item, deadline, status) in enumerate(
        [
            (units["S"][1], "F1", date(2027, 1, 10), "open"),
            (units["S"][2], "F1", date(2027, 2, 10), "open"),
            (units["N"][0], "F1", date(2027, 1, 5), "open"),
            (units["N"][1], "S3", date(2027, 1, 30), "open"),
            (units["N"][2], "S3", date(2027, 1, 2), "closed"),
            (units["X"][0], "M1", date(2027, 1, 2), "open"),
        ]
    ):
        order = RectificationOrder(
            unit_id=unit.id,
            inspection_id=last[unit.id].id,
            item_code=item,
            deadline=deadline,
            status=status,
            note=f"order {n}",
        )
        session.add(order)
        seeded.orders.append(order)
    session.flush()
    _seed_incidents(session, seeded)
    return seeded


def _seed_incidents(session: Session, s: Seeded) -> None:
    """Incidents in and around January 2027, through the service (one retracted, one at the
    vacant unit, one thirteen months back)."""
    from sqlmodel import select

    from rentals.incidents.models import IncidentKind
    from rentals.incidents.services import record_incident, retract_incident

    kinds = {k.code: k for k in session.exec(select(IncidentKind))}
    u = s.units
    plan = [
        (u["S"][0], date(2027, 1, 5), "dispute", False, False),
        (u["S"][1], date(2027, 1, 12), "theft", True, False),
        (u["S"][1], date(2027, 1, 19), "noise", False, False),
        (u["N"][0], date(2027, 1, 3), "fire", False, False),
        (u["N"][2], date(2026, 12, 20), "theft", True, False),
        (u["N"][3], date(2026, 11, 2), "drugs", False, False),
        (u["X"][0], date(2027, 1, 8), "dispute", False, False),
        (u["X"][1], date(2026, 2, 10), "noise", False, False),
        (u["S"][2], date(2027, 1, 15), "other", False, True),
        (s.vacant, date(2027, 1, 10), "theft", False, False),
        (u["S"][3], date(2026, 1, 31), "noise", False, False),
    ]
    for unit, day, kind, victim, retracted in plan:
        key = next((k for k, us in u.items() if unit in us), "S")
        actor = s.users[f"inspector_{key}"]
        incident = record_incident(
            session,
            actor=actor,
            unit=unit,
            kind=kinds[kind],
            occurred_on=day,
            note="",
            resident_victim=victim,
            today=TODAY,
        )
        if retracted:
            retract_incident(session, actor=actor, incident=incident, reason="登记有误")
        s.incidents.append(SeededIncident(unit, day, victim, retracted))
    session.flush()


# --- expected figures, by hand over the seeded rows --------------------------------------


def _newest(visits: list[Visit], units: list[Unit], until: date) -> dict[int, Visit]:
    """Per unit, its last rated visit on or before ``until``."""
    out: dict[int, Visit] = {}
    ids = {u.id for u in units}
    for v in sorted(visits, key=lambda v: v.day):
        if v.unit.id in ids and v.stars is not None and v.day <= until:
            out[v.unit.id] = v
    return out


def state(visit: Visit | None) -> str:
    return "not_yet_rated" if visit is None else STATE_OF_STARS[visit.stars]  # type: ignore[index]


def expected(s: Seeded, area_keys: tuple[str, ...] = ("S", "N", "X")) -> dict[str, int]:
    units = s.active(area_keys)
    ids = {u.id for u in units}
    now = _newest(s.visits, units, TODAY)
    split = Counter(state(now.get(u.id)) for u in units)
    month_start = TODAY.replace(day=1)
    month_end = month_start.replace(day=calendar.monthrange(2027, 1)[1])
    before = _newest(s.visits, units, month_start - timedelta(days=1))
    after = _newest(s.visits, units, month_end)
    both = [u.id for u in units if u.id in before and u.id in after]
    figures = {f"stars-{k}": split.get(k, 0) for k in STATE_OF_STARS.values()}
    figures["stars-not_yet_rated"] = split.get("not_yet_rated", 0)
    figures["units"] = len(units)
    figures["rising"] = sum(after[i].stars > before[i].stars for i in both)  # type: ignore[operator]
    figures["falling"] = sum(after[i].stars < before[i].stars for i in both)  # type: ignore[operator]

    tasks = [t for t in s.tasks if t.unit_id in ids and t.status != "cancelled"]
    figures["tasks-due"] = len(tasks)
    figures["tasks-done"] = sum(t.status == "done" for t in tasks)
    figures["tasks-overdue"] = sum(
        t.status == "overdue" or (t.status == "open" and t.due < TODAY) for t in tasks
    )
    stars_now = [now[u.id].stars if u.id in now else None for u in units]
    figures["planned"] = sum({3: 1, 2: 2}.get(st, 4) for st in stars_now)  # type: ignore[arg-type]
    figures["visits-recent"] = sum(
        v.unit.id in ids and TODAY - timedelta(days=27) <= v.day <= TODAY for v in s.visits
    )
    completed: dict[int, Visit] = {}
    for v in sorted(s.visits, key=lambda v: v.day):
        if v.unit.id in ids and v.outcome == "completed":
            completed[v.unit.id] = v
    figures["rates-inspected"] = len(completed)
    figures["rates-fire"] = sum(v.answers["F1"] == "met" for v in completed.values())
    figures["rates-registered"] = sum(
        v.answers["S2"] == "met" and v.answers["S3"] == "met" for v in completed.values()
    )
    figures["visits-refused"] = sum(
        v.unit.id in ids and v.outcome == "refused" and month_start <= v.day <= month_end
        for v in s.visits
    )
    stale = 0
    for u, st in zip(units, stars_now, strict=True):
        last = completed.get(u.id)
        if last is None or last.day < STALE_BEFORE.get(st, WEEKLY_STALE_BEFORE):  # type: ignore[arg-type]
            stale += 1
    figures["rates-stale"] = stale
    open_orders = [o for o in s.orders if o.unit_id in ids and o.status == "open"]
    counted = [
        i
        for i in s.incidents
        if i.unit.id in ids and not i.retracted and month_start <= i.day <= month_end
    ]
    figures["incidents-all"] = len(counted)
    figures["incidents-victim"] = sum(i.victim for i in counted)
    figures["orders-open"] = len(open_orders)
    figures["orders-overdue"] = sum(o.deadline < TODAY for o in open_orders)
    return figures


def history(s: Seeded, area_keys: tuple[str, ...] = ("S", "N", "X")) -> list[dict[str, int]]:
    """Rated units by state at each of the twelve month ends up to January 2027."""
    units = s.active(area_keys)
    out = []
    for back in range(11, -1, -1):
        first = _month_start(back)
        end = first.replace(day=calendar.monthrange(first.year, first.month)[1])
        newest = _newest(s.visits, units, end)
        out.append(dict(Counter(state(v) for v in newest.values())))
    return out


def incidents_by_month(s: Seeded, area_keys: tuple[str, ...] = ("S", "N", "X")) -> dict[str, int]:
    """Live incidents at active units per month, February 2026 to January 2027."""
    ids = {u.id for u in s.active(area_keys)}
    out = {f"{_month_start(back):%Y-%m}": 0 for back in range(11, -1, -1)}
    for i in s.incidents:
        key = f"{i.day:%Y-%m}"
        if i.unit.id in ids and not i.retracted and key in out:
            out[key] += 1
    return out


def incidents_by_area(s: Seeded) -> dict[str, int]:
    """Live incidents at active units of each area in January 2027."""
    out = {}
    for key, units in s.units.items():
        ids = {u.id for u in units}
        out[key] = sum(
            i.unit.id in ids and not i.retracted and f"{i.day:%Y-%m}" == MONTH for i in s.incidents
        )
    return out
