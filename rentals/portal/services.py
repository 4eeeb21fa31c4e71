"""What landlords do through the portal, and how staff answer it. Every act is audited
on the unit, so the unit file's history shows it to inspectors and managers.

Rules, as the scheme states them and as this module keeps them:

- **Tenant reports never change the register, nor read it.** A move-in is a pending
  ``TenantDeclaration`` holding what the landlord typed; staff match and confirm it
  (``portal.declarations``, issue 14.4). A move-out is only a report (``MoveOutReport``) on
  one of the unit's confirmed tenancies; the tenancy ends when staff confirm it.
- **Re-inspection:** a landlord may ask for one after fixing things; the task is due
  within 7 days and a unit has at most one open request (tasks.request_reinspection).
- **Contest (复核):** the landlord may contest the unit's latest rating within
  ``CONTEST_DAYS`` (21) days of it, once per rating, with a reason and photos. While it
  is open, ``Unit.rating_status`` is ``under_review`` (public pages say 复核中).
  A manager decides within 21 days (``decide_by``); a manager who inspected the contested
  visit may not decide it. The decision and its reason are kept.
  *Upheld* (the landlord is right): a re-inspection task is created (or the open one is
  kept) and the rating's status comes back until the re-inspection rates the unit anew;
  an upheld contest also voids that rating's blacklist notice.
  *Rejected*: the rating stands and its status comes back.
  "Comes back" means the status of the unit's newest rating (a rating appended while the
  contest was open counts), or "not yet rated" when there is none.
- **Blacklist notice:** a one-star or not-rated unit is published on the blacklist only
  after its landlord was notified (``BlacklistNotice``) and ``NOTICE_DAYS`` (21) days
  passed without a successful contest. It leaves as soon as its rating rises (any
  two- or three-star rating after the notice ends that notice's effect).
- **Right to reply:** a short text (at most 300 characters) shown beside the rating in
  public; it must not contain phone or identity numbers. The newest reply counts; an
  empty one withdraws it.
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlmodel import Session, select

from rentals import audit, clock
from rentals.auth.access import OFFICE, STAFF
from rentals.auth.models import User
from rentals.errors import Conflict, InvalidInput, NotAllowed
from rentals.inspections.models import Inspection
from rentals.modelbase import utcnow
from rentals.portal.declarations import declare_tenant
from rentals.portal.declarations import require_owner as _require_owner
from rentals.portal.models import (
    BlacklistNotice,
    Contest,
    ContestStatus,
    MoveOutReport,
    PublicReply,
    TenantDeclaration,
)
from rentals.ratings.models import Rating
from rentals.ratings.services import latest_rating
from rentals.register import services as register
from rentals.register.models import Tenancy, Unit
from rentals.validators import FieldInvalid, check_date_order
from scoring import RatingStatus

CONTEST_DAYS = 21
DECISION_DAYS = 21
NOTICE_DAYS = 21
REPLY_MAX = 300
MAX_CONTEST_PHOTOS = 5
#: Statuses the blacklist publishes.
LISTED = (RatingStatus.ONE.value, RatingStatus.NOT_RATED.value)
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


def local_date(moment: datetime) -> date:
    return clock.local_date(moment)


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


# -- contests ----------------------------------------------------------------------------


def open_contest(session: Session, unit: Unit) -> Contest | None:
    return session.exec(
        select(Contest).where(Contest.unit_id == unit.id, Contest.status == ContestStatus.OPEN)
    ).first()


def contest_deadline(rating: Rating) -> date:
    """Last local day on which ``rating`` may be contested."""
    return local_date(rating.rated_at) + timedelta(days=CONTEST_DAYS)


def decide_by(contest: Contest) -> date:
    """Last local day for the manager's decision."""
    return local_date(contest.filed_at) + timedelta(days=DECISION_DAYS)


def file_contest(
    session: Session,
    *,
    actor: User,
    unit: Unit,
    reason: str,
    now: datetime,
    photo_ids: list[int] | None = None,
) -> Contest:
    """Contest the unit's latest rating; the unit shows "under review" until decided."""
    _require_owner(actor, unit)
    reason = (reason or "").strip()
    if len(reason) < 5:
        raise InvalidInput(_l("请写明复核理由（至少 5 个字）。"), field="reason")
    rating = latest_rating(session, unit)
    if rating is None:
        raise Conflict(_l("该房屋还没有评定，无需复核。"))
    if local_date(now) > contest_deadline(rating):
        raise Conflict(_l("评定已超过 %(n)s 天，不能再申请复核。", n=CONTEST_DAYS), field="reason")
    if open_contest(session, unit) is not None:
        raise Conflict(_l("该房屋已有进行中的复核申请。"))
    if session.exec(select(Contest.id).where(Contest.rating_id == rating.id)).first():
        raise Conflict(_l("这次评定已经申请过复核。"))
    contest = Contest(
        unit_id=unit.id,
        rating_id=rating.id,
        filed_by=actor.id,
        reason=reason,
        photos=list(photo_ids or []),
        filed_at=now,
    )
    session.add(contest)
    unit.rating_status = RatingStatus.UNDER_REVIEW.value
    session.add(unit)
    session.flush()
    audit.record(
        session,
        actor,
        "portal.contest.filed",
        unit,
        {"contest": contest.id, "rating": rating.id, "photos": len(contest.photos)},
    )
    return contest


def save_contest_photo(
    session: Session, *, actor: User, unit: Unit, data: bytes, key: str | None = None
) -> int:
    """Store one photo for a contest through the inspections' image checks; returns its id."""
    from rentals.inspections.models import Photo
    from rentals.inspections.photos import clean_image, write_files

    _require_owner(actor, unit)
    image = clean_image(data)
    photo = Photo(
        key=key or f"contest-{uuid.uuid4().hex}",
        unit_id=unit.id,
        filename=write_files(image, session=session),
        width=image.width,
        height=image.height,
        uploaded_by=actor.id,
    )
    session.add(photo)
    session.flush()
    return photo.id  # type: ignore[return-value]


def may_decide(session: Session, actor: User, contest: Contest) -> bool:
    """A manager (or admin) who did not inspect the contested visit."""
    if actor.role not in OFFICE:
        return False
    rating = session.get(Rating, contest.rating_id)
    inspection = session.get(Inspection, rating.inspection_id) if rating else None
    return inspection is None or inspection.inspector_id != actor.id


def decide_contest(
    session: Session,
    *,
    actor: User,
    contest: Contest,
    upheld: bool,
    reason: str,
    now: datetime,
) -> Contest:
    """Record the decision and restore the unit's status (see the module's rules)."""
    if actor.role not in OFFICE:
        raise NotAllowed(_l("只有管理人员可以决定复核申请。"))
    if not may_decide(session, actor, contest):
        raise NotAllowed(_l("您参加了被复核的那次检查，请由其他管理人员决定。"))
    if contest.status != ContestStatus.OPEN:
        raise Conflict(_l("这份复核申请已经决定。"))
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(_l("请写明决定理由。"), field="reason")
    unit = session.get(Unit, contest.unit_id)
    assert unit is not None
    contest.status = ContestStatus.UPHELD if upheld else ContestStatus.REJECTED
    contest.decided_by = actor.id
    contest.decided_at = now
    contest.decision_reason = reason
    newest = latest_rating(session, unit)
    unit.rating_status = newest.status if newest else RatingStatus.NOT_YET_RATED.value
    session.add(unit)
    if upheld:
        contest.task_id = _reinspection_task(session, unit=unit, today=local_date(now))
    session.add(contest)
    session.flush()
    audit.record(
        session,
        actor,
        "portal.contest.upheld" if upheld else "portal.contest.rejected",
        unit,
        {"contest": contest.id, "reason": reason, "task": contest.task_id},
    )
    return contest


def _reinspection_task(session: Session, *, unit: Unit, today: date) -> int | None:
    """A new re-inspection task, or the open one when the unit already has it."""
    from rentals.tasks.models import Task, TaskKind
    from rentals.tasks.services import request_reinspection

    try:
        return request_reinspection(session, unit=unit, today=today).id
    except Conflict:
        return session.exec(
            select(Task.id)
            .where(
                Task.unit_id == unit.id,
                Task.kind == TaskKind.REINSPECTION,
                Task.status.in_(("open", "overdue")),
            )
            .order_by(Task.id.desc())
        ).first()


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


# -- blacklist notice ----------------------------------------------------------------------


def notify_blacklist(
    session: Session, *, actor: User | None, unit: Unit, now: datetime
) -> BlacklistNotice:
    """Notify the landlord that the current rating leads to the blacklist (one per rating)."""
    if actor is not None and actor.role not in OFFICE:
        raise NotAllowed(_l("只有管理人员可以发出黑榜公示告知。"))
    if unit.rating_status not in LISTED:
        raise Conflict(_l("只有一星或不予评定的房屋需要公示告知。"))
    rating = latest_rating(session, unit)
    assert rating is not None
    existing = session.exec(
        select(BlacklistNotice).where(BlacklistNotice.rating_id == rating.id)
    ).first()
    if existing is not None:
        return existing
    notice = BlacklistNotice(
        unit_id=unit.id,
        rating_id=rating.id,
        notified_at=now,
        notified_by=getattr(actor, "id", None),
    )
    session.add(notice)
    session.flush()
    audit.record(
        session,
        actor,
        "portal.blacklist.notified",
        unit,
        {
            "rating": rating.id,
            "publish_from": (local_date(now) + timedelta(days=NOTICE_DAYS)).isoformat(),
        },
    )
    return notice
