"""Changes to the unit file. Every change is audited in the same transaction.

Shared by the pages, the importer and the CLI, so a rule (one open tenancy per person,
unique identity numbers) holds whichever way the data arrives.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlmodel import Session, select

from rentals import audit
from rentals.audit.services import diff
from rentals.auth.models import User
from rentals.errors import Conflict, InvalidInput, NotAllowed
from rentals.modelbase import utcnow
from rentals.register.models import Area, Person, Tenancy, Unit, UnitStatus, UnitType
from rentals.validators import FieldInvalid, check_date_order

UNIT_FIELDS = (
    "code",
    "area_id",
    "address",
    "street",
    "house_number",
    "unit_type",
    "rooms",
    "floor_area",
    "status",
    "landlord_id",
)
PERSON_FIELDS = ("name", "id_number", "phone", "address")


@dataclass(frozen=True)
class UnitData:
    code: str
    area_id: int
    address: str
    street: str = ""
    house_number: int | None = None
    unit_type: str = UnitType.ROOM
    rooms: int = 1
    floor_area: Decimal | None = None
    status: str = UnitStatus.ACTIVE
    landlord_id: int | None = None


@dataclass(frozen=True)
class PersonData:
    name: str
    id_number: str | None = None
    phone: str | None = None
    address: str = ""


def _snapshot(row: Any, fields: tuple[str, ...]) -> dict[str, Any]:
    return {f: getattr(row, f) for f in fields}


def _redact(changes: dict[str, list[Any]]) -> dict[str, list[Any]]:
    """Audit rows must not become a second copy of identity numbers: keep masked values."""
    from rentals.templating import mask_id_number

    if "id_number" in changes:
        changes["id_number"] = [mask_id_number(v) for v in changes["id_number"]]
    return changes


def _check_unit(session: Session, data: UnitData, unit_id: int | None) -> None:
    if not data.code.strip():
        raise InvalidInput(_l("请填写单元编号。"), field="code")
    if session.get(Area, data.area_id) is None:
        raise InvalidInput(_l("所选区域不存在。"), field="area_id")
    if data.status not in set(UnitStatus):
        raise InvalidInput(_l("状态无效。"), field="status")
    if data.unit_type not in set(UnitType):
        raise InvalidInput(_l("房屋类型无效。"), field="unit_type")
    if data.rooms < 0:
        raise InvalidInput(_l("房间数不能为负数。"), field="rooms")
    if data.landlord_id is not None and session.get(Person, data.landlord_id) is None:
        raise InvalidInput(_l("所选房东不存在。"), field="landlord_id")
    clash = session.exec(select(Unit.id).where(Unit.code == data.code)).first()
    if clash is not None and clash != unit_id:
        raise Conflict(_l("单元编号 %(code)s 已存在。", code=data.code), field="code")


def create_unit(session: Session, *, actor: User | None, data: UnitData) -> Unit:
    _check_unit(session, data, None)
    unit = Unit(**_snapshot(data, UNIT_FIELDS))
    session.add(unit)
    session.flush()
    audit.record(session, actor, "unit.created", unit, _snapshot_plain(unit))
    return unit


def update_unit(session: Session, *, actor: User | None, unit: Unit, data: UnitData) -> dict:
    """Apply changed fields; returns the change set (empty when nothing changed)."""
    _check_unit(session, data, unit.id)
    before = _snapshot(unit, UNIT_FIELDS)
    after = _snapshot(data, UNIT_FIELDS)
    changes = diff(before, after)
    if changes:
        for key in changes:
            setattr(unit, key, after[key])
        unit.updated_at = utcnow()
        session.add(unit)
        audit.record(session, actor, "unit.updated", unit, changes)
    return changes


def _snapshot_plain(unit: Unit) -> dict[str, Any]:
    return diff({}, _snapshot(unit, UNIT_FIELDS))


def _check_person(session: Session, data: PersonData, person_id: int | None) -> None:
    if not data.name.strip():
        raise InvalidInput(_l("请填写姓名。"), field="name")
    if data.id_number:
        clash = session.exec(select(Person.id).where(Person.id_number == data.id_number)).first()
        if clash is not None and clash != person_id:
            raise Conflict(_l("该身份证号码已登记在另一人名下。"), field="id_number")


def create_person(session: Session, *, actor: User | None, data: PersonData) -> Person:
    _check_person(session, data, None)
    person = Person(**_snapshot(data, PERSON_FIELDS))
    person.id_tail = data.id_number[-4:] if data.id_number else None
    session.add(person)
    session.flush()
    audit.record(
        session, actor, "person.created", person, _redact(diff({}, _snapshot(data, PERSON_FIELDS)))
    )
    return person


def update_person(
    session: Session, *, actor: User | None, person: Person, data: PersonData
) -> dict:
    _check_person(session, data, person.id)
    changes = diff(_snapshot(person, PERSON_FIELDS), _snapshot(data, PERSON_FIELDS))
    if changes:
        for key in changes:
            setattr(person, key, getattr(data, key))
        person.id_tail = person.id_number[-4:] if person.id_number else None
        person.updated_at = utcnow()
        session.add(person)
        audit.record(session, actor, "person.updated", person, _redact(dict(changes)))
    return changes


def open_tenancy_of(session: Session, person: Person) -> Tenancy | None:
    return session.exec(
        select(Tenancy).where(Tenancy.person_id == person.id, Tenancy.moved_out.is_(None))
    ).first()


def add_tenancy(
    session: Session,
    *,
    actor: User | None,
    unit: Unit,
    person: Person,
    moved_in: date,
    registered: bool,
    source: str = "staff",
) -> Tenancy:
    """A person moves in. Refused while they still have an open tenancy elsewhere."""
    current = open_tenancy_of(session, person)
    if current is not None:
        other = session.get(Unit, current.unit_id)
        raise Conflict(
            _l(
                "%(name)s 仍登记住在 %(code)s，请先登记搬离。",
                name=person.name,
                code=other.code if other else "?",
            ),
            field="person",
        )
    tenancy = Tenancy(
        unit_id=unit.id,
        person_id=person.id,
        moved_in=moved_in,
        registered=registered,
        source=source,
        confirmed=source != "landlord",
    )
    session.add(tenancy)
    session.flush()
    audit.record(
        session,
        actor,
        "tenancy.started",
        tenancy,
        {"unit": unit.code, "person_id": person.id, "moved_in": moved_in.isoformat()},
    )
    return tenancy


def end_tenancy(session: Session, *, actor: User | None, tenancy: Tenancy, moved_out: date) -> None:
    if tenancy.moved_out is not None:
        raise Conflict(_l("该租户已登记搬离。"))
    try:
        check_date_order(tenancy.moved_in, moved_out)
    except FieldInvalid as err:
        raise InvalidInput(err.message, field="moved_out") from None
    tenancy.moved_out = moved_out
    session.add(tenancy)
    audit.record(session, actor, "tenancy.ended", tenancy, {"moved_out": moved_out.isoformat()})


def reveal_id_number(session: Session, *, actor: User, person: Person) -> str:
    """Full identity number for a role allowed to see it; the look is audited."""
    from rentals.auth.access import MAY_REVEAL

    if actor.role not in MAY_REVEAL:
        raise NotAllowed(_l("您的角色不能查看完整身份证号码。"))
    audit.record(session, actor, "personal.id_number.revealed", person, {})
    return person.id_number or ""
