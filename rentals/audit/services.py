"""Writing audit events; rows are only ever inserted (a flush guard refuses edits)."""

from __future__ import annotations

from typing import Any

from flask import has_request_context, request
from sqlalchemy import event
from sqlalchemy.orm import Session

from rentals.audit.models import AuditEvent


def record(
    session: Session,
    actor: Any,
    action: str,
    subject: Any,
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event. ``actor`` is a user, a user id or None (the system);
    ``subject`` is a model row or a ``(type, id)`` pair."""
    if isinstance(subject, tuple):
        subject_type, subject_id = subject
    else:
        subject_type, subject_id = subject.__tablename__, subject.id
    ip = (request.remote_addr or "") if has_request_context() else ""
    entry = AuditEvent(
        actor_id=actor if isinstance(actor, int) else getattr(actor, "id", None),
        action=action,
        subject_type=str(subject_type),
        subject_id=str(subject_id),
        data=data or {},
        ip=ip,
    )
    session.add(entry)
    return entry


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """Changed fields as ``{field: [old, new]}`` with JSON-safe values."""
    changes: dict[str, list[Any]] = {}
    for key, new in after.items():
        old = before.get(key)
        if old != new:
            changes[key] = [_plain(old), _plain(new)]
    return changes


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


@event.listens_for(Session, "before_flush")
def _refuse_audit_edits(session: Session, _ctx: Any, _instances: Any) -> None:
    """History is appended, never rewritten: updating or deleting an event is a bug."""
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, AuditEvent) and (obj in session.deleted or session.is_modified(obj)):
            raise RuntimeError("audit events cannot be changed or deleted")
