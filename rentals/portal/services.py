"""What landlords do through the portal, and how staff answer it. Every act is audited
on the unit, so the unit file's history shows it to inspectors and managers.

Rules, as the scheme states them and as this module keeps them:

- **Tenant reports never change the register, nor read it.** A move-in is a pending
  ``TenantDeclaration`` holding what the landlord typed; staff match and confirm it
  (``portal.declarations``, issue 14.4). A move-out is only a report (``MoveOutReport``) on
  one of the unit's confirmed tenancies; the tenancy ends when staff confirm it.
- **Re-inspection:** a landlord may ask for one after fixing things; the task is due
  within 7 days and a unit has at most one open request (tasks.request_reinspection).
- **Contests** live with the ratings (``rentals.ratings.contests``), the blacklist notice
  with the other consequences of a rating (``rentals.incentives.blacklist``).
- **Right to reply:** a short text (at most 300 characters) shown beside the rating in
  public; it must not contain phone or identity numbers. The newest reply counts; an
  empty one withdraws it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlmodel import Session, select

from rentals import audit
from rentals.auth.access import STAFF
from rentals.auth.access import require_owner as _require_owner
from rentals.auth.models import User
from rentals.errors import Conflict, InvalidInput, NotAllowed
from rentals.modelbase import utcnow
from rentals.portal.declarations import declare_tenant
from rentals.portal.models import (
    MoveOutReport,
    PublicReply,
    TenantDeclaration,
)
from rentals.register import services as register
from rentals.register.models import Tenancy, Unit
from rentals.validators import FieldInvalid, check_date_order

REPLY_MAX = 300
#: Seven digits in a row, once separators are gone: a phone or an identity number.
_NUMBER_RUN = re.compile(r"\d{7,}")
#: Chinese numerals as people write digits by digit (幺 and 洞/拐 as read out on the phone).
_NUMERALS = {
    char: str(value)
    for value, chars in enumerate(
        (
            "零〇○洞",
            "一幺壹弌",
            "二两贰貳",
            "三叁參",
            "四肆",
            "五伍",
            "六陆陸",
            "七柒拐",
            "八捌",
            "九玖",
        )
    )
    for char in chars
}


# -- tenant reports ---------------------------------------------------------------------


@dataclass(frozen=True)
class MoveIn:
    name: str
    id_number: str
    phone: str | None
    moved_in: date
    registered: bool = False


@dataclass(frozen=True)
class MoveOut:
    tenancy_id: int
    moved_out: date


def report_tenant_change(
    session: Session,
    *,
    actor: User,
    unit: Unit,
    change: MoveIn | MoveOut,
    now: datetime | None = None,
) -> TenantDeclaration | MoveOutReport:
    """A landlord declares a tenant moving in or out; the register changes only when staff
    confirm (``portal.declarations`` for moving in, ``decide_move_out`` for moving out)."""
    _require_owner(actor, unit)
    if isinstance(change, MoveIn):
        return declare_tenant(
            session,
            actor=actor,
            unit=unit,
            name=change.name,
            id_number=change.id_number,
            phone=change.phone,
            moved_in=change.moved_in,
            registered=change.registered,
            now=now or utcnow(),
        )
    return _report_move_out(session, actor=actor, unit=unit, change=change)


def _report_move_out(
    session: Session, *, actor: User, unit: Unit, change: MoveOut
) -> MoveOutReport:
    tenancy = session.get(Tenancy, change.tenancy_id)
    if (
        tenancy is None
        or tenancy.unit_id != unit.id
        or tenancy.moved_out is not None
        or not tenancy.confirmed
    ):
        raise InvalidInput(_l("请选择仍在住的租户。"), field="tenancy_id")
    try:
        check_date_order(tenancy.moved_in, change.moved_out)
    except FieldInvalid as err:
        raise InvalidInput(err.message, field="moved_out") from None
    pending = session.exec(
        select(MoveOutReport.id).where(
            MoveOutReport.tenancy_id == tenancy.id, MoveOutReport.status == "pending"
        )
    ).first()
    if pending is not None:
        raise Conflict(_l("已申报过此租户搬离，正在等待核实。"), field="tenancy_id")
    report = MoveOutReport(
        unit_id=unit.id,
        tenancy_id=tenancy.id,
        moved_out=change.moved_out,
        reported_by=actor.id,
    )
    session.add(report)
    session.flush()
    audit.record(
        session,
        actor,
        "portal.tenant.move_out_reported",
        unit,
        {"report": report.id, "tenancy": tenancy.id, "moved_out": change.moved_out.isoformat()},
    )
    return report


def _require_staff(actor: User) -> None:
    if actor.role not in STAFF:
        raise NotAllowed(_l("只有民警、网格员或管理人员可以核实房东申报。"))


def decide_move_out(session: Session, *, actor: User, report: MoveOutReport, confirm: bool) -> None:
    """Staff confirm (the tenancy ends on the reported date) or reject a move-out report."""
    _require_staff(actor)
    if report.status != "pending":
        raise Conflict(_l("这份搬离申报已处理。"))
    if confirm:
        tenancy = session.get(Tenancy, report.tenancy_id)
        assert tenancy is not None
        register.end_tenancy(session, actor=actor, tenancy=tenancy, moved_out=report.moved_out)
    report.status = "confirmed" if confirm else "rejected"
    report.decided_by = actor.id
    report.decided_at = utcnow()
    session.add(report)
    unit = session.get(Unit, report.unit_id)
    audit.record(
        session,
        actor,
        "portal.tenant.move_out_confirmed" if confirm else "portal.tenant.move_out_rejected",
        unit,
        {"report": report.id, "tenancy": report.tenancy_id},
    )


# -- re-inspection -----------------------------------------------------------------------


def ask_reinspection(session: Session, *, actor: User, unit: Unit, today: date) -> Any:
    """The landlord fixed things: a re-inspection task due within 7 days (one open per unit)."""
    from rentals.tasks.services import request_reinspection

    _require_owner(actor, unit)
    task = request_reinspection(session, unit=unit, today=today, actor=actor)
    audit.record(
        session,
        actor,
        "portal.reinspection_requested",
        unit,
        {"task": task.id, "due": task.due.isoformat()},
    )
    return task


# -- right to reply ------------------------------------------------------------------------


def has_personal_number(text: str) -> bool:
    """Whether ``text`` holds 7+ digits in a row however written: ASCII, full-width, circled
    or Chinese numerals, with anything but letters between them (``139.8900.7919``,
    ``139 8900 7919``, ``一三九八九零零七九一九``).  Letters, Chinese characters included,
    end a run, so ``2024年12月3日`` passes; ``2024-12-03`` does not.
    """
    digits = []
    for char in text:
        value = _NUMERALS.get(char)
        if value is None:
            number = unicodedata.digit(char, None)
            value = None if number is None else str(number)
        if value is not None:
            digits.append(value)
        elif unicodedata.category(char)[0] in "LN":
            digits.append(" ")  # a letter ends the run; anything else separates digits
    return _NUMBER_RUN.search("".join(digits)) is not None


def post_reply(
    session: Session, *, actor: User, unit: Unit, text: str, now: datetime
) -> PublicReply:
    """The landlord's public reply; an empty text withdraws the current one."""
    _require_owner(actor, unit)
    text = " ".join((text or "").split())
    if len(text) > REPLY_MAX:
        raise InvalidInput(_l("回应最多 %(n)s 个字。", n=REPLY_MAX), field="text")
    if has_personal_number(text):
        raise InvalidInput(_l("公开回应中不能写电话号码、证件号码等个人信息。"), field="text")
    reply = PublicReply(unit_id=unit.id, text=text, created_by=actor.id, created_at=now)
    session.add(reply)
    session.flush()
    audit.record(
        session,
        actor,
        "portal.reply.withdrawn" if not text else "portal.reply.posted",
        unit,
        {"reply": reply.id, "text": text},
    )
    return reply


def current_reply(session: Session, unit_id: int) -> PublicReply | None:
    """The reply in force; one stored before the filter caught its number is not shown."""
    reply = session.exec(
        select(PublicReply).where(PublicReply.unit_id == unit_id).order_by(PublicReply.id.desc())
    ).first()
    if reply is None or not reply.text or has_personal_number(reply.text):
        return None
    return reply
