"""Searching the audit trail: filters on actor, action, subject and a local date range."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_
from sqlmodel import Session, select

from rentals.audit.models import AuditEvent
from rentals.auth.models import User


@dataclass(frozen=True)
class EventFilter:
    #: Login name or display name of the actor (exact login, or a name prefix).
    actor: str = ""
    #: Action name or dotted prefix: "person" matches "person.created" and "person.updated".
    action: str = ""
    subject_type: str = ""
    subject_id: str = ""
    #: Local calendar dates (both inclusive) in the app's time zone.
    since: date | None = None
    until: date | None = None
    page: int = 1
    per_page: int = 50


@dataclass
class EventPage:
    rows: list[dict[str, Any]]
    total: int
    page: int
    per_page: int
    filters: EventFilter = field(default_factory=EventFilter)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def _prefix(column: Any, term: str) -> Any:
    return (column >= term) & (column < term + "\uffff")


def _local_midnight_utc(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time.min, tzinfo=tz).astimezone(UTC)


def event_page(
    session: Session, flt: EventFilter, *, timezone: str, scope: Any = None
) -> EventPage:
    """Newest first; one query for the page (actor joined) and one for the count.
    ``scope`` is the reader's condition (``access.event_scope``)."""
    tz = ZoneInfo(timezone)
    conditions: list[Any] = [] if scope is None else [scope]
    if flt.actor:
        actors = select(User.id).where(
            or_(User.username == flt.actor.lower(), _prefix(User.display_name, flt.actor))
        )
        conditions.append(AuditEvent.actor_id.in_(actors))
    if flt.action:
        conditions.append(
            or_(AuditEvent.action == flt.action, _prefix(AuditEvent.action, flt.action + "."))
        )
    if flt.subject_type:
        conditions.append(AuditEvent.subject_type == flt.subject_type)
    if flt.subject_id:
        conditions.append(AuditEvent.subject_id == flt.subject_id)
    if flt.since:
        conditions.append(AuditEvent.at >= _local_midnight_utc(flt.since, tz))
    if flt.until:
        conditions.append(AuditEvent.at < _local_midnight_utc(flt.until + timedelta(days=1), tz))
    page = max(1, flt.page)
    stmt = (
        select(AuditEvent, User.username, User.display_name)
        .outerjoin(User, User.id == AuditEvent.actor_id)
        .where(*conditions)
        .order_by(AuditEvent.id.desc())
        .offset((page - 1) * flt.per_page)
        .limit(flt.per_page)
    )
    rows = [
        {"event": event, "username": username, "actor": display_name}
        for event, username, display_name in session.exec(stmt)
    ]
    total = session.exec(select(func.count()).select_from(AuditEvent).where(*conditions)).one()
    return EventPage(rows=rows, total=total, page=page, per_page=flt.per_page, filters=flt)
