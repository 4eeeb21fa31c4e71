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
from schedules import jobs
from tests.conftest import fresh_database_url

#: The jobs that touch only the database (the printing ones render PDFs).
DB_JOBS = {k: jobs.JOBS[k] for k in ("plan_daily", "mark_overdue_hourly")}


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
    scheduler = jobs.configure(BackgroundScheduler, job_app)
    scheduler.start(paused=True)
    try:
        stored = {job.id: job for job in scheduler.get_jobs()}
    finally:
        scheduler.shutdown()
    assert set(stored) == set(jobs.JOBS)
    plan = stored["plan_daily"]
    assert plan.func_ref == "schedules.jobs:plan_daily"
    assert (plan.coalesce, plan.max_instances) == (True, 1)
    assert plan.misfire_grace_time >= 3 * 24 * 3600
    assert str(plan.trigger.timezone) == "Asia/Shanghai"
    # A second start replaces, never duplicates.
    again = jobs.configure(BackgroundScheduler, job_app)
    again.start(paused=True)
    try:
        assert sorted(j.id for j in again.get_jobs()) == sorted(jobs.JOBS)
    finally:
        again.shutdown()


def test_a_scheduler_stopped_for_three_days_runs_each_job_once(job_app):
    # The last run of the server stored the jobs; then it was down for three days.
    first = jobs.configure(BackgroundScheduler, job_app, jobs=DB_JOBS)
    first.start(paused=True)
    first.shutdown()
    _move_stored_runs(job_app, datetime.now(UTC) - timedelta(days=3))

    restarted = jobs.configure(BackgroundScheduler, job_app, jobs=DB_JOBS)
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
    from tests import factories

    with job_app.app_context(), db.unit_of_work() as session:
        area = factories.make_area(session, name="南区")
        unit = factories.make_unit(session, area)
        unit.stars = 1
    jobs._app = job_app
    jobs.plan_daily()
    jobs.publish_blacklist_monthly()
    jobs.publish_blacklist_monthly()
    jobs.print_rosters_weekly()
    with job_app.app_context(), db.unit_of_work(write=False) as session:
        assert session.scalar(select(func.count()).select_from(BlacklistEdition)) == 1
    rosters = list((Path(job_app.instance_path) / "prints" / "scheduled").glob("roster-*.pdf"))
    assert len(rosters) == 1 and rosters[0].read_bytes().startswith(b"%PDF")
    assert _runs(job_app) == {
        "plan_daily": 1,
        "publish_blacklist_monthly": 2,
        "print_rosters_weekly": 1,
    }


def test_serve_starts_the_scheduler_unless_told_not_to(job_app, monkeypatch):
    from click.testing import CliRunner

    from rentals import cli

    started: list[object] = []
    monkeypatch.setattr("werkzeug.serving.run_simple", lambda *a, **k: None)
    monkeypatch.setattr(jobs, "start_background_scheduler", started.append)
    monkeypatch.setattr("rentals.config.Config.SCHEDULER_ENABLED", True)
    monkeypatch.setattr("rentals.config.Config.DATABASE_URL", job_app.config["DATABASE_URL"])
    runner = CliRunner()
    assert runner.invoke(cli.main, ["serve", "--no-scheduler"]).exit_code == 0
    assert started == []
    result = runner.invoke(cli.main, ["serve"])
    assert result.exit_code == 0, result.output
    assert len(started) == 1


def test_weekly_plaque_batch_is_a_preview_written_once_and_listed_on_the_print_page(job_app):
    import json
    from pathlib import Path

    from rentals.printing.models import Plaque
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
    folder = Path(job_app.instance_path) / "prints" / "scheduled"
    [pdf] = list(folder.glob("plaques-*.pdf"))
    first = pdf.read_bytes()
    assert pages(first) == 1
    body = text(first)
    assert "CH-00001" in body and "SM-00001" not in body and "样张" in body
    jobs.prepare_plaques_weekly()  # same week: nothing rewritten
    assert list(folder.glob("plaques-*.pdf")) == [pdf] and pdf.read_bytes() == first
    listing = json.loads(next(folder.glob("plaques-*.json")).read_text(encoding="utf-8"))
    assert listing["units"] == ["CH-00001"]
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
