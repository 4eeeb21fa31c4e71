"""A landlord proves a fix from the portal; staff accept it remotely or schedule the visit.

Rules this module keeps:

- Only the unit's landlord files a proof, for an open order of that unit, with a note and
  one to five photos checked and re-encoded like every photo (``inspections.photos``);
  one proof of an order waits at a time.
- Remote acceptance is for items the order's scorecard version marks ``remote_proof``,
  and never for an order of a serious hazard: those always need a visit.  Accepting closes
  the order and cancels its follow-up task (no visit is needed any more).
- Scheduling the visit asks for a re-inspection within the week (``tasks``), or uses the
  unit's open one.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlmodel import Session, col, select

from rentals import audit
from rentals.auth.access import STAFF
from rentals.auth.models import Role, User
from rentals.errors import Conflict, InvalidInput, NotAllowed
from rentals.inspections.models import Inspection, OrderStatus, Photo, RectificationOrder
from rentals.inspections.photos import store_photo
from rentals.ratings.models import ScorecardVersion
from rentals.ratings.services import card_of
from rentals.register.models import Unit
from rentals.selfservice.models import FixProof
from rentals.tasks import services as task_services
from rentals.tasks.models import Task, TaskKind, TaskStatus

PENDING, ACCEPTED, VISIT = "pending", "accepted", "visit"
MAX_PHOTOS = 5
NOTE_MIN, NOTE_MAX = 5, 1000
_LIVE = (TaskStatus.OPEN.value, TaskStatus.OVERDUE.value)


def _require_owner(actor: User, unit: Unit) -> None:
    if (
        actor.role != Role.LANDLORD
        or actor.person_id is None
        or unit.landlord_id != actor.person_id
    ):
        raise NotAllowed(_l("只有该房屋的房东可以这样做。"))


def save_proof_photo(session: Session, *, actor: User, unit: Unit, data: bytes) -> int:
    """One photo through the inspections' checks (type by content, size, re-encoding)."""
    _require_owner(actor, unit)
    photo = store_photo(
        session,
        data,
        key=f"proof-{uuid.uuid4().hex}",
        unit_id=unit.id,  # type: ignore[arg-type]
        uploaded_by=actor.id,
    )
    return photo.id  # type: ignore[return-value]


def file_proof(
    session: Session,
    *,
    actor: User,
    order: RectificationOrder,
    note: str,
    photo_ids: list[int],
    now: datetime,
) -> FixProof:
    unit = session.get(Unit, order.unit_id)
    assert unit is not None
    _require_owner(actor, unit)
    if order.status != OrderStatus.OPEN:
        raise Conflict(_l("这份整改通知已关闭。"))
    note = " ".join((note or "").split())
    if not NOTE_MIN <= len(note) <= NOTE_MAX:
        raise InvalidInput(_l("请写明整改情况（5 到 1000 个字）。"), field="note")
    if not 1 <= len(photo_ids) <= MAX_PHOTOS:
        raise InvalidInput(_l("请上传 1 到 5 张整改后的照片。"), field="photos")
    waiting = session.exec(
        select(FixProof.id).where(FixProof.order_id == order.id, FixProof.status == PENDING)
    ).first()
    if waiting is not None:
        raise Conflict(_l("这份整改通知已有待审核的整改证明。"))
    proof = FixProof(
        order_id=order.id,  # type: ignore[arg-type]
        unit_id=unit.id,  # type: ignore[arg-type]
        note=note,
        photos=list(photo_ids),
        filed_by=actor.id,
        filed_at=now,
    )
    session.add(proof)
    session.flush()
    audit.record(
        session,
        actor,
        "selfservice.proof.filed",
        unit,
        {"proof": proof.id, "order": order.id, "photos": len(photo_ids)},
    )
    return proof


def may_accept_remotely(session: Session, order: RectificationOrder) -> bool:
    """The order's item is marked ``remote_proof`` in its scorecard version, and the hazard
    is not serious."""
    if order.serious:
        return False
    version_id = session.exec(
        select(Inspection.scorecard_version_id).where(Inspection.id == order.inspection_id)
    ).first()
    version = session.get(ScorecardVersion, version_id) if version_id is not None else None
    if version is None:
        return False
    card = card_of(version)
    return card.has_item(order.item_code) and card.item(order.item_code).remote_proof


def _staff_pending(actor: User, proof: FixProof) -> None:
    if actor.role not in STAFF:
        raise NotAllowed(_l("只有民警、网格员或管理人员可以审核整改证明。"))
    if proof.status != PENDING:
        raise Conflict(_l("这份整改证明已处理。"))


def accept_proof(session: Session, *, actor: User, proof: FixProof, now: datetime) -> None:
    """Close the order and its follow-up task without a visit (refused for a serious hazard
    and for items the scorecard does not mark ``remote_proof``)."""
    _staff_pending(actor, proof)
    order = session.get(RectificationOrder, proof.order_id)
    assert order is not None
    if order.serious:
        raise Conflict(_l("严重隐患必须上门复查，不能凭照片关闭。"))
    if not may_accept_remotely(session, order):
        raise Conflict(_l("评分表规定这一项必须上门复查，不能凭照片关闭。"))
    if order.status != OrderStatus.OPEN:
        raise Conflict(_l("这份整改通知已关闭。"))
    order.status = OrderStatus.CLOSED
    order.closed_at = now
    session.add(order)
    cancelled = []
    for task in session.exec(
        select(Task).where(
            Task.unit_id == order.unit_id,
            Task.kind == TaskKind.FOLLOW_UP.value,
            Task.period_key == f"F{order.id}",
            col(Task.status).in_(_LIVE),
        )
    ):
        task.status = TaskStatus.CANCELLED.value
        session.add(task)
        cancelled.append(task.id)
    proof.status = ACCEPTED
    proof.decided_by = actor.id
    proof.decided_at = now
    session.add(proof)
    unit = session.get(Unit, order.unit_id)
    audit.record(
        session,
        actor,
        "selfservice.proof.accepted",
        unit,
        {"proof": proof.id, "order": order.id, "tasks_cancelled": cancelled},
    )


def schedule_visit(
    session: Session, *, actor: User, proof: FixProof, now: datetime, today: date
) -> Task:
    """A visit decides instead: a re-inspection within the week (or the unit's open one)."""
    _staff_pending(actor, proof)
    unit = session.get(Unit, proof.unit_id)
    assert unit is not None
    task = session.exec(
        select(Task).where(
            Task.unit_id == unit.id,
            Task.kind == TaskKind.REINSPECTION.value,
            col(Task.status).in_(_LIVE),
        )
    ).first()
    if task is None:
        task = task_services.request_reinspection(session, unit=unit, today=today, actor=actor)
    proof.status = VISIT
    proof.decided_by = actor.id
    proof.decided_at = now
    proof.task_id = task.id
    session.add(proof)
    audit.record(
        session,
        actor,
        "selfservice.proof.visit_scheduled",
        unit,
        {"proof": proof.id, "order": proof.order_id, "task": task.id},
    )
    return task


def proofs_of(session: Session, unit: Unit) -> dict[int, FixProof]:
    """Order id -> its newest proof, for the unit's pages (one query)."""
    newest: dict[int, FixProof] = {}
    for proof in session.exec(
        select(FixProof).where(FixProof.unit_id == unit.id).order_by(FixProof.id)
    ):
        newest[proof.order_id] = proof
    return newest


def staff_proofs(session: Session, unit: Unit) -> list[dict[str, Any]]:
    """Pending proofs with their order, photo keys and whether remote acceptance is allowed."""
    rows = list(
        session.exec(
            select(FixProof, RectificationOrder)
            .join(RectificationOrder, RectificationOrder.id == FixProof.order_id)
            .where(FixProof.unit_id == unit.id, FixProof.status == PENDING)
            .order_by(FixProof.id)
        )
    )
    ids = {pid for proof, _order in rows for pid in proof.photos}
    keys = (
        dict(session.exec(select(Photo.id, Photo.key).where(col(Photo.id).in_(ids))).all())
        if ids
        else {}
    )
    return [
        {
            "proof": proof,
            "order": order,
            "photo_keys": [keys[i] for i in proof.photos if i in keys],
            "remote": may_accept_remotely(session, order),
        }
        for proof, order in rows
    ]
