"""Points redeemed against the measures a community chooses (积分兑换).

Rules, as this module keeps them:

- **A community chooses.** Its managers mark which reward measures of the catalogue in
  force (the three-star band, of a kind that is handed over, sent or simply given) can be
  redeemed, and at what cost (1 to 10,000 points). Each change appends a
  ``RedeemableMeasure`` row; the newest per (community, code) is in force, so the
  settings keep their history.
- **A landlord redeems for one of their units** (or the office on the landlord's behalf,
  for a unit it sees): the measure must be redeemable in the unit's community today and
  the landlord's balance at least its cost, else a clear refusal and nothing written.
- **One redemption per request key.** The form carries a random key; the negative ledger
  entry is keyed by it (``redeem:<person>:<key>``, unique), so a double submit or two
  processes redeem once. The landlord's ``person`` row is locked (``FOR UPDATE`` on
  PostgreSQL; SQLite's write lock does the same) before the balance is read, so two
  redemptions at once cannot both spend the same points.
- **It becomes a measure to hand over**: a ``Measure`` without a rating, confirmed, with
  the entry that paid for it; the office records the handover as for any measure, and it
  shows on the unit file and in the portal. A rating change does not end it.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from rentals import audit, clock
from rentals.auth.access import OFFICE, can_see_unit, community_scope
from rentals.auth.models import Role, User
from rentals.errors import Conflict, InvalidInput, NotAllowed, NotFound
from rentals.incentives.catalogue import MeasureSpec, Record, catalogue_for
from rentals.incentives.measures import _folder as _measures_folder
from rentals.incentives.models import (
    Measure,
    MeasureEvent,
    MeasureStatus,
    PointsEntry,
    RedeemableMeasure,
)
from rentals.incentives.points import balance
from rentals.register.models import Area, Community, Person, Unit

MAX_COST = 10_000
#: Only rewards can be redeemed, and only those a manager hands over, sends or gives.
BANDS = ("three",)
RECORDS = (Record.HANDOVER, Record.SENT, Record.NONE)
_KEY = re.compile(r"[A-Za-z0-9_-]{16,64}")


def new_request_key() -> str:
    """The key a redemption form carries, so its double submit redeems once."""
    return secrets.token_urlsafe(18)


def is_eligible(spec: MeasureSpec) -> bool:
    return spec.band in BANDS and spec.record in RECORDS


@dataclass(frozen=True)
class Offer:
    spec: MeasureSpec
    cost: int
    catalogue_version: int


def current_settings(
    session: Session, community_ids: list[int]
) -> dict[tuple[int, str], RedeemableMeasure]:
    """The setting in force per (community, code): the newest row (one query)."""
    if not community_ids:
        return {}
    newest = (
        select(func.max(RedeemableMeasure.id))
        .where(RedeemableMeasure.community_id.in_(community_ids))
        .group_by(RedeemableMeasure.community_id, RedeemableMeasure.code)
    )
    rows = session.exec(select(RedeemableMeasure).where(RedeemableMeasure.id.in_(newest)))
    return {(r.community_id, r.code): r for r in rows}


def offers(session: Session, community_ids: list[int], *, today: date) -> dict[int, list[Offer]]:
    """What each community offers today, in catalogue order."""
    catalogue = catalogue_for(today, _measures_folder(), session)
    settings = current_settings(session, community_ids)
    found: dict[int, list[Offer]] = {c: [] for c in community_ids}
    for community_id in community_ids:
        for spec in catalogue.measures:
            row = settings.get((community_id, spec.code))
            if row is not None and row.active and is_eligible(spec):
                found[community_id].append(Offer(spec, row.cost, catalogue.version))
    return found


def eligible_measures(session: Session, *, today: date) -> list[MeasureSpec]:
    """The catalogue's measures a community may make redeemable today."""
    catalogue = catalogue_for(today, _measures_folder(), session)
    return [m for m in catalogue.measures if is_eligible(m)]


def set_redeemable(
    session: Session,
    *,
    actor: User,
    community_id: int,
    code: str,
    cost: int | None,
    today: date,
) -> RedeemableMeasure | None:
    """Make ``code`` redeemable in the community for ``cost`` points (None: no longer
    redeemable); appends a row when the setting changes, returns it (None: unchanged)."""
    if actor.role not in OFFICE:
        raise NotAllowed(_l("只有管理人员可以设置积分兑换。"))
    community = session.exec(
        select(Community).where(Community.id == community_id, community_scope(actor))
    ).first()
    if community is None:
        raise NotFound(_l("没有这个社区。"))
    if code not in {m.code for m in eligible_measures(session, today=today)}:
        raise InvalidInput(_l("这项措施不能用积分兑换。"), field="code")
    if cost is not None and not 1 <= cost <= MAX_COST:
        raise InvalidInput(_l("所需积分应在 1 到 %(n)s 之间。", n=MAX_COST), field="cost")
    current = current_settings(session, [community_id]).get((community_id, code))
    if (current is None or not current.active) and cost is None:
        return None
    if current is not None and current.active and current.cost == cost:
        return None
    row = RedeemableMeasure(
        community_id=community_id,
        code=code,
        cost=cost if cost is not None else (current.cost if current else 0),
        active=cost is not None,
        set_by=actor.id,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor,
        "points.redeemable_set",
        community,
        {"code": code, "cost": cost, "active": cost is not None},
    )
    return row


def _by_key(session: Session, key: str) -> Measure | None:
    return session.exec(
        select(Measure)
        .join(PointsEntry, PointsEntry.id == Measure.points_entry_id)
        .where(PointsEntry.key == key)
    ).first()


def _check_actor(session: Session, actor: User, unit: Unit) -> None:
    if actor.role == Role.LANDLORD:
        if actor.person_id is None or unit.landlord_id != actor.person_id:
            raise NotAllowed(_l("只有该房屋的房东可以这样做。"))
    elif actor.role not in OFFICE or not can_see_unit(session, actor, unit):
        raise NotAllowed(_l("只有房东或管理人员可以兑换积分。"))


def redeem(
    session: Session, *, actor: User, unit: Unit, code: str, request_key: str, now: datetime
) -> Measure:
    """Spend the landlord's points on a redeemable measure for ``unit`` (see the module's
    rules); returns the measure to hand over (the same one for a repeated request key)."""
    _check_actor(session, actor, unit)
    if not isinstance(request_key, str) or not _KEY.fullmatch(request_key):
        raise InvalidInput(_l("请重新打开页面后再兑换。"), field="request_key")
    if unit.landlord_id is None:
        raise Conflict(_l("这户没有登记房东，不能兑换积分。"))
    person_id = unit.landlord_id
    key = f"redeem:{person_id}:{request_key}"
    if (done := _by_key(session, key)) is not None:
        return done
    # Every redemption of this landlord waits here for the one before it to commit.
    session.exec(select(Person.id).where(Person.id == person_id).with_for_update()).one()
    if (done := _by_key(session, key)) is not None:
        return done
    area = session.get(Area, unit.area_id)
    assert area is not None
    today = clock.local_date(now)
    offer = next(
        (o for o in offers(session, [area.community_id], today=today)[area.community_id]
         if o.spec.code == code),
        None,
    )  # fmt: skip
    if offer is None:
        raise Conflict(_l("这项措施在本社区不能用积分兑换。"))
    have = balance(session, person_id)
    if have < offer.cost:
        raise Conflict(
            _l("积分不足：需要 %(cost)s 分，现有 %(have)s 分。", cost=offer.cost, have=have)
        )
    spec = offer.spec
    status = MeasureStatus.DONE if spec.record == Record.NONE else MeasureStatus.CONFIRMED
    measure = Measure(
        unit_id=unit.id,
        landlord_id=person_id,
        rating_id=None,
        band=spec.band,
        catalogue_version=offer.catalogue_version,
        code=spec.code,
        record=spec.record.value,
        text_zh=spec.zh,
        text_bo=spec.bo,
        text_en=spec.en,
        status=status,
        proposed_at=now,
    )
    try:
        with session.begin_nested():
            session.add(measure)
            session.flush()
            entry = PointsEntry(
                key=key,
                person_id=person_id,
                holder="landlord",
                unit_id=unit.id,
                area_id=area.id,
                community_id=area.community_id,
                event="redemption",
                points=-offer.cost,
                #: Not from a rule: the cost is the community's setting of the day.
                rules_version=0,
                reason_zh=f"积分兑换：{spec.zh}"[:300],
                reason_bo=f"སྐར་གྲངས་བརྗེ་ལེན། {spec.bo or spec.zh}"[:300],
                reason_en=f"Redeemed: {spec.en or spec.zh}"[:300],
                source_type="measure",
                source_id=measure.id,
                occurred_on=today,
            )
            session.add(entry)
            session.flush()
            measure.points_entry_id = entry.id
            session.add(measure)
            session.add(
                MeasureEvent(
                    measure_id=measure.id,
                    kind="redeemed",
                    at=now,
                    actor_id=actor.id,
                    data={
                        "cost": offer.cost,
                        "entry": entry.id,
                        "version": offer.catalogue_version,
                    },
                )
            )
            session.flush()
    except IntegrityError:
        # Another process redeemed this request first (same key): that one counts.
        found = _by_key(session, key)
        if found is None:
            raise
        return found
    audit.record(
        session,
        actor,
        "points.redeemed",
        unit,
        {
            "measure": measure.id,
            "code": spec.code,
            "cost": offer.cost,
            "balance": have - offer.cost,
        },
    )
    return measure


def redeemable_for_landlord(
    session: Session, person_id: int, *, today: date
) -> list[tuple[Unit, list[Offer]]]:
    """The landlord's units with what each unit's community offers (units of communities
    that offer nothing are left out)."""
    units = list(
        session.exec(select(Unit).where(Unit.landlord_id == person_id).order_by(Unit.code))
    )
    if not units:
        return []
    communities = dict(
        session.exec(
            select(Area.id, Area.community_id).where(Area.id.in_({u.area_id for u in units}))
        ).all()
    )
    offered = offers(session, sorted(set(communities.values())), today=today)
    return [(u, offered[communities[u.area_id]]) for u in units if offered[communities[u.area_id]]]
