"""The measures a rating carries (rewards for three stars, penalties for one star and not
rated): proposed when a rating changes, then confirmed or declined, recorded, ended.

Rules, as the scheme states them and as this module keeps them:

- **Proposed on a change.** When a unit's new rating has another status than the one
  before it (or is its first), every measure still in force ends (an ``ended`` event) and
  the measures of the new band in the catalogue in force that day are proposed, one per
  (rating, code): proposing twice for one rating adds nothing. The same status again
  changes nothing: the measures in force go on.
- **A manager decides.** Only the office confirms or declines a proposed measure (a
  decline needs a reason), and records what was done on a confirmed one, as its catalogue
  entry says: a handover or a sending on a date with a note, parking from N to M spaces
  (M below N), a referral number. Confirming a blacklist measure sends the blacklist
  notice. An ended measure can no longer change.
- **History is appended.** Each step is a ``MeasureEvent`` and an audit entry on the unit;
  ``Measure.status`` and ``ended_at`` only mirror the newest step.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from flask import current_app, has_app_context
from flask_babel import lazy_gettext as _l
from sqlmodel import Session, select

from rentals import audit, clock
from rentals.auth.access import OFFICE
from rentals.auth.models import User
from rentals.errors import Conflict, InvalidInput, NotAllowed
from rentals.incentives.blacklist import LISTED, NOTICE_DAYS, notify_blacklist
from rentals.incentives.catalogue import Record, catalogue_for
from rentals.incentives.models import BlacklistNotice, Measure, MeasureEvent, MeasureStatus
from rentals.inspections.models import Photo
from rentals.inspections.photos import store_photo
from rentals.ratings.models import Rating
from rentals.ratings.signals import rating_appended
from rentals.register.models import Unit
from scoring import RatingStatus

MAX_NOTE = 500
MAX_REFERRAL = 40
MAX_PARKING = 999
_REFERRAL = re.compile(r"[0-9A-Za-z\u4e00-\u9fff〔〕()（）\[\]\-/#号第字]{1,40}")
#: Steps that change what a measure is.
LIVE = (MeasureStatus.PROPOSED, MeasureStatus.CONFIRMED, MeasureStatus.DONE)


def _folder() -> Path | None:
    """A community's own catalogue versions: ``<instance>/measures/``."""
    if not has_app_context():
        return None
    return Path(current_app.instance_path) / "measures"


def _event(
    session: Session, measure: Measure, kind: str, *, actor: User | None, now: datetime, **data: Any
) -> MeasureEvent:
    event = MeasureEvent(
        measure_id=measure.id, kind=kind, at=now, actor_id=getattr(actor, "id", None), data=data
    )
    session.add(event)
    return event


def _previous_status(session: Session, rating: Rating) -> str | None:
    return session.exec(
        select(Rating.status)
        .where(Rating.unit_id == rating.unit_id, Rating.id < rating.id)
        .order_by(Rating.id.desc())
        .limit(1)
    ).first()


def rating_changed(session: Session, *, rating: Rating, now: datetime) -> list[Measure]:
    """End the unit's measures in force and propose the new band's (see the module's
    rules); returns the measures proposed now (none when the status did not change)."""
    if _previous_status(session, rating) == rating.status:
        return []
    unit = session.get(Unit, rating.unit_id)
    assert unit is not None
    ended = list(
        session.exec(
            select(Measure).where(
                Measure.unit_id == unit.id,
                Measure.ended_at.is_(None),
                Measure.rating_id.is_not(None),  # a measure redeemed with points goes on
                Measure.rating_id != rating.id,  # a second call for this rating ends nothing
            )
        )
    )
    for measure in ended:
        measure.ended_at = now
        session.add(measure)
        _event(session, measure, "ended", actor=None, now=now, rating=rating.id)
    catalogue = catalogue_for(clock.local_date(now), _folder(), session)
    # One per (rating, code): a second call for this rating proposes nothing again. Only
    # the transaction that appended the rating knows it yet, so no other writer can race
    # for these keys and the rows go in one flush (no savepoint per row).
    taken = set(session.exec(select(Measure.code).where(Measure.rating_id == rating.id)))
    proposed = []
    for spec in catalogue.for_band(rating.status):
        if spec.code in taken:
            continue
        taken.add(spec.code)
        row = Measure(
            unit_id=unit.id,
            landlord_id=unit.landlord_id,
            rating_id=rating.id,
            band=rating.status,
            catalogue_version=catalogue.version,
            code=spec.code,
            record=spec.record.value,
            text_zh=spec.zh,
            text_bo=spec.bo,
            text_en=spec.en,
            proposed_at=now,
        )
        session.add(row)
        proposed.append(row)
    if proposed:
        session.flush()  # the measures' ids, for their events
    for row in proposed:
        _event(session, row, "proposed", actor=None, now=now, version=catalogue.version)
    session.flush()
    if ended or proposed:
        audit.record(
            session,
            None,
            "measure.proposed",
            unit,
            {
                "rating": rating.id,
                "version": catalogue.version,
                "proposed": [m.code for m in proposed],
                "ended": [m.code for m in ended],
            },
        )
    return proposed


@rating_appended.connect
def _on_rating(session: Session, *, rating: Rating, now: datetime) -> None:
    rating_changed(session, rating=rating, now=now)


def confirm_measure(session: Session, *, actor: User, measure: Measure, now: datetime) -> Measure:
    """The office will carry the measure out; a blacklist measure notifies the landlord."""
    unit = _unit(session, actor, measure)
    if measure.status != MeasureStatus.PROPOSED:
        raise Conflict(_l("这项措施已经处理。"))
    if measure.record == Record.NOTICE and unit.rating_status not in LISTED:
        raise Conflict(_l("只有一星或不予评定的房屋需要公示告知。"))
    measure.status = MeasureStatus.CONFIRMED
    data: dict[str, Any] = {}
    if measure.record == Record.NOTICE:
        notice = notify_blacklist(session, actor=actor, unit=unit, now=now)
        measure.status = MeasureStatus.DONE
        data = {"notice": notice.id, "days": NOTICE_DAYS}
    elif measure.record == Record.NONE:
        measure.status = MeasureStatus.DONE
    session.add(measure)
    _event(session, measure, "confirmed", actor=actor, now=now, **data)
    session.flush()
    audit.record(
        session, actor, "measure.confirmed", unit, {"measure": measure.id, "code": measure.code}
    )
    return measure


def notice_sent(session: Session, *, actor: User, notice: BlacklistNotice, now: datetime) -> int:
    """The landlord was notified from the unit file: that rating's proposed blacklist
    measures are done with it (confirming them would send the same notice)."""
    rows = list(
        session.exec(
            select(Measure).where(
                Measure.rating_id == notice.rating_id,
                Measure.record == Record.NOTICE,
                Measure.status == MeasureStatus.PROPOSED,
                Measure.ended_at.is_(None),
            )
        )
    )
    for measure in rows:
        measure.status = MeasureStatus.DONE
        session.add(measure)
        _event(session, measure, "confirmed", actor=actor, now=now, notice=notice.id)
    session.flush()
    return len(rows)


def decline_measure(
    session: Session, *, actor: User, measure: Measure, reason: str, now: datetime
) -> Measure:
    """The office will not carry the measure out, for a stated reason."""
    unit = _unit(session, actor, measure)
    if measure.status != MeasureStatus.PROPOSED:
        raise Conflict(_l("这项措施已经处理。"))
    reason = " ".join((reason or "").split())
    if not reason:
        raise InvalidInput(_l("请写明不采取的理由。"), field="reason")
    if len(reason) > MAX_NOTE:
        raise InvalidInput(_l("最多 %(n)s 个字。", n=MAX_NOTE), field="reason")
    measure.status = MeasureStatus.DECLINED
    session.add(measure)
    _event(session, measure, "declined", actor=actor, now=now, reason=reason)
    session.flush()
    audit.record(
        session,
        actor,
        "measure.declined",
        unit,
        {"measure": measure.id, "code": measure.code, "reason": reason},
    )
    return measure


@dataclass(frozen=True)
class Done:
    """What was done, as a manager records it (the fields its kind needs)."""

    on: date | None = None
    note: str = ""
    parking_from: int | None = None
    parking_to: int | None = None
    number: str = ""
    #: A photo of the handover (the bytes as uploaded; checked and re-encoded here).
    photo: bytes | None = None


def _recorded(measure: Measure, done: Done, *, today: date, since: date) -> dict[str, Any]:
    """The event's data for ``done``, checked against the measure's kind."""
    note = " ".join((done.note or "").split())
    if len(note) > MAX_NOTE:
        raise InvalidInput(_l("最多 %(n)s 个字。", n=MAX_NOTE), field="note")
    kind = Record(measure.record)
    if kind in (Record.HANDOVER, Record.SENT):
        if done.on is None:
            raise InvalidInput(_l("请填写日期。"), field="on")
        if not since <= done.on <= today:
            raise InvalidInput(
                _l("日期应在 %(a)s 到 %(b)s 之间。", a=since.isoformat(), b=today.isoformat()),
                field="on",
            )
        return {"on": done.on.isoformat(), "note": note}
    if kind == Record.PARKING:
        before, after = done.parking_from, done.parking_to
        if before is None or after is None:
            raise InvalidInput(_l("请填写调整前后的车位数。"), field="parking_to")
        if not (0 <= after < before <= MAX_PARKING):
            raise InvalidInput(
                _l("调整后的车位数应少于调整前（0 到 %(n)s）。", n=MAX_PARKING), field="parking_to"
            )
        return {"from": before, "to": after, "note": note}
    if kind == Record.REFERRAL:
        number = (done.number or "").strip()
        if not _REFERRAL.fullmatch(number):
            raise InvalidInput(_l("请填写移交文书编号（最多 40 个字符）。"), field="number")
        return {"number": number, "note": note}
    raise Conflict(_l("这项措施不需要另外记录。"))


def record_measure(
    session: Session, *, actor: User, measure: Measure, done: Done, now: datetime
) -> Measure:
    """Record what was done on a confirmed measure; the measure is then done."""
    unit = _unit(session, actor, measure)
    if measure.status != MeasureStatus.CONFIRMED:
        raise Conflict(_l("只能记录已确认、尚未记录的措施。"))
    data = _recorded(
        measure, done, today=clock.local_date(now), since=clock.local_date(measure.proposed_at)
    )
    if done.photo:
        if measure.record != Record.HANDOVER:
            raise InvalidInput(_l("只有发放礼包可以附照片。"), field="photo")
        data["photo"] = _store_photo(session, actor=actor, unit=unit, data=done.photo, now=now)
    measure.status = MeasureStatus.DONE
    session.add(measure)
    _event(session, measure, "recorded", actor=actor, now=now, **data)
    session.flush()
    audit.record(
        session,
        actor,
        "measure.recorded",
        unit,
        {"measure": measure.id, "code": measure.code, **data},
    )
    return measure


def _store_photo(session: Session, *, actor: User, unit: Unit, data: bytes, now: datetime) -> int:
    """The handover's photo through the hazard photos' pipeline (type by content,
    re-encoded without metadata, a random name); returns its ``Photo`` id. Shown only
    through ``measure_photo`` (staff of the unit, the measure's landlord)."""
    photo = store_photo(
        session,
        data,
        key=f"measure-{uuid.uuid4().hex}",
        unit_id=unit.id,  # type: ignore[arg-type]
        uploaded_by=actor.id,
        created_at=now,
    )
    return photo.id  # type: ignore[return-value]


def photo_of(session: Session, measure: Measure) -> Photo | None:
    """The photo recorded with the measure's handover, if any."""
    ids = [
        e.data.get("photo")
        for e in session.exec(
            select(MeasureEvent).where(
                MeasureEvent.measure_id == measure.id, MeasureEvent.kind == "recorded"
            )
        )
    ]
    photo_id = next((i for i in ids if isinstance(i, int)), None)
    photo = session.get(Photo, photo_id) if photo_id is not None else None
    return photo if photo is not None and photo.unit_id == measure.unit_id else None


def _unit(session: Session, actor: User, measure: Measure) -> Unit:
    if actor.role not in OFFICE:
        raise NotAllowed(_l("只有管理人员可以处理奖惩措施。"))
    if measure.ended_at is not None:
        raise Conflict(_l("评定已经变化，这项措施已结束，不能再修改。"))
    unit = session.get(Unit, measure.unit_id)
    assert unit is not None
    return unit


def is_in_force(measure: Measure) -> bool:
    return measure.ended_at is None and measure.status in (
        MeasureStatus.CONFIRMED,
        MeasureStatus.DONE,
    )


# -- the text lines shown before any measure was proposed (ratings older than measures) -----

EFFECTS_NOTE = {
    RatingStatus.THREE.value: _l("三星：可获优先推荐、礼包和“优秀双联户”推荐，由社区确认后落实。"),
    RatingStatus.ONE.value: _l(
        "一星：黑榜公示、减少停车位、失去“双联户”评选资格，由社区确认后落实。"
    ),
    RatingStatus.NOT_RATED.value: _l("不予评定：依法依规处理，由社区确认后落实。"),
}
