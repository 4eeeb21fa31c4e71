"""The first start plans at once: right after `scripts/run.sh` the demo inspectors have work."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import func, select

from rentals import clock, create_app, db
from rentals.auth.models import User
from rentals.config import TestConfig
from rentals.db import build_engine
from rentals.migrate import upgrade
from rentals.scheduler import jobs, wiring
from rentals.tasks.models import Task
from rentals.tasks.services import due_tasks_for_inspector
from tests.conftest import fresh_database_url

#: 2026-12-04 16:30 UTC is 00:30 on 2026-12-05 in Lhasa; 15:30 UTC is 23:30 on the 4th.
AFTER_MIDNIGHT = datetime(2026, 12, 4, 16, 30, tzinfo=UTC)
BEFORE_MIDNIGHT = datetime(2026, 12, 4, 15, 30, tzinfo=UTC)


@pytest.fixture
def demo_app(tmp_path_factory, tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    """A fresh database with the demo community loaded, as `scripts/run.sh` leaves it."""
    from rentals.register import demo

    url = fresh_database_url(tmp_path_factory)
    engine = build_engine(url)
    upgrade(engine)
    engine.dispose()
    monkeypatch.setenv("RENTALS_INSTANCE_PATH", str(tmp_path / "instance"))
    app = create_app({"DATABASE_URL": url}, base=TestConfig)
    with app.app_context(), db.unit_of_work() as session:
        demo.seed(session, today=clock.today())
    yield app
    jobs._app = None
    db.engine_of(app).dispose()


def _police_tasks(app) -> list:  # type: ignore[no-untyped-def]
    with app.app_context(), db.unit_of_work(write=False) as session:
        police = session.exec(select(User).where(User.username == "police")).scalar_one()
        return due_tasks_for_inspector(session, user=police, today=clock.today(), limit=500)


def _task_count(app) -> int:  # type: ignore[no-untyped-def]
    with app.app_context(), db.unit_of_work(write=False) as session:
        return session.scalar(select(func.count()).select_from(Task))


def test_the_first_start_plans_and_a_second_start_plans_nothing_new(demo_app):
    assert _police_tasks(demo_app) == []  # the demo alone plans nothing
    assert jobs.plan_at_start(demo_app) is True
    due = _police_tasks(demo_app)
    assert due, "the demo inspector has no due visits after the first start"
    count = _task_count(demo_app)
    assert jobs.plan_at_start(demo_app) is False
    assert _task_count(demo_app) == count
    assert len(_police_tasks(demo_app)) == len(due)


def test_starting_the_scheduler_plans_before_it_runs(demo_app, monkeypatch):
    monkeypatch.setattr(BackgroundScheduler, "start", lambda self, *a, **k: None)
    wiring.start_background_scheduler(demo_app)
    assert _police_tasks(demo_app)


def test_a_run_yesterday_does_not_count_as_today(demo_app):
    with time_machine.travel(BEFORE_MIDNIGHT, tick=False):
        assert jobs.plan_at_start(demo_app) is True
        assert jobs.planned_today(demo_app) is True
    # An hour later it is the 5th in Lhasa (still the 4th in UTC): planning is due again.
    with time_machine.travel(AFTER_MIDNIGHT, tick=False):
        assert jobs.planned_today(demo_app) is False
        assert jobs.plan_at_start(demo_app) is True
    with time_machine.travel(AFTER_MIDNIGHT + timedelta(hours=20), tick=False):
        assert jobs.planned_today(demo_app) is True


def test_a_missed_stored_run_is_left_to_the_scheduler(demo_app):
    only_planning = {"plan_daily": wiring.JOBS["plan_daily"]}
    first = wiring.configure(BackgroundScheduler, demo_app, jobs=only_planning)
    first.start(paused=True)
    first.shutdown()
    # The stored 01:00 run was missed (the server was down): the scheduler catches it up.
    from tests.tasks.test_jobs import _move_stored_runs

    _move_stored_runs(demo_app, datetime.now(UTC) - timedelta(hours=3))
    again = wiring.configure(BackgroundScheduler, demo_app, jobs=only_planning)
    assert jobs.plan_at_start(demo_app, again) is False
    assert _task_count(demo_app) == 0
