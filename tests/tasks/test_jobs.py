"""The scheduler: persistent jobs with fixed ids, and one catch-up run after a long stop."""

from __future__ import annotations

import pickle
import time
from datetime import UTC, datetime, timedelta

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import func, select

from rentals import create_app, db
from rentals.audit.models import AuditEvent
from rentals.config import TestConfig
from rentals.db import build_engine
from rentals.migrate import upgrade
from rentals.scheduler import jobs, wiring
from tests.conftest import fresh_database_url

#: The jobs that touch only the database (the printing ones render PDFs).
DB_JOBS = {k: wiring.JOBS[k] for k in ("plan_daily", "mark_overdue_hourly")}


@pytest.fixture
def job_app(tmp_path_factory, tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    url = fresh_database_url(tmp_path_factory)
    engine = build_engine(url)
    upgrade(engine)
    engine.dispose()
    monkeypatch.setenv("RENTALS_INSTANCE_PATH", str(tmp_path / "instance"))
    app = create_app({"DATABASE_URL": url}, base=TestConfig)
    yield app
    jobs._app = None
    db.engine_of(app).dispose()


def _runs(app) -> dict[str, int]:  # type: ignore[no-untyped-def]
    with app.app_context(), db.unit_of_work(write=False) as session:
        rows = session.execute(
            select(AuditEvent.subject_id, func.count())
            .where(AuditEvent.action == "job.ran")
            .group_by(AuditEvent.subject_id)
        )
        return {row[0]: row[1] for row in rows}


def _work_the_queue(app) -> list[dict]:  # type: ignore[no-untyped-def]
    """Run every queued job as ``rentals worker`` would (the queue's own ``run``); return
    their results. The scheduler only queues heavy work."""
    from rentals import queue
    from rentals.queue.models import Job

    with app.app_context(), db.unit_of_work(write=False) as session:
        waiting = list(session.scalars(select(Job.id).where(Job.status == "queued")))
    results = []
    for job_id in waiting:
        queue.run(app, job_id)
        with app.app_context(), db.unit_of_work(write=False) as session:
            job = session.get(Job, job_id)
            assert job is not None and job.status == "done", job and job.error
            results.append(job.result)
    return results


def _wait_until(condition, timeout: float = 30.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the scheduler did not get there"
        time.sleep(0.05)


def _move_stored_runs(app, when: datetime) -> None:  # type: ignore[no-untyped-def]
    """Set every stored job's next run to ``when``, as a long stop leaves them."""
    from zoneinfo import ZoneInfo

    from rentals.tasks.models import apscheduler_jobs

    engine = db.engine_of(app)
    with engine.begin() as conn:
        for job_id, blob in conn.execute(
            select(apscheduler_jobs.c.id, apscheduler_jobs.c.job_state)
        ).all():
            state = pickle.loads(blob)
            state["next_run_time"] = when.astimezone(ZoneInfo("Asia/Shanghai"))
            conn.execute(
                apscheduler_jobs.update()
                .where(apscheduler_jobs.c.id == job_id)
                .values(job_state=pickle.dumps(state), next_run_time=when.timestamp())
            )


def test_jobs_are_stored_with_fixed_ids_and_the_defaults(job_app):
    scheduler = wiring.configure(BackgroundScheduler, job_app)
    scheduler.start(paused=True)
    try:
        stored = {job.id: job for job in scheduler.get_jobs()}
    finally:
        scheduler.shutdown()
    assert set(stored) == set(wiring.JOBS)
    plan = stored["plan_daily"]
    assert plan.func_ref == "rentals.scheduler.jobs:plan_daily"
    assert (plan.coalesce, plan.max_instances) == (True, 1)
    assert plan.misfire_grace_time >= 3 * 24 * 3600
    assert str(plan.trigger.timezone) == "Asia/Shanghai"
    # A second start replaces, never duplicates.
    again = wiring.configure(BackgroundScheduler, job_app)
    again.start(paused=True)
    try:
        assert sorted(j.id for j in again.get_jobs()) == sorted(wiring.JOBS)
    finally:
        again.shutdown()


def test_a_scheduler_stopped_for_three_days_runs_each_job_once(job_app):
    # The last run of the server stored the jobs; then it was down for three days.
    first = wiring.configure(BackgroundScheduler, job_app, jobs=DB_JOBS)
    first.start(paused=True)
    first.shutdown()
    _move_stored_runs(job_app, datetime.now(UTC) - timedelta(days=3))

    restarted = wiring.configure(BackgroundScheduler, job_app, jobs=DB_JOBS)
    restarted.start()
    try:
        _wait_until(lambda: set(_runs(job_app)) == set(DB_JOBS))
        # Every stored job now waits for a future run: nothing more is due.
        _wait_until(lambda: all(j.next_run_time > datetime.now(UTC) for j in restarted.get_jobs()))
    finally:
        restarted.shutdown(wait=True)
    assert _runs(job_app) == {"plan_daily": 1, "mark_overdue_hourly": 1}


def test_printing_jobs_publish_the_blacklist_once_and_write_rosters(job_app):
    from pathlib import Path

    from rentals.incentives.models import BlacklistEdition
    from rentals.printing.models import ScheduledPrint
    from tests import factories
    from tests.printing.helpers import text

    with job_app.app_context(), db.unit_of_work() as session:
        area = factories.make_area(session, name="南区")
        unit = factories.make_unit(session, area)
        unit.stars = 1
        session.flush()
        area_id = area.id
    jobs._app = job_app
    jobs.plan_daily()
    jobs.publish_blacklist_monthly()
    jobs.publish_blacklist_monthly()
    jobs.print_rosters_weekly()
    with job_app.app_context(), db.unit_of_work(write=False) as session:
        assert session.scalar(select(func.count()).select_from(BlacklistEdition)) == 1
        assert session.scalar(select(func.count()).select_from(ScheduledPrint)) == 0  # queued
    assert _work_the_queue(job_app) == [{"what": "rosters", "kept": 1}]
    jobs.print_rosters_weekly()  # a rerun in the same week renders nothing more
    assert _work_the_queue(job_app) == [{"what": "rosters", "kept": 0}]
    with job_app.app_context(), db.unit_of_work(write=False) as session:
        rosters = session.scalars(select(ScheduledPrint).where(ScheduledPrint.kind == "roster"))
        [roster] = [(r.area_id, r.week.weekday(), bytes(r.pdf or b"")) for r in rosters]
    assert roster[0] == area_id and roster[1] == 0 and roster[2].startswith(b"%PDF")
    assert "南区" in text(roster[2])
    assert not list(Path(job_app.instance_path).rglob("*.pdf"))  # nothing on this node's disk
    assert _runs(job_app) == {
        "plan_daily": 1,
        "publish_blacklist_monthly": 2,
        "print_rosters_weekly": 2,
    }


def test_serve_starts_the_scheduler_unless_told_not_to(job_app, monkeypatch):
    from click.testing import CliRunner

    from rentals import cli

    started: list[object] = []
    monkeypatch.setattr("werkzeug.serving.run_simple", lambda *a, **k: None)
    monkeypatch.setattr(wiring, "start_background_scheduler", started.append)
    monkeypatch.setattr("rentals.config.Config.SCHEDULER_ENABLED", True)
    monkeypatch.setattr("rentals.config.Config.DATABASE_URL", job_app.config["DATABASE_URL"])
    runner = CliRunner()
    assert runner.invoke(cli.main, ["serve", "--no-scheduler"]).exit_code == 0
    assert started == []
    result = runner.invoke(cli.main, ["serve"])
    assert result.exit_code == 0, result.output
    assert len(started) == 1


def test_weekly_plaque_batch_is_a_preview_written_once_and_listed_on_the_print_page(job_app):
    from pathlib import Path

    from rentals.printing.models import Plaque, ScheduledPrint
    from rentals.register.models import Community
    from tests import factories
    from tests.conftest import login
    from tests.printing.helpers import pages, text

    with job_app.app_context(), db.unit_of_work() as session:
        area = factories.make_area(session, name="北区")
        changed = factories.make_unit(session, area, code="CH-00001")
        changed.stars, changed.rating_status = 3, "three"
        same = factories.make_unit(session, area, code="SM-00001")
        same.stars, same.rating_status = 2, "two"
        session.flush()
        session.add(
            Plaque(
                unit_id=same.id,
                serial="SAME-0000-0001",
                stars=2,
                rating_status="two",
                valid_until=datetime(2027, 12, 31).date(),
            )
        )
        community = session.get(Community, area.community_id)
        factories.make_user(session, "manager", username="batchboss", communities=(community,))
    jobs._app = job_app
    jobs.prepare_plaques_weekly()
    assert _work_the_queue(job_app) == [{"what": "plaques", "kept": 1}]
    with job_app.app_context(), db.unit_of_work(write=False) as session:
        [batch] = session.scalars(select(ScheduledPrint).where(ScheduledPrint.kind == "plaques"))
        first, first_id = bytes(batch.pdf or b""), batch.id
        assert batch.units == ["CH-00001"] and batch.week.weekday() == 0
    assert pages(first) == 1
    body = text(first)
    assert "CH-00001" in body and "SM-00001" not in body and "样张" in body
    jobs.prepare_plaques_weekly()  # same week: nothing rewritten
    assert _work_the_queue(job_app) == [{"what": "plaques", "kept": 0}]
    with job_app.app_context(), db.unit_of_work(write=False) as session:
        [again] = session.scalars(select(ScheduledPrint).where(ScheduledPrint.kind == "plaques"))
        assert (again.id, bytes(again.pdf or b"")) == (first_id, first)
    assert not (Path(job_app.instance_path) / "prints").exists()
    with job_app.app_context(), db.unit_of_work(write=False) as session:
        # A preview issues nothing and retires nothing.
        assert session.scalar(select(func.count()).select_from(Plaque)) == 1
    assert _runs(job_app)["prepare_plaques_weekly"] == 2
    client = job_app.test_client()
    login(client, "batchboss")
    page = client.get("/print").get_data(as_text=True)
    assert 'id="plaque-batch"' in page and "CH-00001" in page and "SM-00001" not in page
    # The manager prints the batch for real from the page: serials issued there.
    import re

    form = page[page.index('id="plaque-batch"') :]
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form)[:4])
    response = client.post("/print/plaques", data=fields)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "CH-00001" in text(response.data) and "样张" not in text(response.data)
    with job_app.app_context(), db.unit_of_work(write=False) as session:
        assert session.scalar(select(func.count()).select_from(Plaque)) == 2


def _rename_stored_functions(app, old_prefix: str, extra_id: str | None = None) -> None:  # type: ignore[no-untyped-def]
    """Make the stored rows name their functions as an older release did."""
    from rentals.tasks.models import apscheduler_jobs

    engine = db.engine_of(app)
    with engine.begin() as conn:
        rows = conn.execute(select(apscheduler_jobs.c.id, apscheduler_jobs.c.job_state)).all()
        for job_id, blob in rows:
            state = pickle.loads(blob)
            state["func"] = old_prefix + state["func"].split(":", 1)[1]
            conn.execute(
                apscheduler_jobs.update()
                .where(apscheduler_jobs.c.id == job_id)
                .values(job_state=pickle.dumps(state))
            )
        if extra_id:
            job_id, blob = rows[0]
            state = pickle.loads(blob)
            state.update(id=extra_id, func=old_prefix + "retired_job")
            conn.execute(
                apscheduler_jobs.insert().values(
                    id=extra_id, next_run_time=None, job_state=pickle.dumps(state)
                )
            )


def test_a_job_store_naming_the_old_schedules_jobs_module_still_starts_and_catches_up(job_app):
    """Rows written before the jobs moved to rentals.scheduler (``schedules.jobs:…``):
    the scheduler starts, each missed job still runs once, and the rows are rewritten."""
    from rentals.tasks.models import apscheduler_jobs

    first = wiring.configure(BackgroundScheduler, job_app, jobs=DB_JOBS)
    first.start(paused=True)
    first.shutdown()
    _move_stored_runs(job_app, datetime.now(UTC) - timedelta(days=3))
    _rename_stored_functions(job_app, "schedules.jobs:", extra_id="retired_job")
    with db.engine_of(job_app).connect() as conn:
        states = [pickle.loads(b) for b in conn.scalars(select(apscheduler_jobs.c.job_state))]
    assert {s["func"].split(":")[0] for s in states} == {"schedules.jobs"}
    assert len(states) == 3

    restarted = wiring.configure(BackgroundScheduler, job_app, jobs=DB_JOBS)
    restarted.start()
    try:
        _wait_until(lambda: set(_runs(job_app)) == set(DB_JOBS))
        _wait_until(lambda: all(j.next_run_time > datetime.now(UTC) for j in restarted.get_jobs()))
        refs = sorted(j.func_ref for j in restarted.get_jobs())
    finally:
        restarted.shutdown(wait=True)
    assert _runs(job_app) == {"plan_daily": 1, "mark_overdue_hourly": 1}
    assert refs == [
        "rentals.scheduler.jobs:mark_overdue_hourly",
        "rentals.scheduler.jobs:plan_daily",
    ]
    with db.engine_of(job_app).connect() as conn:
        stored = {
            job_id: pickle.loads(blob)["func"]
            for job_id, blob in conn.execute(
                select(apscheduler_jobs.c.id, apscheduler_jobs.c.job_state)
            )
        }
    assert stored == {
        "plan_daily": "rentals.scheduler.jobs:plan_daily",
        "mark_overdue_hourly": "rentals.scheduler.jobs:mark_overdue_hourly",
    }


def test_the_full_job_list_starts_on_a_store_of_old_references(job_app):
    first = wiring.configure(BackgroundScheduler, job_app)
    first.start(paused=True)
    first.shutdown()
    _rename_stored_functions(job_app, "schedules.jobs:")
    again = wiring.configure(BackgroundScheduler, job_app)
    again.start(paused=True)
    try:
        refs = {j.id: j.func_ref for j in again.get_jobs()}
    finally:
        again.shutdown()
    assert refs == {k: v[0] for k, v in wiring.JOBS.items()}
    assert all(ref.startswith("rentals.scheduler.jobs:") for ref in refs.values())
