"""Inspectors' calendar feeds: a private, revocable URL that phone calendars subscribe to.

The URL carries a random token; only its SHA-256 is stored, so a leaked database does not
leak working feed URLs. Revoking a feed makes its URL answer 404.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta

from icalendar import Calendar, Event
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from rentals.audit import services as audit
from rentals.auth.models import User
from rentals.modelbase import utcnow
from rentals.register.models import Unit
from rentals.tasks.models import CalendarFeed, Task

KIND_LABELS = {"routine": "例行巡查", "follow_up": "整改复查", "reinspection": "申请复查"}


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def active_feed(session: Session, user: User) -> CalendarFeed | None:
    return session.scalars(
        select(CalendarFeed)
        .where(CalendarFeed.user_id == user.id, CalendarFeed.revoked_at.is_(None))
        .order_by(CalendarFeed.id.desc())
    ).first()


def create_feed(session: Session, *, actor: User, user: User) -> str:
    """A new feed for ``user`` (revoking any older one); returns the token, shown once."""
    revoke_feeds(session, actor=actor, user=user)
    token = secrets.token_urlsafe(32)
    feed = CalendarFeed(user_id=user.id, token_hash=token_hash(token))  # type: ignore[arg-type]
    session.add(feed)
    session.flush()
    audit.record(session, actor, "calendar_feed.created", feed, {"user_id": user.id})
    return token


def revoke_feeds(session: Session, *, actor: User, user: User) -> int:
    """Revoke every live feed of ``user``; their URLs answer 404 from now on."""
    ids = list(
        session.scalars(
            select(CalendarFeed.id).where(
                CalendarFeed.user_id == user.id, CalendarFeed.revoked_at.is_(None)
            )
        )
    )
    if not ids:
        return 0
    session.execute(
        update(CalendarFeed).where(CalendarFeed.id.in_(ids)).values(revoked_at=utcnow()),
        execution_options={"synchronize_session": "fetch"},
    )
    for feed_id in ids:
        audit.record(session, actor, "calendar_feed.revoked", ("calendar_feed", feed_id), {})
    return len(ids)


def user_for_token(session: Session, token: str) -> User | None:
    """The inspector whose live feed has this token, or None (unknown or revoked)."""
    if not token or len(token) > 100:
        return None
    feed = session.scalars(
        select(CalendarFeed).where(
            CalendarFeed.token_hash == token_hash(token), CalendarFeed.revoked_at.is_(None)
        )
    ).first()
    if feed is None:
        return None
    user = session.get(User, feed.user_id)
    return user if user is not None and user.is_active else None


def build_calendar(
    rows: Sequence[tuple[Task, Unit]], *, now: datetime, name: str, host: str
) -> bytes:
    """One all-day event per task on its due date; the UID is stable per task."""
    cal = Calendar()
    cal.add("prodid", "-//Zhaxi rentals//inspection tasks//ZH")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    for task, unit in rows:
        event = Event()
        event.add("uid", f"task-{task.id}@{host}")
        event.add("dtstamp", now)
        event.add("dtstart", task.due)
        event.add("dtend", task.due + timedelta(days=1))
        event.add("summary", f"{KIND_LABELS.get(task.kind, task.kind)} {unit.code} {unit.address}")
        event.add(
            "description",
            f"{task.period_key} · {task.start:%Y-%m-%d} — {task.due:%Y-%m-%d} · {task.status}",
        )
        event.add("location", unit.address)
        event.add("transp", "TRANSPARENT")
        cal.add_component(event)
    cal.add_missing_timezones()
    return cal.to_ical()
