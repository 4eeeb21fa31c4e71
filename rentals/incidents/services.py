"""Logging and retracting incidents, and keeping the kind list; each change is audited.

Services flush and never commit (the request commits once). Incidents are only inserted;
a wrong one is retracted with a reason, so the record of what was logged stays whole.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlmodel import Session, select

from rentals import clock
from rentals.audit import record
from rentals.auth.models import User
from rentals.errors import Conflict, InvalidInput
from rentals.incidents.models import NOTE_MAX, REASON_MAX, Incident, IncidentKind
from rentals.register.models import Unit

#: How far back an incident may be logged: older ones belong to another system's records.
OLDEST_DAYS = 366
_CODE = re.compile(r"[a-z][a-z0-9_]{0,31}")


def record_incident(
    session: Session,
    *,
    actor: User,
    unit: Unit,
    kind: IncidentKind,
    occurred_on: date,
    note: str,
    resident_victim: bool,
    today: date,
) -> Incident:
    """Log an incident; the date lies between a year ago and ``today``, the kind is active."""
    if occurred_on > today:
        raise InvalidInput(_l("事件日期不能晚于今天。"), field="occurred_on")
    if (today - occurred_on).days > OLDEST_DAYS:
        raise InvalidInput(_l("只能登记一年以内的事件。"), field="occurred_on")
    if not kind.active:
        raise InvalidInput(_l("这个事件类型已停用。"), field="kind_id")
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise InvalidInput(_l("说明太长。"), field="note")
    incident = Incident(
        unit_id=unit.id,  # type: ignore[arg-type]
        kind_id=kind.id,  # type: ignore[arg-type]
        occurred_on=occurred_on,
        note=note,
        resident_victim=resident_victim,
        reported_by=actor.id,
    )
    session.add(incident)
    session.flush()
    # The note is not copied into the trail: it may name people.
    record(
        session,
        actor,
        "incident.recorded",
        ("unit", unit.id),
        {
            "incident": incident.id,
            "kind": kind.code,
            "occurred_on": occurred_on.isoformat(),
            "resident_victim": resident_victim,
        },
    )
    return incident


def retract_incident(session: Session, *, actor: User, incident: Incident, reason: str) -> None:
    """Mark an incident as logged in error: it stays on the file and leaves every count."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(_l("请说明撤销原因。"), field="reason")
    if len(reason) > REASON_MAX:
        raise InvalidInput(_l("原因太长。"), field="reason")
    if incident.retracted_at is not None:
        raise Conflict(_l("这条事件已撤销。"))
    incident.retracted_at = clock.now()
    incident.retracted_by = actor.id
    incident.retract_reason = reason
    session.add(incident)
    session.flush()
    record(
        session,
        actor,
        "incident.retracted",
        ("unit", incident.unit_id),
        {"incident": incident.id, "reason": reason},
    )


@dataclass(frozen=True)
class KindData:
    name: str
    name_bo: str = ""
    name_en: str = ""
    active: bool = True
    position: int = 0


def _check_names(data: KindData) -> KindData:
    name = data.name.strip()
    if not name:
        raise InvalidInput(_l("请填写中文名称。"), field="name")
    if len(name) > 50 or len(data.name_bo.strip()) > 100 or len(data.name_en.strip()) > 50:
        raise InvalidInput(_l("名称太长。"), field="name")
    if not 0 <= data.position <= 10000:
        raise InvalidInput(_l("顺序应在 0 到 10000 之间。"), field="position")
    return KindData(name, data.name_bo.strip(), data.name_en.strip(), data.active, data.position)


def add_kind(session: Session, *, actor: User, code: str, data: KindData) -> IncidentKind:
    """A new kind; ``code`` is a short lower-case ASCII name, unique and never changed."""
    code = (code or "").strip()
    if not _CODE.fullmatch(code):
        raise InvalidInput(_l("代码只能用小写英文字母、数字和下划线，以字母开头。"), field="code")
    if session.exec(select(IncidentKind.id).where(IncidentKind.code == code)).first():
        raise Conflict(_l("已有这个代码的事件类型。"), field="code")
    data = _check_names(data)
    kind = IncidentKind(code=code, **data.__dict__)
    session.add(kind)
    session.flush()
    record(session, actor, "incident_kind.added", kind, {"code": code, "name": data.name})
    return kind


def update_kind(session: Session, *, actor: User, kind: IncidentKind, data: KindData) -> bool:
    """Rename, reorder, retire or restore a kind; returns whether anything changed."""
    data = _check_names(data)
    before = {k: getattr(kind, k) for k in data.__dict__}
    changes = {k: [before[k], v] for k, v in data.__dict__.items() if before[k] != v}
    if not changes:
        return False
    for key, (_old, new) in changes.items():
        setattr(kind, key, new)
    session.add(kind)
    session.flush()
    record(session, actor, "incident_kind.changed", kind, changes)
    return True
