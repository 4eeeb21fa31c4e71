"""Recording inspections, their photos, rectification orders and signatures.

Nothing lost, nothing doubled: an inspection and a photo each carry a key made on the phone,
so a retried submit or upload returns the row it already made.  Inspections are appended;
after a signature a record is only followed by a correction that references it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlmodel import Session, select

from rentals import audit, clock, db
from rentals.errors import Conflict, InvalidInput, NotFound
from rentals.inspections import photos as photo_files
from rentals.inspections.models import (
    Inspection,
    OrderStatus,
    Outcome,
    Photo,
    RectificationOrder,
    Signature,
)
from rentals.ratings.models import ScorecardVersion
from rentals.ratings.services import (
    active_scorecard,
    card_of,
    describe_problems,
    ensure_default_scorecard,
    rate_inspection,
)
from rentals.register.models import Unit
from rentals.tasks import services as task_services
from rentals.tasks.models import Task, TaskKind
from scoring import Answer, AnswerError, check_inspection

#: The unrectified-hazard veto of the default card.
UNRECTIFIED_VETO = "V1"
SIGNERS = ("party", "inspector")
#: A photo key made on the phone (a UUID in hex) or from a draft key and an item code.
PHOTO_KEY = re.compile(r"[A-Za-z0-9_-]{1,64}")


class StaleChecklist(Conflict):
    """Another inspection of the unit was recorded after this checklist was opened."""

    code = "stale_checklist"


@dataclass(frozen=True)
class OrderRequest:
    """A rectification order asked for on a failed item; ``deadline`` None = the item's default."""

    item_code: str
    deadline: date | None = None
    serious: bool = False
    note: str = ""


def local_date(now: datetime) -> date:
    return clock.local_date(now)


def checklist_version(session: Session, *, today: date) -> ScorecardVersion:
    """The version a checklist opened today uses (the shipped one is stored if none is)."""
    try:
        return active_scorecard(session, today=today)
    except NotFound:
        # None in force: perhaps none stored yet (a fresh installation).
        ensure_default_scorecard(session, today=today)
        return active_scorecard(session, today=today)


def latest_inspection_id(session: Session, unit: Unit) -> int:
    """Id of the unit's newest inspection, 0 when none: stored in a checklist to spot a
    second inspector's record made while it was open."""
    found = session.exec(
        select(Inspection.id).where(Inspection.unit_id == unit.id).order_by(Inspection.id.desc())
    ).first()
    return found or 0


def open_orders_for_unit(session: Session, unit: Unit) -> list[RectificationOrder]:
    """The unit's open rectification orders, earliest deadline first (the landlord's list)."""
    return list(
        session.exec(
            select(RectificationOrder)
            .where(
                RectificationOrder.unit_id == unit.id,
                RectificationOrder.status == OrderStatus.OPEN,
            )
            .order_by(RectificationOrder.deadline, RectificationOrder.id)
        )
    )


def by_client_key(session: Session, client_key: str) -> Inspection | None:
    return session.exec(select(Inspection).where(Inspection.client_key == client_key)).first()


def correction_of(session: Session, *, unit: Unit, inspection_id: int | None) -> Inspection | None:
    """The record a correction replaces: one of this unit's inspections (else NotFound)."""
    if inspection_id is None:
        return None
    original = session.get(Inspection, inspection_id)
    if original is None or original.unit_id != unit.id:
        raise NotFound(_l("找不到该页面或记录。"))
    return original


def follow_up_base(session: Session, unit: Unit) -> Inspection | None:
    """The newest completed inspection, whose answers a follow-up visit carries over."""
    return session.exec(
        select(Inspection)
        .where(Inspection.unit_id == unit.id, Inspection.outcome == Outcome.COMPLETED)
        .order_by(Inspection.id.desc())
    ).first()


def record_inspection(
    session: Session,
    *,
    unit: Unit,
    inspector: Any,
    client_key: str,
    answers: Mapping[str, str],
    vetoes: Iterable[str],
    notes: Mapping[str, str],
    outcome: str,
    now: datetime,
    task: Task | None = None,
    orders: Iterable[OrderRequest] = (),
    expected_latest_id: int | None = None,
    corrects: Inspection | None = None,
    reason: str = "",
    version: ScorecardVersion | None = None,
) -> Inspection:
    """Record one visit; idempotent by ``client_key`` (a retry returns the existing row).

    Only an inspection (COMPLETED) keeps item answers: it is rated, closes the open orders
    whose item it finds met, opens the orders asked for on failed items and adds veto V1
    when a serious order is past its deadline and its item is still not met. A refusal
    needs a ``reason``, keeps no answers and is rated not rated through veto V2 alone;
    both complete the task. No access and unit gone are kept on the file, rate nothing
    and leave the task open (a task is due by the end of its period).
    ``expected_latest_id`` (the newest inspection when the checklist was opened) raises
    StaleChecklist if another inspection was recorded since. ``version`` is the
    ``checklist_version`` of ``now``'s day when the caller has read it already.
    """
    client_key = (client_key or "").strip()
    if not client_key or len(client_key) > 64:
        raise InvalidInput(_l("缺少草稿编号，请刷新页面后重试。"), field="client_key")
    existing = by_client_key(session, client_key)
    if existing is not None:
        if existing.unit_id != unit.id:
            raise Conflict(_l("该草稿编号已用于另一户的检查。"))
        return existing
    if outcome not in set(Outcome):
        raise InvalidInput(_l("检查结果无效。"), field="outcome")
    outcome = Outcome(outcome)
    reason = (reason or "").strip()
    if outcome == Outcome.REFUSED and not reason:
        raise InvalidInput(_l("请填写房东拒绝检查的原因。"), field="refusal_reason")
    if expected_latest_id is not None and latest_inspection_id(session, unit) != expected_latest_id:
        raise StaleChecklist(_l("打开检查表之后，这户已经有人提交了一次检查。"))
    today = local_date(now)
    if version is None:
        version = checklist_version(session, today=today)
    card = card_of(version)
    answers = dict(answers)
    if task is not None and task.kind == TaskKind.FOLLOW_UP:
        base = follow_up_base(session, unit)
        if base is not None and base.scorecard_version_id == version.id:
            answers = {**base.answers, **answers}
    vetoes = list(vetoes)
    open_orders: list[RectificationOrder] = []
    if outcome == Outcome.COMPLETED:
        try:
            checked, applied = check_inspection(card, answers, vetoes)
        except AnswerError as err:
            raise InvalidInput(
                gettext(
                    "检查表与评分表不一致：%(detail)s",
                    detail=describe_problems(err.problems, version=card.version),
                ),
                field="answers",
            ) from err
        answers = {code: answer.value for code, answer in checked.items()}
        vetoes = list(applied)
        open_orders = open_orders_for_unit(session, unit)
        overdue = [
            order
            for order in open_orders
            if order.serious and order.deadline < today and answers.get(order.item_code) != "met"
        ]
        if overdue and UNRECTIFIED_VETO in card.veto_codes and UNRECTIFIED_VETO not in vetoes:
            vetoes = [code for code in card.veto_codes if code in {*vetoes, UNRECTIFIED_VETO}]
    else:
        # Not an inspection: whatever was ticked before the outcome was chosen is not a finding.
        answers = {}
        vetoes = []
    notes = {k: v for k, v in notes.items() if v and (outcome.has_answers or k == "")}
    if reason:
        visit_note = notes.get("", "")
        notes[""] = reason if visit_note in ("", reason) else f"{reason}\n{visit_note}"
    inspection = Inspection(
        unit_id=unit.id,
        inspector_id=getattr(inspector, "id", inspector),
        scorecard_version_id=version.id,
        client_key=client_key,
        outcome=outcome,
        answers=answers,
        vetoes=vetoes,
        notes=notes,
        task_id=task.id if task else None,
        corrects_id=corrects.id if corrects else None,
        visited_at=now,
        created_at=now,
    )
    # Two copies of one submit may race: the one inserted first is the record.
    stored = db.insert_once(session, inspection, lambda: by_client_key(session, client_key))
    if stored is not inspection:
        return stored
    _attach_photos(session, inspection)
    created = []
    if outcome == Outcome.COMPLETED:
        _close_orders(session, inspection, open_orders, now)
        still_open = {o.item_code for o in open_orders if o.status == OrderStatus.OPEN}
        created = _open_orders(session, inspection, card, orders, still_open, today, now)
    audit.record(
        session,
        inspector,
        "inspection.recorded",
        unit,
        {
            "inspection": inspection.id,
            "outcome": outcome.value,
            "scorecard_version": version.version,
            "orders": [o.id for o in created],
            **({"corrects": corrects.id} if corrects else {}),
        },
    )
    if outcome.is_rated:
        rate_inspection(session, inspection=inspection, now=now)
        if task is not None:
            task_services.complete_task(session, task=task, inspection=inspection, now=now)
        task_services.plan_unit_now(session, unit=unit, today=today)
    for order in created:
        task_services.create_follow_up(session, unit=unit, order_id=order.id, due=order.deadline)
    session.flush()
    return inspection


def _attach_photos(session: Session, inspection: Inspection) -> None:
    for photo in session.exec(
        select(Photo).where(
            Photo.inspection_key == inspection.client_key, Photo.unit_id == inspection.unit_id
        )
    ):
        photo.inspection_id = inspection.id
        session.add(photo)
    session.flush()


def _close_orders(
    session: Session,
    inspection: Inspection,
    open_orders: Iterable[RectificationOrder],
    now: datetime,
) -> None:
    """An order is closed only by an inspection that finds its item met (``open_orders``:
    the unit's open orders, read once by ``record_inspection``)."""
    for order in open_orders:
        if inspection.answers.get(order.item_code) == Answer.MET:
            order.status = OrderStatus.CLOSED
            order.closed_by_inspection_id = inspection.id
            order.closed_at = now
            session.add(order)
            if order.serious:
                task_services.cancel_serious_revisits(
                    session, unit_id=order.unit_id, order_id=order.id
                )
    session.flush()


def _open_orders(
    session: Session,
    inspection: Inspection,
    card: Any,
    orders: Iterable[OrderRequest],
    still_open: set[str],
    today: date,
    now: datetime,
) -> list[RectificationOrder]:
    """The orders asked for on failed items, one per item not already under an open order
    (``still_open``: their item codes, after ``_close_orders``)."""
    created = []
    for req in orders:
        if inspection.answers.get(req.item_code) != Answer.NOT_MET or req.item_code in still_open:
            continue
        item = card.item(req.item_code)
        deadline = req.deadline or today + timedelta(days=item.deadline_days)
        if deadline < today:
            raise InvalidInput(_l("整改期限不能早于今天。"), field=f"d_{req.item_code}")
        photo = session.exec(
            select(Photo).where(
                Photo.inspection_id == inspection.id, Photo.item_code == req.item_code
            )
        ).first()
        order = RectificationOrder(
            unit_id=inspection.unit_id,
            inspection_id=inspection.id,
            item_code=req.item_code,
            deadline=deadline,
            serious=req.serious,
            note=req.note,
            photo_id=photo.id if photo else None,
            created_at=now,
        )
        session.add(order)
        still_open.add(req.item_code)
        created.append(order)
    session.flush()
    return created


def store_photo(
    session: Session,
    *,
    actor: Any,
    unit: Unit,
    key: str,
    inspection_key: str,
    item_code: str,
    data: bytes,
    now: datetime,
) -> Photo:
    """Check, re-encode and keep one photo; idempotent by ``key`` (the phone's UUID)."""
    key = (key or "").strip()
    if not key or len(key) > 64:
        raise InvalidInput(_l("缺少照片编号。"), field="key")
    if not PHOTO_KEY.fullmatch(key):
        # The key names the photo in its URL (/photos/<key>): letters, digits, - and _.
        raise InvalidInput(_l("照片编号无效。"), field="key")
    existing = session.exec(select(Photo).where(Photo.key == key)).first()
    if existing is not None:
        if existing.unit_id != unit.id:
            raise Conflict(_l("该照片编号已用于另一户。"))
        return existing
    inspection = by_client_key(session, inspection_key) if inspection_key else None
    if inspection is not None and inspection.unit_id != unit.id:
        inspection = None
    photo = photo_files.store_photo(
        session,
        data,
        key=key,
        unit_id=unit.id,  # type: ignore[arg-type]
        uploaded_by=getattr(actor, "id", actor),
        inspection_key=(inspection_key or "")[:64],
        inspection_id=inspection.id if inspection else None,
        item_code=(item_code or "")[:16],
        created_at=now,
    )
    if inspection is not None and photo.item_code:
        # The inspection arrived first: give its order for this item the photo.
        order = session.exec(
            select(RectificationOrder).where(
                RectificationOrder.inspection_id == inspection.id,
                RectificationOrder.item_code == photo.item_code,
                RectificationOrder.photo_id.is_(None),
            )
        ).first()
        if order is not None:
            order.photo_id = photo.id
            session.add(order)
    audit.record(session, actor, "photo.uploaded", unit, {"photo": photo.id, "item": item_code})
    return photo


def signatures_of(session: Session, inspection: Inspection) -> list[Signature]:
    return list(
        session.exec(
            select(Signature).where(Signature.inspection_id == inspection.id).order_by(Signature.id)
        )
    )


def is_signed(session: Session, inspection: Inspection) -> bool:
    return bool(signatures_of(session, inspection))


def sign_inspection(
    session: Session,
    *,
    inspection: Inspection,
    actor: Any,
    signer: str,
    name: str,
    image: bytes | None,
    now: datetime,
) -> Signature:
    """Add the landlord's/tenant's or the inspector's signature (each signs once)."""
    if signer not in SIGNERS:
        raise InvalidInput(_l("签字人无效。"), field="signer")
    name = name.strip()
    if not name:
        raise InvalidInput(_l("请填写签字人姓名。"), field="name")
    if any(s.signer == signer for s in signatures_of(session, inspection)):
        raise Conflict(_l("这一方已经签过字。"))
    row = Signature(
        inspection_id=inspection.id, signer=signer, name=name[:100], image=image, signed_at=now
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor,
        "inspection.signed",
        ("unit", inspection.unit_id),
        {"inspection": inspection.id, "signer": signer, "drawn": image is not None},
    )
    return row


def amend_note(session: Session, *, inspection: Inspection, actor: Any, note: str) -> None:
    """Change the visit note of an unsigned record; a signed one only takes a correction."""
    if is_signed(session, inspection):
        raise Conflict(_l("已签字的检查记录不能修改，只能提交一份更正记录。"))
    before = inspection.notes.get("", "")
    inspection.notes = {**inspection.notes, "": note.strip()}
    session.add(inspection)
    session.flush()
    audit.record(
        session,
        actor,
        "inspection.note_amended",
        ("unit", inspection.unit_id),
        {"inspection": inspection.id, "note": [before, note.strip()]},
    )
