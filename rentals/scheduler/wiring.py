"""The APScheduler 3 wiring: one scheduler per deployment, its jobs in the database.

Inside ``rentals serve`` on a single machine (``BackgroundScheduler``) or as its own
process, ``rentals scheduler`` (``BlockingScheduler``), when gunicorn runs several web
workers (they start none). Jobs live in a persistent SQLAlchemy job store (table
``apscheduler_jobs``, migration 0004), are added with fixed ids and textual references,
and coalesce: a scheduler that was down for three days runs each job once when it
comes back.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from flask import Flask

from rentals import clock, db
from rentals.scheduler import jobs as job_functions
from rentals.tasks.models import apscheduler_jobs

log = logging.getLogger(__name__)

#: A job missed by up to this long still runs (once, coalesced) when the scheduler
#: starts again; a week covers a long holiday shutdown.
MISFIRE_GRACE = int(timedelta(days=7).total_seconds())
JOB_DEFAULTS = {"coalesce": True, "max_instances": 1, "misfire_grace_time": MISFIRE_GRACE}

#: Where the job functions lived before issue 17: a stored row naming one of them is the
#: same job (its missed run still catches up), replaced by the new reference.
OLD_MODULE = "schedules.jobs:"
MODULE = "rentals.scheduler.jobs:"

#: id -> (textual reference, trigger, trigger arguments).
JOBS: dict[str, tuple[str, str, dict[str, Any]]] = {
    "plan_daily": ("rentals.scheduler.jobs:plan_daily", "cron", {"hour": 1, "minute": 0}),
    "mark_overdue_hourly": ("rentals.scheduler.jobs:mark_overdue_hourly", "cron", {"minute": 5}),
    "publish_blacklist_monthly": (
        "rentals.scheduler.jobs:publish_blacklist_monthly",
        "cron",
        {"day": 1, "hour": 6, "minute": 0},
    ),
    "sweep_points_daily": (
        "rentals.scheduler.jobs:sweep_points_daily",
        "cron",
        {"hour": 2, "minute": 0},
    ),
    "print_rosters_weekly": (
        "rentals.scheduler.jobs:print_rosters_weekly",
        "cron",
        {"day_of_week": "fri", "hour": 18, "minute": 0},
    ),
    "prepare_plaques_weekly": (
        "rentals.scheduler.jobs:prepare_plaques_weekly",
        "cron",
        {"day_of_week": "mon", "hour": 5, "minute": 30},
    ),
    # Messages go out in the day: at 08:15 the day's reminders, then each hour until
    # 20:15 what happened since (the keys keep each message to one).
    "queue_messages": (
        "rentals.scheduler.jobs:queue_messages",
        "cron",
        {"hour": "8-20", "minute": 15},
    ),
}


def configure(
    scheduler_class: type[BaseScheduler], app: Flask, *, jobs: dict[str, Any] | None = None
) -> BaseScheduler:
    """A scheduler on the app's database job store, with the product's jobs added.

    A job already stored with the same function and trigger keeps its stored
    ``next_run_time``: ``replace_existing`` alone would reset it to the next future
    fire time, and a scheduler that was down for three days would silently skip the
    runs it missed instead of catching up once (coalesced) on start. A stored job that
    names its function by the old path (``schedules.jobs:…``) is the same job: it keeps
    its next run too and is stored again under the new path; an old row of a job not
    added here is removed (APScheduler could not import its function).
    """
    job_functions._app = app
    with app.app_context():
        timezone = clock.zone_name()
    engine = db.engine_of(app)
    store = SQLAlchemyJobStore(engine=engine, tablename="apscheduler_jobs")
    scheduler = scheduler_class(
        jobstores={"default": store}, job_defaults=JOB_DEFAULTS, timezone=timezone
    )
    stored = _stored_states(engine)
    wanted = JOBS if jobs is None else jobs
    _forget_old(engine, [k for k, v in stored.items() if _is_old(v) and k not in wanted])
    for job_id, (func, trigger_name, args) in wanted.items():
        if trigger_name != "cron":
            raise ValueError(f"job {job_id}: only cron triggers are declared here")
        trigger = CronTrigger(timezone=timezone, **args)
        extra: dict[str, Any] = {}
        state = stored.get(job_id)
        stored_func = _current_ref(state.get("func")) if state else None
        if state and stored_func == func and repr(state.get("trigger")) == repr(trigger):
            extra["next_run_time"] = state.get("next_run_time")
        scheduler.add_job(func, trigger, id=job_id, replace_existing=True, **extra)
    return scheduler


def _current_ref(ref: Any) -> Any:
    if isinstance(ref, str) and ref.startswith(OLD_MODULE):
        return MODULE + ref[len(OLD_MODULE) :]
    return ref


def _is_old(state: dict[str, Any]) -> bool:
    return str(state.get("func", "")).startswith(OLD_MODULE)


def _forget_old(engine: Any, job_ids: list[str]) -> None:
    if job_ids:
        with engine.begin() as conn:
            conn.execute(apscheduler_jobs.delete().where(apscheduler_jobs.c.id.in_(job_ids)))
        log.info("scheduler: removed %d job(s) stored under schedules.jobs", len(job_ids))


def _stored_states(engine: Any) -> dict[str, dict[str, Any]]:
    """The job store's rows as APScheduler pickled them (our own table, our own jobs)."""
    import pickle

    from sqlalchemy import select

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
    job_functions.plan_at_start(app, scheduler)
    scheduler.start()
    log.info("scheduler started in the web process (%d jobs)", len(scheduler.get_jobs()))
    return scheduler


def run_blocking_scheduler(app: Flask) -> None:
    """Run the jobs in this process until it is stopped (``rentals scheduler``)."""
    scheduler = configure(BlockingScheduler, app)
    job_functions.plan_at_start(app, scheduler)
    log.info("scheduler process starting (%d jobs)", len(JOBS))
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        log.info("scheduler process stopping")
