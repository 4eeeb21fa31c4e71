"""The dashboard's kept counts against counts of the rows written here, after a sequence of
changes through the services (visits, ratings, orders, incidents, planning, a unit moved and
one withdrawn, the month rolling over), and against a rebuild from the raw rows.

The expected figures are counted below in plain Python over plain SQL rows, with the zone
and the staleness cut-offs written out by hand; nothing of ``rentals.dashboard`` is used."""

from __future__ import annotations

import calendar
import re
from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from html import unescape
from zoneinfo import ZoneInfo

from sqlalchemy import select, text

from rentals.auth.models import Role
from rentals.inspections.models import Outcome
from tests import factories
from tests.conftest import login
from tests.dashboard import seed as seeding
from tests.inspections.helpers import all_answers

TZ = ZoneInfo("Asia/Shanghai")
FIGURE = re.compile(r'data-figure="([^"]+)">(?:<a href="([^"]+)"[^>]*>)?(\d+)')
STATES = ("three", "two", "one", "not_rated", "under_review", "not_yet_rated")
STATE_OF_STARS = {3: "three", 2: "two", 1: "one", 0: "not_rated"}
FEB = date(2027, 2, 3)
#: Stale cut-offs by hand (the start of the period before today's, per cadence):
#: 2027-01-20 (Wed, Jan H2, ISO W03): monthly 12-01, half months 01-01, weeks Mon 01-11;
#: 2027-02-03 (Wed, Feb H1, ISO W05): monthly 01-01, half months 01-16, weeks Mon 01-25.
CUTS = {
    seeding.TODAY: {3: date(2026, 12, 1), 2: date(2027, 1, 1), "weekly": date(2027, 1, 11)},
    FEB: {3: date(2027, 1, 1), 2: date(2027, 1, 16), "weekly": date(2027, 1, 25)},
}


def _local(moment: datetime | str) -> date:
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(TZ).date()


def _day(value: date | str) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


def _months(month: date) -> list[date]:
    out = [month]
    for _ in range(11):
        out.append((out[-1] - timedelta(days=1)).replace(day=1))
    return out[::-1]


def _end(month: date) -> date:
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


def expected(session, month: date, today: date) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """Every figure of the page for an admin, counted over the raw rows."""
    q = lambda sql: session.execute(text(sql)).all()  # noqa: E731
    units = {
        r[0]: r
        for r in q("SELECT id, area_id, rating_status, stars FROM unit WHERE status = 'active'")
    }
    out: dict[str, object] = {"units": len(units)}
    split = Counter(r[2] for r in units.values())
    for s in STATES:
        out[f"stars-{s}"] = split.get(s, 0)
    end = _end(month)
    visits = [
        (i, u, o, a, _local(at))
        for i, u, o, a, at in q("SELECT id, unit_id, outcome, answers, visited_at FROM inspection")
        if u in units
    ]
    newest: dict[int, tuple[int, object]] = {}
    last_day: dict[int, date] = {}
    for i, u, o, a, day in visits:
        if o == "completed":
            if u not in newest or i > newest[u][0]:
                newest[u] = (i, a)
            last_day[u] = max(last_day.get(u, day), day)
    import json

    answers = {u: json.loads(a) if isinstance(a, str) else a for u, (_i, a) in newest.items()}
    out["rates-inspected"] = len(answers)
    out["rates-fire"] = sum(a.get("F1") == "met" for a in answers.values())
    out["rates-registered"] = sum(
        a.get("S2") == "met" and a.get("S3") == "met" for a in answers.values()
    )
    cuts = CUTS[today]
    out["rates-stale"] = sum(
        u not in last_day or last_day[u] < cuts.get(r[3], cuts["weekly"])  # type: ignore[call-overload]
        for u, r in units.items()
    )
    out["visits-refused"] = sum(o == "refused" and month <= d <= end for _i, _u, o, _a, d in visits)
    out["visits-recent"] = sum(today - timedelta(days=27) <= d <= today for *_x, d in visits)
    out["planned"] = sum({3: 1, 2: 2}.get(r[3], 4) for r in units.values())
    ratings: dict[int, list[tuple[date, int, str]]] = {}
    for u, at, stars, status in q(
        "SELECT unit_id, rated_at, stars, status FROM rating ORDER BY id"
    ):
        if u in units:
            ratings.setdefault(u, []).append((_local(at), stars, status))

    def stars_on(u: int, day: date, strictly: bool = False) -> tuple[int, str] | None:
        got = [(s, st) for d, s, st in ratings.get(u, []) if (d < day if strictly else d <= day)]
        return got[-1] if got else None

    rising = falling = 0
    for u in units:
        before, after = stars_on(u, month, strictly=True), stars_on(u, end)
        if before and after:
            rising += after[0] > before[0]
            falling += after[0] < before[0]
    out["rising"], out["falling"] = rising, falling
    out["history"] = [
        dict(Counter(s[1] for u in units if (s := stars_on(u, _end(m))))) for m in _months(month)
    ]
    tasks = [
        (_day(due), status, inspector)
        for uid, due, status, inspector in q("SELECT unit_id, due, status, inspector_id FROM task")
        if uid in units and status != "cancelled" and month <= _day(due) <= end
    ]

    def late(due: date, status: str) -> bool:
        return status == "overdue" or (status == "open" and due < today)

    out["tasks-due"] = len(tasks)
    out["tasks-done"] = sum(s == "done" for _d, s, _i in tasks)
    out["tasks-overdue"] = sum(late(d, s) for d, s, _i in tasks)
    per: dict[int, list[int]] = {}
    for d, s, i in tasks:
        if i is not None:
            row = per.setdefault(i, [0, 0, 0])
            row[0] += 1
            row[1] += s == "done"
            row[2] += late(d, s)
    out["inspectors"] = {i: tuple(v) for i, v in per.items()}
    live = [
        (u, _day(d), v)
        for u, d, v in q(
            "SELECT unit_id, occurred_on, resident_victim FROM incident WHERE retracted_at IS NULL"
        )
        if u in units
    ]
    out["incidents-all"] = sum(month <= d <= end for _u, d, _v in live)
    out["incidents-victim"] = sum(month <= d <= end and bool(v) for _u, d, v in live)
    for m in _months(month):
        out[f"incidents-month-{m:%Y-%m}"] = sum(m <= d <= _end(m) for _u, d, _v in live)
    for (area,) in q("SELECT id FROM area"):
        out[f"incidents-area-{area}"] = sum(
            units[u][1] == area and month <= d <= end for u, d, _v in live
        )
    return out


def page(client, month: date) -> dict[str, object]:  # type: ignore[no-untyped-def]
    response = client.get(f"/dashboard/?month={month:%Y-%m}")
    assert response.status_code == 200, response.get_data(as_text=True)[:1000]
    html = response.get_data(as_text=True)
    got: dict[str, object] = {name: int(n) for name, _url, n in FIGURE.findall(html)}
    table = html.split('id="star-history"', 1)[1].split("</table>", 1)[0]
    got["history"] = [
        {
            s: int(n)
            for s, n in zip(STATES, re.findall(r"<td>(-?\d+)</td>", cells), strict=True)
            if int(n)
        }
        for cells in re.findall(r"<tr><th scope=\"row\">[\d-]+</th>(.*?)</tr>", table, re.S)
    ]
    inspectors = {}
    if 'id="inspectors"' in html:
        body = html.split('id="inspectors"', 1)[1].split("</table>", 1)[0]
        for row in re.findall(r"<tr><th scope=\"row\">.*?</tr>", body, re.S):
            links = re.findall(r'<a href="([^"]+)" class="figure-link">(\d+)</a>', row)
            who = int(re.search(r"inspector=(\d+)", unescape(links[0][0])).group(1))  # type: ignore[union-attr]
            inspectors[who] = tuple(int(n) for _u, n in links)
    got["inspectors"] = inspectors
    return got


def compare(client, session, month: date, today: date) -> None:  # type: ignore[no-untyped-def]
    want = expected(session, month, today)
    got = page(client, month)
    wrong = {k: (got.get(k), v) for k, v in want.items() if got.get(k) != v}
    assert not wrong, wrong


def kept_equals_rebuild(session) -> None:  # type: ignore[no-untyped-def]
    from rentals.dashboard import aggregates

    conn = session.connection()
    kept = aggregates.snapshot(conn)
    nested = conn.begin_nested()
    aggregates.rebuild(conn)
    rebuilt = aggregates.snapshot(conn)
    nested.rollback()
    for name in kept:
        assert kept[name] == rebuilt[name], (
            name,
            set(kept[name].items()) ^ set(rebuilt[name].items()),
        )


def _at(day: date, hour: int = 11) -> datetime:
    return datetime.combine(day, time(hour), TZ).astimezone(UTC)


def _visit(session, unit, inspector, day: date, key: str, outcome=Outcome.COMPLETED, failed=()):  # type: ignore[no-untyped-def]
    from rentals.inspections.services import record_inspection

    answers = all_answers() if outcome == Outcome.COMPLETED else {}
    for code in failed:
        answers[code] = "not_met"
    return record_inspection(
        session,
        unit=unit,
        inspector=inspector,
        client_key=key,
        answers=answers,
        vetoes=[],
        notes={},
        outcome=outcome.value,
        now=_at(day),
        reason="不配合" if outcome == Outcome.REFUSED else "",
    )


def test_kept_counts_follow_every_change_and_equal_a_rebuild(app, client, session, world):  # type: ignore[no-untyped-def]
    from rentals.incidents.models import IncidentKind
    from rentals.incidents.services import record_incident, retract_incident
    from rentals.tasks.services import plan

    seeded, admin, clock = world
    login(client, admin.username)
    jan = seeding.TODAY.replace(day=1)
    compare(client, session, jan, seeding.TODAY)
    kept_equals_rebuild(session)

    s, n = seeded.units["S"], seeded.units["N"]
    police = seeded.users["inspector_S"]
    kinds = {k.code: k for k in session.scalars(select(IncidentKind))}
    with app.app_context():
        # January: an all-met inspection (a rise for a lower unit, F1 now met), a failed F1,
        # a refusal, a no-access visit, the planner's tasks, incidents (one retracted).
        _visit(session, s[2], police, seeding.TODAY, "agg-1")
        _visit(session, s[3], police, seeding.TODAY, "agg-2", failed=("F1", "F2", "S2", "S3"))
        _visit(session, s[4], police, seeding.TODAY, "agg-3", outcome=Outcome.REFUSED)
        _visit(session, s[5], police, seeding.TODAY, "agg-4", outcome=Outcome.NO_ACCESS)
        assert plan(session, today=seeding.TODAY).created > 0
        record_incident(
            session,
            actor=police,
            unit=s[3],
            kind=kinds["theft"],
            occurred_on=seeding.TODAY,
            note="",
            resident_victim=True,
            today=seeding.TODAY,
        )
        wrong = record_incident(
            session,
            actor=police,
            unit=s[4],
            kind=kinds["noise"],
            occurred_on=date(2026, 12, 30),
            note="",
            resident_victim=False,
            today=seeding.TODAY,
        )
        retract_incident(session, actor=police, incident=wrong, reason="登记有误")
        # A unit moves to the other area with its history; another is withdrawn.
        n[1].area_id = seeded.areas["S"].id
        n[2].status = "vacant"
        session.add_all([n[1], n[2]])
        session.commit()
    compare(client, session, jan, seeding.TODAY)
    kept_equals_rebuild(session)

    # The month rolls over: February's visits, tasks and incidents; January stays as it was.
    clock["today"] = FEB
    with app.app_context():
        _visit(session, s[1], police, FEB, "agg-5", failed=("S3", "M1"))
        _visit(session, n[1], police, FEB, "agg-6")
        assert plan(session, today=FEB).created > 0
        record_incident(
            session,
            actor=police,
            unit=s[0],
            kind=kinds["dispute"],
            occurred_on=FEB,
            note="",
            resident_victim=False,
            today=FEB,
        )
        n[2].status = "active"  # back in the register, history and all
        session.add(n[2])
        session.commit()
    compare(client, session, FEB.replace(day=1), FEB)
    compare(client, session, jan, FEB)
    kept_equals_rebuild(session)


def test_rebuild_command_is_idempotent_and_check_finds_a_broken_count(app, session, world):  # type: ignore[no-untyped-def]
    from sqlalchemy import update

    from rentals.cli import main
    from rentals.dashboard.models import DashboardMonth

    runner = app.test_cli_runner()
    for _ in range(2):
        result = runner.invoke(main, ["dashboard", "rebuild"], catch_exceptions=False)
        assert result.exit_code == 0, result.output
    assert "0 units' last inspection corrected" in result.output
    assert runner.invoke(main, ["dashboard", "rebuild", "--check"]).exit_code == 0
    session.execute(update(DashboardMonth).values(n=DashboardMonth.n + 1))
    session.commit()
    result = runner.invoke(main, ["dashboard", "rebuild", "--check"])
    assert result.exit_code == 1 and "dashboard_month" in result.output


def test_the_first_upgrade_with_the_aggregates_fills_them_once(app, session, world):  # type: ignore[no-untyped-def]
    """An installation older than the kept counts gets them from ``rentals db upgrade``;
    an upgrade of one that has them leaves them alone."""
    from sqlalchemy import delete

    from rentals.cli import main
    from rentals.dashboard import aggregates
    from rentals.dashboard.models import DashboardMonth, DashboardTask, DashboardUnits

    kept = aggregates.snapshot(session.connection())
    assert kept["dashboard_units"], "the world's units are counted as they are made"
    for model in (DashboardUnits, DashboardMonth, DashboardTask):
        session.execute(delete(model))
    session.commit()
    runner = app.test_cli_runner()
    first = runner.invoke(main, ["db", "upgrade"], catch_exceptions=False)
    assert first.exit_code == 0 and "Dashboard counts filled" in first.output, first.output
    session.expire_all()
    assert aggregates.snapshot(session.connection()) == kept
    again = runner.invoke(main, ["db", "upgrade"], catch_exceptions=False)
    assert again.exit_code == 0 and "Dashboard counts filled" not in again.output


def _check_command(app) -> None:  # type: ignore[no-untyped-def]
    from rentals.cli import main

    result = app.test_cli_runner().invoke(main, ["dashboard", "rebuild", "--check"])
    assert result.exit_code == 0, result.output


def _task_counts(session) -> Counter:  # type: ignore[no-untyped-def]
    """dashboard_task as it should be, counted here over plain SQL rows."""
    rows = session.execute(
        text(
            "SELECT u.area_id, t.inspector_id, t.due, t.status FROM task t "
            "JOIN unit u ON u.id = t.unit_id WHERE u.status = 'active'"
        )
    ).all()
    out: Counter = Counter()
    for area, inspector, due, status in rows:
        if status != "cancelled":
            out[(area, inspector or 0, _day(due), status == "done")] += 1
    return out


def _kept_tasks(session) -> Counter:  # type: ignore[no-untyped-def]
    rows = session.execute(
        text("SELECT area_id, inspector_id, due, done, n FROM dashboard_task WHERE n != 0")
    ).all()
    return Counter({(a, i, _day(d), bool(k)): n for a, i, d, k, n in rows})


def test_task_counts_follow_a_set_based_first_plan_and_each_later_change(  # type: ignore[no-untyped-def]
    app, session, world, monkeypatch
):
    """The set-based planner's INSERT … SELECT is counted (SQLite: a trigger a row;
    PostgreSQL: the statement-level triggers, one grouped upsert a statement); tasks done,
    cancelled, reassigned and the daily plan keep the counts, against a count here and a
    rebuild."""
    from rentals.tasks import services
    from rentals.tasks.models import Task

    seeded, admin, _clock = world
    s_area, n_area = seeded.areas["S"], seeded.areas["N"]
    with app.app_context():
        # Units nobody has planned yet, in both areas (one withdrawn: planned for nothing).
        fresh = [factories.make_unit(session, area) for area in (s_area, n_area) * 4]
        fresh[-1].status = "vacant"
        session.add(fresh[-1])
        session.commit()
        monkeypatch.setattr(services, "SET_BASED_UNITS", 0)
        first = services.plan(session, today=seeding.TODAY)
        session.commit()
        assert first.created >= 2 * 7, first
    assert _kept_tasks(session) == _task_counts(session)
    kept_equals_rebuild(session)
    _check_command(app)

    police = seeded.users["inspector_S"]
    with app.app_context():
        # The daily plan, a task done by a visit, a unit withdrawn (its tasks cancelled by
        # the plan), a task given to another inspector.
        services.plan(session, today=seeding.TODAY + timedelta(days=1))
        _visit(session, fresh[0], police, seeding.TODAY + timedelta(days=1), "mute-1")
        fresh[2].status = "vacant"
        session.add(fresh[2])
        session.commit()
        services.plan(session, today=seeding.TODAY + timedelta(days=1))
        other = factories.make_user(session, Role.INSPECTOR, areas=(s_area,))
        task = session.scalars(
            select(Task).where(Task.unit_id == fresh[4].id, Task.status == "open")
        ).first()
        services.reassign_task(session, actor=admin, task=task, inspector=other)
        done = session.scalars(
            select(Task).where(Task.unit_id == fresh[6].id, Task.status == "open")
        ).first()
        services.complete_task(session, task=done, inspection=None, now=_at(seeding.TODAY))
        session.commit()
        by_unit = {
            u.id: set(session.scalars(select(Task.status).where(Task.unit_id == u.id)))
            for u in (fresh[6], fresh[2])
        }
        assert "done" in by_unit[fresh[6].id] and "cancelled" in by_unit[fresh[2].id], by_unit
    assert _kept_tasks(session) == _task_counts(session)
    kept_equals_rebuild(session)
    _check_command(app)


def test_an_upgrade_fills_the_moves_of_counts_kept_before_them(app, session, world):  # type: ignore[no-untyped-def]
    """A database that kept its counts before ``dashboard_move`` existed gets the moves from
    ``rentals db upgrade`` (the risers' list must hold as many rows as the figure)."""
    from sqlalchemy import delete

    from rentals.cli import main
    from rentals.dashboard import aggregates
    from rentals.dashboard.models import DashboardMove

    kept = aggregates.snapshot(session.connection())
    assert kept["dashboard_move"], "the world's ratings rise and fall"
    session.execute(delete(DashboardMove))
    session.commit()
    result = app.test_cli_runner().invoke(main, ["db", "upgrade"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    session.expire_all()
    assert aggregates.snapshot(session.connection()) == kept
