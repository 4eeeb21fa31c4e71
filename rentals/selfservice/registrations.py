"""Residence registration dates (居住登记): recorded by staff, shown where they lapse soon.

A recorded registration marks the tenancy registered (what S3 of the scorecard asks); one
that has lapsed is shown as lapsed, and the inspector answers S3 at the door as always.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlmodel import Session, col, select

from rentals import audit
from rentals.auth.access import STAFF
from rentals.auth.models import User
from rentals.errors import InvalidInput, NotAllowed
from rentals.register.models import Tenancy, Unit
from rentals.selfservice.models import ResidenceRegistration

#: A registration lapsing within this many days is "about to lapse".
LAPSING_DAYS = 30


def record_registration(
    session: Session,
    *,
    actor: User,
    tenancy: Tenancy,
    registered_on: date,
    expires_on: date | None,
    today: date,
    now: datetime,
) -> ResidenceRegistration:
    if actor.role not in STAFF:
        raise NotAllowed(_l("只有民警、网格员或管理人员可以登记居住登记。"))
    if registered_on > today or registered_on < date(1990, 1, 1):
        raise InvalidInput(_l("办理日期应在 1990 年到今天之间。"), field="registered_on")
    if expires_on is not None and expires_on <= registered_on:
        raise InvalidInput(_l("到期日期应晚于办理日期。"), field="expires_on")
    if expires_on is not None and expires_on > registered_on + timedelta(days=366 * 10):
        raise InvalidInput(_l("到期日期太远了。"), field="expires_on")
    row = session.get(ResidenceRegistration, tenancy.id)
    if row is None:
        row = ResidenceRegistration(tenancy_id=tenancy.id, registered_on=registered_on)  # type: ignore[arg-type]
    row.registered_on = registered_on
    row.expires_on = expires_on
    row.updated_by = actor.id
    row.updated_at = now
    session.add(row)
    tenancy.registered = expires_on is None or expires_on >= today
    session.add(tenancy)
    audit.record(
        session,
        actor,
        "tenancy.registration_recorded",
        tenancy,
        {
            "registered_on": registered_on.isoformat(),
            "expires_on": expires_on.isoformat() if expires_on else None,
        },
    )
    return row


def registration_state(row: ResidenceRegistration | None, today: date) -> str:
    """ "none", "valid", "lapsing" (within LAPSING_DAYS) or "lapsed"."""
    if row is None:
        return "none"
    if row.expires_on is None:
        return "valid"
    if row.expires_on < today:
        return "lapsed"
    if row.expires_on <= today + timedelta(days=LAPSING_DAYS):
        return "lapsing"
    return "valid"


def registrations_of(session: Session, unit: Unit, today: date) -> dict[int, dict]:  # type: ignore[type-arg]
    """Tenancy id -> its registration and state, for the unit's open tenancies (one query)."""
    rows = session.exec(
        select(ResidenceRegistration)
        .join(Tenancy, Tenancy.id == ResidenceRegistration.tenancy_id)
        .where(Tenancy.unit_id == unit.id, col(Tenancy.moved_out).is_(None))
    )
    return {r.tenancy_id: {"row": r, "state": registration_state(r, today)} for r in rows}


def s3_suggestion(session: Session, unit: Unit, today: date) -> str | None:
    """What the registration dates say about S3 for the checklist, which the inspector
    confirms: "met" when every current tenant has a registration that has not lapsed,
    "not_met" when one has lapsed, None when some are not recorded (nothing to say)."""
    tenancy_ids = list(
        session.exec(
            select(Tenancy.id).where(Tenancy.unit_id == unit.id, col(Tenancy.moved_out).is_(None))
        )
    )
    if not tenancy_ids:
        return None
    states = [v["state"] for v in registrations_of(session, unit, today).values()]
    if "lapsed" in states:
        return "not_met"
    if len(states) == len(tenancy_ids):
        return "met"
    return None
