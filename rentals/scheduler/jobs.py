"""The scheduled jobs: module-level functions the job store names by text
(``rentals.scheduler.jobs:plan_daily``); ``rentals.scheduler.wiring`` adds them.

Each job opens an app context and a unit of work, calls one service, logs one line.
Correctness never rests on the scheduler: every job is idempotent by unique keys.
Until issue 17 these lived in ``schedules/jobs.py``; the job store's rows that still name
``schedules.jobs:…`` are replaced when the scheduler starts (``wiring.configure``).
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, time
from typing import Any

from apscheduler.schedulers.base import BaseScheduler
from flask import Flask

from rentals import clock, db

log = logging.getLogger(__name__)

#: The app every job runs in; set by ``wiring.configure``. A job started by a scheduler
#: in another process (``rentals scheduler``) builds its own app on first use.
_app: Flask | None = None


def _the_app() -> Flask:
    global _app
    if _app is None:
        from rentals import create_app

        _app = create_app()
    return _app


def _now() -> datetime:
    return clock.now()


def _today(app: Flask) -> date:
    with app.app_context():
        return clock.today()


# --- the jobs (module-level functions, referenced by text) -------------------------


def _run(job_id: str, work: Any) -> None:
    """One job run: an app context, one unit of work, its audit note, one log line."""
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
    """Render next week's roster of every area into ``scheduled_print`` rows (once each).

    Each roster renders in a read transaction and is stored in a short write of its own,
    so on SQLite the weekly run never holds the write lock while WeasyPrint works.
    """
    from rentals.printing import scheduled

    app = _the_app()
    with app.app_context():
        today = _today(app)
        with db.unit_of_work(write=False) as session:
            slots = scheduled.missing_rosters(session, today=today)
        for slot in slots:
            with db.unit_of_work(write=False) as session:
                row = scheduled.render_roster(session, slot, today=today)
            with db.unit_of_work() as session:
                scheduled.keep(session, row)
        with db.unit_of_work() as session:
            _note(session, "print_rosters_weekly")
    log.info("job print_rosters_weekly: %d rosters for next week", len(slots))


def prepare_plaques_weekly() -> None:
    """Prepare the week's preview batch (样张: no serials, nothing issued or retired) of
    the plaques whose rating changed, as a ``scheduled_print`` row the print page lists;
    once a week: a rerun in the same week keeps the first."""
    from rentals.printing import scheduled

    app = _the_app()
    with app.app_context():
        today = _today(app)
        with db.unit_of_work(write=False) as session:
            row = scheduled.render_plaque_batch(session, today=today)
        with db.unit_of_work() as session:
            if row is not None:
                row = scheduled.keep(session, row)
            _note(session, "prepare_plaques_weekly")
        summary = f"{len(row.units)} changed plaques" if row is not None else "already prepared"
    log.info("job prepare_plaques_weekly %s: %s", today, summary)


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


def _note(session: Any, job_id: str) -> None:
    """One audit row per job run: the record operators and the catch-up test read."""
    from rentals.audit import services as audit

    audit.record(session, None, "job.ran", ("job", job_id), {})
