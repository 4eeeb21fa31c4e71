"""The first plan of a city loads the empty ``task`` table in bulk (``rentals.tasks.bulk``).

Its secondary indexes, the dashboard's triggers and (PostgreSQL) its foreign keys are
dropped for the insert and made again from the catalogue after it. Held here: the schema
after a first plan, after a failed one and after two at once is the schema before it
(catalogue compared whole, and the models against it); the dashboard's task counts equal a
GROUP BY written here; a plan with tasks present keeps the row-by-row path; the triggers
made again count the later plans and changes.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import select, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

import rentals.models  # noqa: F401
from rentals import create_app, db
from rentals.auth.models import Role
from rentals.config import TestConfig
from rentals.dashboard import aggregates
from rentals.db import build_engine
from rentals.migrate import upgrade
from rentals.modelbase import metadata
from rentals.register.models import Area
from rentals.tasks import bulk, services
from rentals.tasks.models import Task
from tests import factories
from tests.conftest import fresh_database_url
from tests.tasks.synthetic import add_register

ROOT = Path(__file__).resolve().parents[2]
DAY = date(2027, 2, 3)  # a Wednesday; the next Monday starts a week for one-star units
UNITS = 400  # per area, two areas


# --- what the test knows independently of the product ----------------------------------


def schema(conn: Connection) -> set[tuple]:
    """Every index, constraint and trigger of the database, as the catalogue states it."""
    if conn.dialect.name == "sqlite":
        rows = conn.execute(text("SELECT type, name, tbl_name, sql FROM sqlite_master"))
        return {tuple(row) for row in rows}
    out: set[tuple] = set()
    for row in conn.execute(
        text(
            "SELECT 'index', tablename, indexname, indexdef FROM pg_indexes "
            "WHERE schemaname = 'public'"
        )
    ):
        out.add(tuple(row))
    for row in conn.execute(
        text(
            "SELECT 'constraint', conrelid::regclass::text, conname, pg_get_constraintdef(oid), "
            "convalidated, condeferrable FROM pg_constraint "
            "WHERE connamespace = 'public'::regnamespace"
        )
    ):
        out.add(tuple(row))
    for row in conn.execute(
        text(
            "SELECT 'trigger', tgrelid::regclass::text, tgname, pg_get_triggerdef(oid), tgenabled "
            "FROM pg_trigger WHERE NOT tgisinternal"
        )
    ):
        out.add(tuple(row))
    # A foreign key's own triggers are named by their OIDs: compared by what they are.
    internal = Counter(
        tuple(row)
        for row in conn.execute(
            text(
                "SELECT 'ri trigger', tgrelid::regclass::text, tgfoid::regproc::text, tgtype, "
                "tgenabled, tgconstraint IN (SELECT oid FROM pg_constraint) FROM pg_trigger "
                "WHERE tgisinternal"
            )
        )
    )
    out |= {(*key, n) for key, n in internal.items()}
    return out


def counted(conn: Connection) -> Counter:
    """dashboard_task as it should be: per area, inspector (0 for none), due date and done,
    the tasks not cancelled of active units, counted here in SQL."""
    rows = conn.execute(
        text(
            "SELECT u.area_id, coalesce(t.inspector_id, 0), t.due, "
            "CASE WHEN t.status = 'done' THEN 1 ELSE 0 END, count(*) FROM task t "
            "JOIN unit u ON u.id = t.unit_id WHERE u.status = 'active' "
            "AND t.status <> 'cancelled' GROUP BY 1, 2, 3, 4"
        )
    ).all()
    return Counter({(a, i, str(d), bool(k)): n for a, i, d, k, n in rows})


def kept(conn: Connection) -> Counter:
    rows = conn.execute(
        text("SELECT area_id, inspector_id, due, done, n FROM dashboard_task WHERE n <> 0")
    ).all()
    return Counter({(a, i, str(d), bool(k)): n for a, i, d, k, n in rows})


def models_match(conn: Connection) -> list:
    engine_only = ("unit_fts", "ix_unit_address_trgm")

    def modelled(obj, name, type_, reflected, compare_to):  # type: ignore[no-untyped-def]
        return not (name or "").startswith(engine_only)

    context = MigrationContext.configure(conn, opts={"include_object": modelled})
    return compare_metadata(context, metadata)


# --- a city of two areas in a database of its own ----------------------------------------


@pytest.fixture
def city(tmp_path_factory, tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    """A fresh database: two areas of ``UNITS`` active units, two inspectors each, no task."""
    url = fresh_database_url(tmp_path_factory)
    engine = build_engine(url)
    upgrade(engine)
    with engine.begin() as conn:
        areas = [add_register(conn, UNITS, prefix=p) for p in ("A", "B")]
    engine.dispose()
    monkeypatch.setenv("RENTALS_INSTANCE_PATH", str(tmp_path / "instance"))
    app = create_app({"DATABASE_URL": url}, base=TestConfig)
    with app.app_context(), db.unit_of_work() as session:
        for area_id in areas:
            area = session.get(Area, area_id)
            for _ in range(2):
                factories.make_user(session, Role.INSPECTOR, areas=(area,))
    monkeypatch.setattr(services, "SET_BASED_UNITS", 0)
    yield app, url
    db.engine_of(app).dispose()


@pytest.fixture
def loads(monkeypatch):  # type: ignore[no-untyped-def]
    """The bulk loads run (one entry each)."""
    calls: list[int] = []
    real = bulk.deferred_upkeep

    def spy(conn):  # type: ignore[no-untyped-def]
        calls.append(1)
        return real(conn)

    monkeypatch.setattr(bulk, "deferred_upkeep", spy)
    return calls


def _plan(app, day: date) -> services.PlanReport:  # type: ignore[no-untyped-def]
    with app.app_context(), db.unit_of_work() as session:
        return services.plan(session, today=day)


def _read(app, work):  # type: ignore[no-untyped-def]
    with app.app_context(), db.unit_of_work(write=False) as session:
        return work(session.connection())


def test_the_first_plan_loads_in_bulk_and_restores_the_schema(city, loads):
    app, url = city
    before = _read(app, schema)
    assert any("ix_task_live_due" in str(row) for row in before)

    report = _plan(app, DAY)

    assert loads == [1]
    assert report.created == 2 * 2 * UNITS
    assert _read(app, schema) == before
    assert _read(app, models_match) == []
    assert _read(app, counted) == _read(app, kept)
    assert sum(_read(app, kept).values()) == 2 * 2 * UNITS
    if url.startswith("postgresql"):
        # Column statistics for the loaded table, so that reads by unit use their index.
        distinct = _read(
            app,
            lambda conn: conn.exec_driver_sql(
                "SELECT n_distinct FROM pg_stats WHERE tablename = 'task' AND attname = 'unit_id'"
            ).scalar(),
        )
        assert distinct is not None and distinct < 0  # a share of the rows: a unit per two tasks
    # The foreign keys are back and checked: a task of no unit is refused.
    with (
        pytest.raises(Exception, match="(?i)foreign key"),
        app.app_context(),
        db.unit_of_work() as session,
    ):
        session.execute(
            text(
                "INSERT INTO task (unit_id, kind, period_key, start, due, status, "
                "created_at) VALUES (999999999, 'routine', 'x', '2027-02-01', "
                "'2027-02-28', 'open', '2027-02-01 00:00:00')"
            )
        )


def test_later_plans_take_the_row_by_row_path_and_are_counted(city, loads):
    app, _url = city
    _plan(app, DAY)
    assert _plan(app, DAY).created == 0
    monday = _plan(app, DAY + timedelta(days=5))  # the one-star units' next week
    assert monday.created > 0
    # A task done and one cancelled: the triggers made again count them.
    with app.app_context(), db.unit_of_work() as session:
        first, second = session.scalars(select(Task).order_by(Task.id).limit(2)).all()
        first.status = "done"
        second.status = "cancelled"
        session.add_all([first, second])
    assert loads == [1]
    assert _read(app, counted) == _read(app, kept)


def test_a_plan_with_tasks_present_keeps_todays_path(city, loads):
    app, _url = city
    with app.app_context(), db.unit_of_work() as session:
        unit_id = session.execute(text("SELECT min(id) FROM unit")).scalar_one()
        session.add(Task(unit_id=unit_id, kind="follow_up", period_key="F1", start=DAY, due=DAY))
    before = _read(app, schema)
    report = _plan(app, DAY)
    assert loads == []
    assert report.created == 2 * 2 * UNITS
    assert _read(app, schema) == before
    assert _read(app, counted) == _read(app, kept)


def _failing_recreate(monkeypatch):  # type: ignore[no-untyped-def]
    """The second thing to make again fails (after the insert and one index rebuilt)."""
    real = bulk.upkeep

    def broken(conn):  # type: ignore[no-untyped-def]
        items = real(conn)
        bad = bulk.Upkeep("index", "broken", "SELECT 1", "CREATE INDEX broken ON no_such_table (x)")
        return [items[0], bad, *items[1:]]

    monkeypatch.setattr(bulk, "upkeep", broken)


def _failing_count(monkeypatch):  # type: ignore[no-untyped-def]
    def broken(conn):  # type: ignore[no-untyped-def]
        raise RuntimeError("the dashboard count failed")

    monkeypatch.setattr(aggregates, "count_tasks", broken)


#: What the two failures raise: the database's refusal of the broken DDL, the count's error.
FAILURES = (DBAPIError, RuntimeError)


@pytest.mark.parametrize("failure", [_failing_recreate, _failing_count])
@pytest.mark.parametrize("caught", [False, True], ids=["raised", "caught-and-committed"])
def test_a_failed_first_plan_leaves_the_schema_as_it_was(city, loads, monkeypatch, failure, caught):
    """Whether the error ends the unit of work or a caller catches it and commits, the
    drops are undone with the rows: indexes, triggers and foreign keys as before, no task,
    no count."""
    app, _url = city
    before = _read(app, schema)
    failure(monkeypatch)
    if caught:
        failed = None
        with app.app_context(), db.unit_of_work() as session:
            try:
                services.plan(session, today=DAY)
            except FAILURES as err:  # the caller that swallows it
                failed = err
        assert failed is not None
    else:
        with pytest.raises(FAILURES), app.app_context(), db.unit_of_work() as session:
            services.plan(session, today=DAY)
    assert loads == [1]
    assert _read(app, schema) == before
    assert _read(app, lambda c: c.execute(text("SELECT count(*) FROM task")).scalar_one()) == 0
    assert _read(app, kept) == Counter()
    monkeypatch.undo()
    monkeypatch.setattr(services, "SET_BASED_UNITS", 0)
    assert _plan(app, DAY).created == 2 * 2 * UNITS  # and the next run does the work
    assert _read(app, schema) == before
    assert _read(app, counted) == _read(app, kept)


def _planner(url: str, **env: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.tasks.planner_proc", url, DAY.isoformat()],
        cwd=ROOT,
        env={**os.environ, "PLAN_SET_BASED_UNITS": "0", **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _created(out: str) -> int:
    return int(out.split("created=")[1].split()[0])


def test_two_first_plans_at_once_plan_once_without_deadlock(city):
    """One planner holds its drops (paused after its insert); a second starts then, and a
    third with it: the first plans everything, the others wait and find nothing to do."""
    app, url = city
    before = _read(app, schema)
    first = _planner(url, PLAN_BULK_PAUSE="3")
    assert first.stderr is not None
    for line in first.stderr:
        if "bulk load paused" in line:
            break
    else:
        pytest.fail("the first planner never reached its bulk load: " + str(first.wait()))
    others = [_planner(url), _planner(url, PLAN_BULK_PAUSE="3")]
    time.sleep(0.5)
    rest = first.stderr.read()
    out = first.stdout.read()  # type: ignore[union-attr]
    assert first.wait(timeout=120) == 0, rest[-2000:]
    results = [p.communicate(timeout=120) for p in others]
    assert [p.returncode for p in others] == [0, 0], [err[-2000:] for _o, err in results]
    assert _created(out) == 2 * 2 * UNITS
    assert [_created(o) for o, _e in results] == [0, 0]
    assert all("bulk load paused" not in err for _o, err in results)
    total, duplicated = _read(
        app,
        lambda c: (
            c.execute(text("SELECT count(*) FROM task")).scalar_one(),
            c.execute(
                text(
                    "SELECT count(*) FROM (SELECT unit_id, kind, period_key FROM task "
                    "GROUP BY unit_id, kind, period_key HAVING count(*) > 1) AS d"
                )
            ).scalar_one(),
        ),
    )
    assert (total, duplicated) == (2 * 2 * UNITS, 0)
    assert _read(app, schema) == before
    assert _read(app, counted) == _read(app, kept)


def test_planners_started_together_on_an_empty_table(city):
    """Each pauses just before it would lock ``task`` for the drops, so without the
    planner's lock all would have read ``task`` by then and deadlock on the drops."""
    app, url = city
    before = _read(app, schema)
    planners = [_planner(url, PLAN_LOCK_PAUSE="2") for _ in range(3)]
    results = [p.communicate(timeout=180) for p in planners]
    assert [p.returncode for p in planners] == [0, 0, 0], [e[-2000:] for _o, e in results]
    assert sorted(_created(o) for o, _e in results) == [0, 0, 2 * 2 * UNITS]
    assert sum("deferred; load" in e for _o, e in results) == 1
    assert _read(app, schema) == before
    assert _read(app, counted) == _read(app, kept)
