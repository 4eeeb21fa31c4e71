"""Scheduled jobs (APScheduler 3): the only module of ``schedules`` that imports ``rentals``.

One scheduler per deployment: inside ``rentals serve`` on a single machine
(``BackgroundScheduler``) or as its own process, ``rentals scheduler``
(``BlockingScheduler``), when gunicorn runs several web workers (they start none).
Jobs live in a persistent SQLAlchemy job store (table ``apscheduler_jobs``, created by
migration 0004), are added with fixed ids and textual references, and coalesce: a
scheduler that was down for three days runs each job once when it comes back.
Correctness never rests on the scheduler: every job is idempotent by unique keys.

Each job opens an app context and a unit of work, calls one service, logs one line.
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from flask import Flask

log = logging.getLogger(__name__)

#: A job missed by up to this long still runs (once, coalesced) when the scheduler
#: starts again; a week covers a long holiday shutdown.
MISFIRE_GRACE = int(timedelta(days=7).total_seconds())
JOB_DEFAULTS = {"coalesce": True, "max_instances": 1, "misfire_grace_time": MISFIRE_GRACE}

#: The app every job runs in; set by ``configure``. A job started by a scheduler in
#: another process (``rentals scheduler``) builds its own app on first use.
_app: Flask | None = None


def _the_app() -> Flask:
    global _app
    if _app is None:
        from rentals import create_app

        _app = create_app()
    return _app


def _now() -> datetime:
    from rentals import clock

    return clock.now()


def _today(app: Flask) -> date:
    from rentals import clock

    with app.app_context():
        return clock.today()


# --- the jobs (module-level functions, referenced by text) -------------------------


def _run(job_id: str, work: Any) -> None:
    """One job run: an app context, one unit of work, its audit note, one log line."""
    from rentals import db

    app = _the_app()
    with app.app_context(), db.unit_of_work() as session:
        today = _today(app)
        result = work(session, app, today)
        _note(session, job_id)
    log.info("job %s %s: %s", job_id, today, result)


def plan_daily() -> None:
    """Plan the tasks of the current and next periods for every unit."""
    from rentals.tasks import services

    _run("plan_daily", lambda session, _app, today: services.plan(session, today=today))


def mark_overdue_hourly() -> None:
    """Open tasks whose period has ended become overdue."""
    from rentals.tasks import services

    _run(
        "mark_overdue_hourly",
        lambda session, _app, today: services.mark_overdue(session, today=today),
    )


def publish_blacklist_monthly() -> None:
    """Publish the month's blacklist edition (once per month; a rerun returns it)."""
    from rentals.incentives.blacklist import publish_blacklist

    def work(session: Any, app: Flask, today: Any) -> str:
        return publish_blacklist(session, month=f"{today:%Y-%m}", now=_now()).month

    _run("publish_blacklist_monthly", work)


def sweep_points_daily() -> None:
    """Write the points (积分) of the events found since the last run (each entry once)."""
    from rentals.incentives.points import sweep_points

    _run("sweep_points_daily", lambda session, _app, today: sweep_points(session, today=today))


def print_rosters_weekly() -> None:
    """Render next week's roster of every area into ``instance/prints/scheduled/``."""
    from sqlmodel import select

    from rentals import db
    from rentals.printing.documents import print_roster
    from rentals.register.models import Area

    app = _the_app()
    with app.app_context(), db.unit_of_work(write=False) as session:
        today = _today(app)
        start = today + timedelta(days=7 - today.weekday())
        end = start + timedelta(days=6)
        folder = _scheduled_prints(app)
        names = list(session.exec(select(Area.name).order_by(Area.id)))
        for name in names:
            result = print_roster(
                session, area=name, start=start, end=end, inspector=None, printed=today
            )
            (folder / f"roster-{start:%Y-%m-%d}-{name}.pdf").write_bytes(result.pdf)
    with app.app_context(), db.unit_of_work() as session:
        _note(session, "print_rosters_weekly")
    log.info("job print_rosters_weekly: %d rosters for the week of %s", len(names), start)


def prepare_plaques_weekly() -> None:
    """Prepare the week's preview batch of the plaques whose rating changed.

    Writes ``plaques-<Monday>.pdf`` (样张, no serials: nothing is issued or retired) and
    ``plaques-<Monday>.json`` (the unit codes the print page lists) into
    ``instance/prints/scheduled/``, once a week: a rerun in the same week keeps them.
    """
    import json

    from rentals.printing.documents import preview_changed_plaques

    def work(session: Any, app: Flask, today: date) -> str:
        monday = today - timedelta(days=today.weekday())
        folder = _scheduled_prints(app)
        listing = folder / f"plaques-{monday:%Y-%m-%d}.json"
        if listing.exists():
            return f"batch of the week of {monday} already prepared"
        result = preview_changed_plaques(session, today=today)
        if result.pdf:
            pdf = folder / f"plaques-{monday:%Y-%m-%d}.pdf"
            tmp = pdf.with_suffix(".pdf.tmp")
            tmp.write_bytes(result.pdf)
            tmp.replace(pdf)
        data = {"week": monday.isoformat(), "prepared": today.isoformat(), "units": result.issued}
        tmp = listing.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        tmp.replace(listing)
        return f"{len(result.issued)} changed plaques for the week of {monday}"

    _run("prepare_plaques_weekly", work)


def queue_messages() -> None:
    """Queue the messages the day calls for, hourly in the day (visits due, order
    deadlines, notices, decisions, declarations to confirm); their keys make every rerun
    queue nothing more."""
    from rentals.messages import services

    _run(
        "queue_messages",
        lambda session, _app, today: services.queue_due_messages(session, today=today, now=_now()),
    )


def planned_today(app: Flask) -> bool:
    """Has the daily planning job run since local midnight (its ``job.ran`` audit row)?"""
    from sqlmodel import select

    from rentals import clock, db
    from rentals.audit.models import AuditEvent

    with app.app_context(), db.unit_of_work(write=False) as session:
        midnight = datetime.combine(clock.today(), time.min, tzinfo=clock.zone())
        row = session.exec(
            select(AuditEvent.id)
            .where(
                AuditEvent.action == "job.ran",
                AuditEvent.subject_type == "job",
                AuditEvent.subject_id == "plan_daily",
                AuditEvent.at >= midnight.astimezone(UTC),
            )
            .limit(1)
        ).first()
    return row is not None


def plan_at_start(app: Flask, scheduler: BaseScheduler | None = None) -> bool:
    """Run the daily planning now unless it ran today, so a first start shows due visits.

    Called by both schedulers before they start. Skipped too when the stored 01:00
    run was missed and the starting scheduler is about to catch it up. Planning is
    keyed by unique constraints, so a rerun creates nothing. Returns whether it planned.
    """
    global _app
    if planned_today(app):
        log.info("scheduler start: planning already ran today")
        return False
    stored = scheduler.get_job("plan_daily") if scheduler is not None else None
    missed = getattr(stored, "next_run_time", None)  # set only when kept from the store
    if missed is not None and missed <= _now():
        log.info("scheduler start: the missed planning run will catch up")
        return False
    _app = app
    plan_daily()
    return True


def _scheduled_prints(app: Flask):  # type: ignore[no-untyped-def]
    from pathlib import Path

    folder = Path(app.instance_path) / "prints" / "scheduled"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _note(session: Any, job_id: str) -> None:
    """One audit row per job run: the record operators and the catch-up test read."""
    from rentals.audit import services as audit

    audit.record(session, None, "job.ran", ("job", job_id), {})


#: id -> (textual reference, trigger, trigger arguments).
JOBS: dict[str, tuple[str, str, dict[str, Any]]] = {
    "plan_daily": ("schedules.jobs:plan_daily", "cron", {"hour": 1, "minute": 0}),
    "mark_overdue_hourly": ("schedules.jobs:mark_overdue_hourly", "cron", {"minute": 5}),
    "publish_blacklist_monthly": (
        "schedules.jobs:publish_blacklist_monthly",
        "cron",
        {"day": 1, "hour": 6, "minute": 0},
    ),
    "sweep_points_daily": ("schedules.jobs:sweep_points_daily", "cron", {"hour": 2, "minute": 0}),
    "print_rosters_weekly": (
        "schedules.jobs:print_rosters_weekly",
        "cron",
        {"day_of_week": "fri", "hour": 18, "minute": 0},
    ),
    "prepare_plaques_weekly": (
        "schedules.jobs:prepare_plaques_weekly",
        "cron",
        {"day_of_week": "mon", "hour": 5, "minute": 30},
    ),
    # Messages go out in the day: at 08:15 the day's reminders, then each hour until
    # 20:15 what happened since (the keys keep each message to one).
    "queue_messages": (
        "schedules.jobs:queue_messages",
        "cron",
        {"hour": "8-20", "minute": 15},
    ),
}


# --- building and starting ----------------------------------------------------------


def configure(
    scheduler_class: type[BaseScheduler], app: Flask, *, jobs: dict[str, Any] | None = None
) -> BaseScheduler:
    """A scheduler on the app's database job store, with the product's jobs added.

    A job already stored with the same function and trigger keeps its stored
    ``next_run_time``: ``replace_existing`` alone would reset it to the next future
    fire time, and a scheduler that was down for three days would silently skip the
    runs it missed instead of catching up once (coalesced) on start.
    """
    global _app
    from rentals import clock, db

    _app = app
    with app.app_context():
        timezone = clock.zone_name()
    engine = db.engine_of(app)
    store = SQLAlchemyJobStore(engine=engine, tablename="apscheduler_jobs")
    scheduler = scheduler_class(
        jobstores={"default": store}, job_defaults=JOB_DEFAULTS, timezone=timezone
    )
    stored = _stored_states(engine)
    wanted = JOBS if jobs is None else jobs
    for job_id, (func, trigger_name, args) in wanted.items():
        if trigger_name != "cron":
            raise ValueError(f"job {job_id}: only cron triggers are declared here")
        trigger = CronTrigger(timezone=timezone, **args)
        extra: dict[str, Any] = {}
        state = stored.get(job_id)
        if state and state.get("func") == func and repr(state.get("trigger")) == repr(trigger):
            extra["next_run_time"] = state.get("next_run_time")
        scheduler.add_job(func, trigger, id=job_id, replace_existing=True, **extra)
    return scheduler


def _stored_states(engine: Any) -> dict[str, dict[str, Any]]:
    """The job store's rows as APScheduler pickled them (our own table, our own jobs)."""
    import pickle

    from sqlalchemy import select

    from rentals.tasks.models import apscheduler_jobs

    states: dict[str, dict[str, Any]] = {}
    with engine.connect() as conn:
        for job_id, blob in conn.execute(
            select(apscheduler_jobs.c.id, apscheduler_jobs.c.job_state)
        ):
            try:
                states[job_id] = pickle.loads(blob)  # noqa: S301  (written by our scheduler)
            except (pickle.UnpicklingError, AttributeError, ImportError, EOFError, TypeError):
                # A job pickled by an older release: it is simply replaced.
                log.warning("scheduler: stored job %s cannot be read; replacing it", job_id)
    return states


def start_background_scheduler(app: Flask) -> BaseScheduler:
    """Start the jobs in a thread of this process (``rentals serve`` on one machine)."""
    scheduler = configure(BackgroundScheduler, app)
    plan_at_start(app, scheduler)
    scheduler.start()
    log.info("scheduler started in the web process (%d jobs)", len(scheduler.get_jobs()))
    return scheduler


def run_blocking_scheduler(app: Flask) -> None:
    """Run the jobs in this process until it is stopped (``rentals scheduler``)."""
    scheduler = configure(BlockingScheduler, app)
    plan_at_start(app, scheduler)
    log.info("scheduler process starting (%d jobs)", len(JOBS))
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        log.info("scheduler process stopping")
