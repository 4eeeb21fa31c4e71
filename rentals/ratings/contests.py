"""Contests of a rating (复核): the landlord's appeal and the manager's decision.

Rules, as the scheme states them and as this module keeps them:

- The landlord may contest the unit's latest rating within ``CONTEST_DAYS`` (21) days of
  it, once per rating, with a reason and photos. While it is open, ``Unit.rating_status``
  is ``under_review`` (public pages say 复核中).
- A manager decides within 21 days (``decide_by``); a manager who inspected the contested
  visit may not decide it. The decision and its reason are kept.
  *Upheld* (the landlord is right): a re-inspection task is created (or the open one is
  kept) and the rating's status comes back until the re-inspection rates the unit anew;
  an upheld contest also voids that rating's blacklist notice (``incentives.blacklist``
  reads the decision). *Rejected*: the rating stands and its status comes back.
  "Comes back" means the status of the unit's newest rating (a rating appended while the
  contest was open counts), or "not yet rated" when there is none.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlmodel import Session, select

from rentals import audit, clock
from rentals.auth.access import OFFICE, require_owner
from rentals.auth.models import User
from rentals.errors import Conflict, InvalidInput, NotAllowed
from rentals.inspections.models import Inspection
from rentals.ratings.models import Contest, ContestStatus, Rating
from rentals.ratings.services import latest_rating
from rentals.register.models import Unit
from scoring import RatingStatus

CONTEST_DAYS = 21
DECISION_DAYS = 21
MAX_CONTEST_PHOTOS = 5


def open_contest(session: Session, unit: Unit) -> Contest | None:
    return session.exec(
        select(Contest).where(Contest.unit_id == unit.id, Contest.status == ContestStatus.OPEN)
    ).first()


def unit_contests(session: Session, unit: Unit) -> list[Contest]:
    """Every contest of the unit, newest first."""
    return list(
        session.exec(select(Contest).where(Contest.unit_id == unit.id).order_by(Contest.id.desc()))
    )


def contest_deadline(rating: Rating) -> date:
    """Last local day on which ``rating`` may be contested."""
    return clock.local_date(rating.rated_at) + timedelta(days=CONTEST_DAYS)


def decide_by(contest: Contest) -> date:
    """Last local day for the manager's decision."""
    return clock.local_date(contest.filed_at) + timedelta(days=DECISION_DAYS)


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
    require_owner(actor, unit)
    reason = (reason or "").strip()
    if len(reason) < 5:
        raise InvalidInput(_l("请写明复核理由（至少 5 个字）。"), field="reason")
    rating = latest_rating(session, unit)
    if rating is None:
        raise Conflict(_l("该房屋还没有评定，无需复核。"))
    if clock.local_date(now) > contest_deadline(rating):
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
    from rentals.inspections.photos import store_photo

    require_owner(actor, unit)
    photo = store_photo(
        session,
        data,
        key=key or f"contest-{uuid.uuid4().hex}",
        unit_id=unit.id,  # type: ignore[arg-type]
        uploaded_by=actor.id,
    )
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
        contest.task_id = _reinspection_task(session, unit=unit, today=clock.local_date(now))
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
