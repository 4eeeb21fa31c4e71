"""Queuing and delivering messages.

Rules this module keeps:

- **Queued once.**  Every message has an idempotency key naming its event and its reader
  ("visit_due:<task>:<person>"), unique in the database: a second scheduler run, a second
  scheduler or a rerun after a crash queues nothing more (``db.insert_once`` for a race).
- **Recorded.**  The row keeps to whom (person and the phone it went to), when, which
  template, the text as sent, every attempt, and delivered or failed and why; queuing,
  delivery and failure are audited.
- **Retried by the queue.**  Each attempt is a job of kind "message" (``rentals.queue``);
  a failed attempt queues the next after ``MESSAGE_RETRY_DELAYS`` (seconds), and after the
  last one the message is marked failed with the gateway's reason.
- **Sent without holding the write lock.**  The gateway is called between the job's read
  and its write transaction, so a slow gateway never blocks the app's writers on SQLite.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from flask import current_app
from sqlmodel import Session, col, select

from rentals import audit, clock, db, queue
from rentals.incentives.models import BlacklistNotice
from rentals.inspections.models import OrderStatus, RectificationOrder
from rentals.messages.models import DELIVERED, FAILED, QUEUED, ContactPreference, OutboxMessage
from rentals.messages.senders import SendFailed, sender_from_config
from rentals.messages.texts import TEMPLATES, render
from rentals.portal.models import DeclarationStatus, TenantDeclaration
from rentals.ratings.models import Contest, ContestStatus
from rentals.register.models import Person, Tenancy, Unit, UnitStatus
from rentals.tasks.models import Task, TaskStatus

log = logging.getLogger(__name__)

#: A visit is announced when its task is due within this many days (the day before: 1).
VISIT_NOTICE_DAYS = 2
#: A residence registration is announced this many days before it lapses.
REGISTRATION_NOTICE_DAYS = 14
#: Orders are announced this many days before their deadline, and on the day.
ORDER_NOTICE_DAYS = 3
#: Events (notices, decisions, declarations) older than this are not announced any more:
#: a scheduler that was off for weeks does not wake everyone with old news.
EVENT_WINDOW = timedelta(days=7)
LANGUAGES = ("zh", "bo")


@dataclass(frozen=True)
class Wanted:
    """A message an event calls for, before it is queued."""

    key: str
    template: str
    person_id: int
    unit: Unit
    day: date | None = None


def languages_of(session: Session, person_ids: Iterable[int]) -> dict[int, str]:
    ids = set(person_ids)
    if not ids:
        return {}
    return dict(
        session.exec(
            select(ContactPreference.person_id, ContactPreference.language).where(
                col(ContactPreference.person_id).in_(ids)
            )
        ).all()
    )


def set_language(session: Session, *, actor: Any, person: Person, language: str) -> None:
    """The language ``person`` reads messages in (and a landlord's pages)."""
    if language not in LANGUAGES:
        raise ValueError(language)
    row = session.get(ContactPreference, person.id)
    if row is None:
        row = ContactPreference(person_id=person.id, language=language)
    row.language = language
    row.updated_at = clock.now()
    session.add(row)
    audit.record(session, actor, "message.language_set", person, {"language": language})


def queue_messages(session: Session, wanted: list[Wanted], *, now: datetime) -> int:
    """Queue the messages not queued before (by key); returns how many were queued.

    A person without a mobile number gets nothing (nothing to send to).
    """
    if not wanted:
        return 0
    keys = {w.key for w in wanted}
    known: set[str] = set()
    chunk = list(keys)
    for start in range(0, len(chunk), 500):
        known.update(
            session.exec(
                select(OutboxMessage.key).where(
                    col(OutboxMessage.key).in_(chunk[start : start + 500])
                )
            )
        )
    fresh = [w for w in wanted if w.key not in known]
    people = {
        p.id: p
        for p in session.exec(
            select(Person).where(col(Person.id).in_({w.person_id for w in fresh}))
        )
    }
    languages = languages_of(session, people)
    queued = 0
    for w in fresh:
        person = people.get(w.person_id)
        if person is None or not person.phone or w.key in known:
            continue
        known.add(w.key)
        language = languages.get(w.person_id, "zh")
        row = OutboxMessage(
            key=w.key,
            template=w.template,
            person_id=w.person_id,
            unit_id=w.unit.id,
            phone=person.phone,
            language=language,
            text=render(w.template, language, code=w.unit.code, day=w.day),
            params={"code": w.unit.code, "date": w.day.isoformat() if w.day else None},
            created_at=now,
        )
        stored = db.insert_once(session, row, lambda key=w.key: _by_key(session, key))
        if stored is not row:
            continue  # another scheduler queued it first
        _attempt_later(session, row, delay=None)
        audit.record(
            session,
            None,
            "message.queued",
            row,
            {"template": w.template, "person_id": w.person_id, "unit": w.unit.code},
        )
        queued += 1
    return queued


def _by_key(session: Session, key: str) -> OutboxMessage | None:
    return session.exec(select(OutboxMessage).where(OutboxMessage.key == key)).first()


def _attempt_later(session: Session, message: OutboxMessage, *, delay: float | None) -> None:
    """One job per attempt: now, or after ``delay`` seconds."""
    seconds = timedelta(seconds=delay) if delay else None
    queue.enqueue(
        session, kind="message", params={"message": message.id}, owner_id=None, delay=seconds
    )


# -- what the day calls for ------------------------------------------------------------------


def due_messages(session: Session, *, today: date, now: datetime) -> list[Wanted]:
    """Every message the events of ``today`` call for (queued or not), in a few queries."""
    wanted: list[Wanted] = []
    let = Unit.status != UnitStatus.WITHDRAWN
    # A visit due within two days, to the landlord ...
    for task, unit in session.exec(
        select(Task, Unit)
        .join(Unit, Unit.id == Task.unit_id)
        .where(
            Task.status == TaskStatus.OPEN,
            col(Task.due) >= today,
            col(Task.due) <= today + timedelta(days=VISIT_NOTICE_DAYS),
            col(Unit.landlord_id).is_not(None),
            let,
        )
        .order_by(Task.id)
    ):
        wanted.append(
            Wanted(
                f"visit_due:{task.id}:{unit.landlord_id}",
                "visit_due",
                unit.landlord_id,
                unit,
                task.due,
            )  # type: ignore[arg-type]
        )
    # ... and to the unit's tenants (confirmed, still living there): they open the door.
    visits = [w for w in wanted if w.template == "visit_due"]
    if visits:
        tenants: dict[int, list[int]] = {}
        for unit_id, person_id in session.exec(
            select(Tenancy.unit_id, Tenancy.person_id).where(
                col(Tenancy.unit_id).in_({w.unit.id for w in visits}),
                col(Tenancy.moved_out).is_(None),
                col(Tenancy.confirmed).is_(True),
            )
        ):
            tenants.setdefault(unit_id, []).append(person_id)
        for w in visits:
            task_id = w.key.split(":")[1]
            for person_id in tenants.get(w.unit.id, []):
                wanted.append(
                    Wanted(
                        f"visit_due:{task_id}:{person_id}", "visit_due", person_id, w.unit, w.day
                    )
                )
    # An order's deadline in three days, and on the day.
    ahead = today + timedelta(days=ORDER_NOTICE_DAYS)
    for order, unit in session.exec(
        select(RectificationOrder, Unit)
        .join(Unit, Unit.id == RectificationOrder.unit_id)
        .where(
            RectificationOrder.status == OrderStatus.OPEN,
            col(RectificationOrder.deadline).in_([today, ahead]),
            col(Unit.landlord_id).is_not(None),
            let,
        )
        .order_by(RectificationOrder.id)
    ):
        template = "order_due_today" if order.deadline == today else "order_due_3d"
        wanted.append(
            Wanted(
                f"{template}:{order.id}:{unit.landlord_id}",
                template,
                unit.landlord_id,
                unit,
                order.deadline,
            )  # type: ignore[arg-type]
        )
    since = now - EVENT_WINDOW
    # A blacklist notice (published NOTICE_DAYS after it, unless a contest succeeds).
    from rentals.incentives.blacklist import NOTICE_DAYS

    for notice, unit in session.exec(
        select(BlacklistNotice, Unit)
        .join(Unit, Unit.id == BlacklistNotice.unit_id)
        .where(col(BlacklistNotice.notified_at) >= since, col(Unit.landlord_id).is_not(None))
        .order_by(BlacklistNotice.id)
    ):
        published = clock.local_date(notice.notified_at) + timedelta(days=NOTICE_DAYS)
        wanted.append(
            Wanted(
                f"blacklist_notice:{notice.id}:{unit.landlord_id}",
                "blacklist_notice",
                unit.landlord_id,
                unit,
                published,
            )  # type: ignore[arg-type]
        )
    # A contest decided.
    for contest, unit in session.exec(
        select(Contest, Unit)
        .join(Unit, Unit.id == Contest.unit_id)
        .where(
            Contest.status != ContestStatus.OPEN,
            col(Contest.decided_at) >= since,
            col(Unit.landlord_id).is_not(None),
        )
        .order_by(Contest.id)
    ):
        wanted.append(
            Wanted(
                f"contest_decided:{contest.id}:{unit.landlord_id}",
                "contest_decided",
                unit.landlord_id,
                unit,
            )  # type: ignore[arg-type]
        )
    # A tenant's declaration to confirm: one message per unit and day, however many.
    for unit in session.exec(
        select(Unit)
        .join(TenantDeclaration, TenantDeclaration.unit_id == Unit.id)
        .where(
            TenantDeclaration.source == "tenant",
            TenantDeclaration.status == DeclarationStatus.PENDING,
            col(TenantDeclaration.landlord_confirmed_at).is_(None),
            col(TenantDeclaration.declared_at) >= since,
            col(Unit.landlord_id).is_not(None),
            let,
        )
        .distinct()
        .order_by(Unit.id)
    ):
        wanted.append(
            Wanted(
                f"declaration_to_confirm:{unit.id}:{today}:{unit.landlord_id}",
                "declaration_to_confirm",
                unit.landlord_id,
                unit,
            )  # type: ignore[arg-type]
        )
    # A residence registration about to lapse, to the landlord and the tenant, once per
    # expiry date (a renewal brings a new date, and a new reminder before it lapses).
    from rentals.selfservice.models import ResidenceRegistration

    for reg, tenancy, unit in session.exec(
        select(ResidenceRegistration, Tenancy, Unit)
        .join(Tenancy, Tenancy.id == ResidenceRegistration.tenancy_id)
        .join(Unit, Unit.id == Tenancy.unit_id)
        .where(
            col(ResidenceRegistration.expires_on) >= today,
            col(ResidenceRegistration.expires_on)
            <= today + timedelta(days=REGISTRATION_NOTICE_DAYS),
            col(Tenancy.moved_out).is_(None),
            let,
        )
        .order_by(Tenancy.id)
    ):
        for person_id in (unit.landlord_id, tenancy.person_id):
            if person_id is not None:
                wanted.append(
                    Wanted(
                        f"registration_lapsing:{tenancy.id}:{reg.expires_on}:{person_id}",
                        "registration_lapsing",
                        person_id,
                        unit,
                        reg.expires_on,
                    )
                )
    assert all(w.template in TEMPLATES for w in wanted)
    return wanted


def queue_due_messages(session: Session, *, today: date, now: datetime) -> str:
    """The scheduler's run: queue what today's events call for; a rerun queues nothing."""
    wanted = due_messages(session, today=today, now=now)
    queued = queue_messages(session, wanted, now=now)
    return f"{queued} messages queued ({len(wanted) - queued} already queued or no phone)"


# -- delivery ---------------------------------------------------------------------------------


def retry_delays() -> list[float]:
    return [float(s) for s in current_app.config.get("MESSAGE_RETRY_DELAYS", ())]


def record_attempt(
    session: Session, message: OutboxMessage, *, error: str | None, now: datetime
) -> None:
    """Note one attempt: delivered, or failed and retried later, or failed for good."""
    message.attempts += 1
    message.last_attempt_at = now
    delays = retry_delays()
    if error is None:
        message.status = DELIVERED
        message.delivered_at = now
        message.error = ""
        action = "message.delivered"
    else:
        message.error = error[:500]
        if message.attempts > len(delays):
            message.status = FAILED
            message.failed_at = now
            action = "message.failed"
        else:
            _attempt_later(session, message, delay=delays[message.attempts - 1])
            action = "message.attempt_failed"
    session.add(message)
    audit.record(
        session,
        None,
        action,
        message,
        {"attempts": message.attempts, "error": message.error[:200]},
    )


@queue.handler("message")
def deliver(work: queue.JobRun) -> dict[str, Any]:
    """One attempt at one message (a job of kind "message")."""
    session = work.session
    message_id = int(work.job.params["message"])
    message = session.get(OutboxMessage, message_id)
    if message is None or message.status != QUEUED:
        return {"message": message_id, "status": getattr(message, "status", "missing")}
    phone, text, key = message.phone, message.text, message.key
    error: str | None = None
    try:
        sender_from_config(current_app.config).send(phone=phone, text=text, key=key)
    except SendFailed as err:
        error = err.reason
    work.write()  # the call is over: now the writes, in a write transaction
    session.refresh(message)
    if message.status != QUEUED:
        return {"message": message_id, "status": message.status}
    record_attempt(session, message, error=error, now=clock.now())
    log.info("message %s attempt %s: %s", message_id, message.attempts, message.status)
    return {"message": message_id, "status": message.status, "attempts": message.attempts}


def messages_of(session: Session, person_id: int, *, limit: int = 100) -> list[OutboxMessage]:
    """A person's messages, newest first (the landlord's page)."""
    return list(
        session.exec(
            select(OutboxMessage)
            .where(OutboxMessage.person_id == person_id)
            .order_by(col(OutboxMessage.created_at).desc(), col(OutboxMessage.id).desc())
            .limit(limit)
        )
    )
