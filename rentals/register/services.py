"""Changes to the unit file. Every change is audited in the same transaction.

Shared by the pages, the importer and the CLI, so a rule (one open tenancy per person,
unique identity numbers) holds whichever way the data arrives.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from flask import has_request_context, request
from flask_babel import lazy_gettext as _l
from sqlalchemy import insert
from sqlmodel import Session, col, select

from rentals import audit
from rentals.audit.models import AuditEvent
from rentals.audit.services import diff
from rentals.auth.models import User
from rentals.errors import Conflict, DomainError, InvalidInput, NotAllowed
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
    "type_label",
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
    #: The ledger's own word for the type, when it is not the product's (see Unit).
    type_label: str = ""
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


def landlord_by_id_number(session: Session, id_number: str | None) -> int | None:
    """The person id of a unit's landlord given by identity number (None for none); a
    number not in the register is refused: landlords are registered first."""
    if not id_number:
        return None
    found = session.exec(select(Person.id).where(Person.id_number == id_number)).first()
    if found is None:
        raise DomainError(
            _l("没有找到该身份证号码的人员，请先登记房东。"), field="landlord_id_number"
        )
    return found


def kept_type_label(unit: Unit | None, unit_type: str) -> str:
    """The ledger's word for the type (院落, 商住) stays while the type is not changed."""
    return unit.type_label if unit is not None and unit.unit_type == unit_type else ""


def _snapshot(row: Any, fields: tuple[str, ...]) -> dict[str, Any]:
    return {f: getattr(row, f) for f in fields}


def _redact(changes: dict[str, list[Any]]) -> dict[str, list[Any]]:
    """Audit rows must not become a second copy of identity numbers: keep masked values."""
    from rentals.templating import mask_id_number

    if "id_number" in changes:
        changes["id_number"] = [mask_id_number(v) for v in changes["id_number"]]
    return changes


class RowsInvalid(DomainError):
    """A batch refused as a whole: ``errors`` lists every failing row as
    ``(index in the batch, DomainError)``; nothing of the batch was written."""

    def __init__(self, errors: list[tuple[int, DomainError]]) -> None:
        first = errors[0][1]
        super().__init__(first.message, field=first.field)
        self.status = first.status
        self.code = first.code
        self.errors = errors


def _one(rows: list[Any]) -> Any:
    return rows[0]


def _single(call: Any) -> Any:
    """Run a batch service for one row; its error surfaces as the row's own error."""
    try:
        return call()
    except RowsInvalid as err:
        raise err.errors[0][1] from None


def _chunks(items: Iterable[Any], size: int = 500) -> Iterator[list[Any]]:
    items = sorted(set(items))
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _lookup(session: Session, key: Any, value: Any, wanted: Iterable[Any]) -> dict[Any, Any]:
    """``{key: value}`` for the rows whose ``key`` is among ``wanted``: one IN query per
    500 keys, whatever the batch size."""
    found: dict[Any, Any] = {}
    for chunk in _chunks(wanted):
        for k, v in session.exec(select(key, value).where(col(key).in_(chunk))):
            found[k] = v
    return found


def _validate(rows: Sequence[Any], check: Callable[[Any], None]) -> None:
    errors: list[tuple[int, DomainError]] = []
    for index, row in enumerate(rows):
        try:
            check(row)
        except DomainError as err:
            errors.append((index, err))
    if errors:
        raise RowsInvalid(errors)


def _record_many(
    session: Session, actor: User | None, action: str, entries: Sequence[tuple[Any, dict]]
) -> None:
    """One audit row per ``(subject, data)``, as ``audit.record`` writes them, in one bulk
    insert (executemany) instead of an ORM object each."""
    if not entries:
        return
    ip = (request.remote_addr or "") if has_request_context() else ""
    actor_id = actor if isinstance(actor, int) else getattr(actor, "id", None)
    at = utcnow()
    rows = [
        {
            "at": at,
            "actor_id": actor_id,
            "action": action,
            "subject_type": subject.__tablename__,
            "subject_id": str(subject.id),
            "data": data,
            "ip": ip,
        }
        for subject, data in entries
    ]
    session.connection().execute(insert(AuditEvent.__table__), rows)  # type: ignore[arg-type]


def _check_units(session: Session, rows: Sequence[tuple[UnitData, int | None]]) -> None:
    """Every rule for a batch of units (new ones with id None), in one query per kind."""
    areas = _lookup(session, Area.id, Area.id, {d.area_id for d, _ in rows})
    landlords = _lookup(
        session, Person.id, Person.id, {d.landlord_id for d, _ in rows if d.landlord_id is not None}
    )
    holders = _lookup(session, Unit.code, Unit.id, {d.code for d, _ in rows})
    claimed: set[str] = set()

    def check(row: tuple[UnitData, int | None]) -> None:
        data, unit_id = row
        if not data.code.strip():
            raise InvalidInput(_l("请填写单元编号。"), field="code")
        if data.area_id not in areas:
            raise InvalidInput(_l("所选区域不存在。"), field="area_id")
        if data.status not in set(UnitStatus):
            raise InvalidInput(_l("状态无效。"), field="status")
        if data.unit_type not in set(UnitType):
            raise InvalidInput(_l("房屋类型无效。"), field="unit_type")
        if data.rooms < 0:
            raise InvalidInput(_l("房间数不能为负数。"), field="rooms")
        if data.landlord_id is not None and data.landlord_id not in landlords:
            raise InvalidInput(_l("所选房东不存在。"), field="landlord_id")
        clash = holders.get(data.code)
        if data.code in claimed or (clash is not None and clash != unit_id):
            raise Conflict(_l("单元编号 %(code)s 已存在。", code=data.code), field="code")
        claimed.add(data.code)

    _validate(rows, check)


def create_units(session: Session, *, actor: User | None, rows: Sequence[UnitData]) -> list[Unit]:
    """New units, all or none (``RowsInvalid`` names every failing row); one flush."""
    if not rows:
        return []
    _check_units(session, [(data, None) for data in rows])
    units = [Unit(**_snapshot(data, UNIT_FIELDS)) for data in rows]
    session.add_all(units)
    session.flush()
    _record_many(session, actor, "unit.created", [(u, _snapshot_plain(u)) for u in units])
    return units


def create_unit(session: Session, *, actor: User | None, data: UnitData) -> Unit:
    return _single(lambda: _one(create_units(session, actor=actor, rows=[data])))


def update_units(
    session: Session, *, actor: User | None, changes: Sequence[tuple[Unit, UnitData]]
) -> list[dict]:
    """Apply changed fields to each unit; returns the change set of each (empty when
    nothing changed). All or none, as ``create_units``."""
    _check_units(session, [(data, unit.id) for unit, data in changes])
    result = []
    entries = []
    now = utcnow()
    for unit, data in changes:
        after = _snapshot(data, UNIT_FIELDS)
        changed = diff(_snapshot(unit, UNIT_FIELDS), after)
        if changed:
            for key in changed:
                setattr(unit, key, after[key])
            unit.updated_at = now
            session.add(unit)
            entries.append((unit, changed))
        result.append(changed)
    _record_many(session, actor, "unit.updated", entries)
    return result


def update_unit(session: Session, *, actor: User | None, unit: Unit, data: UnitData) -> dict:
    """Apply changed fields; returns the change set (empty when nothing changed)."""
    return _single(lambda: _one(update_units(session, actor=actor, changes=[(unit, data)])))


def _snapshot_plain(unit: Unit) -> dict[str, Any]:
    return diff({}, _snapshot(unit, UNIT_FIELDS))


def _check_people(session: Session, rows: Sequence[tuple[PersonData, int | None]]) -> None:
    holders = _lookup(
        session, Person.id_number, Person.id, {d.id_number for d, _ in rows if d.id_number}
    )
    claimed: set[str] = set()

    def check(row: tuple[PersonData, int | None]) -> None:
        data, person_id = row
        if not data.name.strip():
            raise InvalidInput(_l("请填写姓名。"), field="name")
        if data.id_number:
            clash = holders.get(data.id_number)
            if data.id_number in claimed or (clash is not None and clash != person_id):
                raise Conflict(_l("该身份证号码已登记在另一人名下。"), field="id_number")
            claimed.add(data.id_number)

    _validate(rows, check)


def create_people(
    session: Session, *, actor: User | None, rows: Sequence[PersonData]
) -> list[Person]:
    """New people, all or none (``RowsInvalid`` names every failing row); one flush."""
    if not rows:
        return []
    _check_people(session, [(data, None) for data in rows])
    people = []
    for data in rows:
        person = Person(**_snapshot(data, PERSON_FIELDS))
        person.id_tail = data.id_number[-4:] if data.id_number else None
        people.append(person)
    session.add_all(people)
    session.flush()
    entries = [
        (person, _redact(diff({}, _snapshot(data, PERSON_FIELDS))))
        for person, data in zip(people, rows, strict=True)
    ]
    _record_many(session, actor, "person.created", entries)
    return people


def create_person(session: Session, *, actor: User | None, data: PersonData) -> Person:
    return _single(lambda: _one(create_people(session, actor=actor, rows=[data])))


def update_people(
    session: Session, *, actor: User | None, changes: Sequence[tuple[Person, PersonData]]
) -> list[dict]:
    """Apply changed fields to each person; the change set of each. All or none."""
    _check_people(session, [(data, person.id) for person, data in changes])
    result = []
    entries = []
    now = utcnow()
    for person, data in changes:
        changed = diff(_snapshot(person, PERSON_FIELDS), _snapshot(data, PERSON_FIELDS))
        if changed:
            for key in changed:
                setattr(person, key, getattr(data, key))
            person.id_tail = person.id_number[-4:] if person.id_number else None
            person.updated_at = now
            session.add(person)
            entries.append((person, _redact(dict(changed))))
        result.append(changed)
    _record_many(session, actor, "person.updated", entries)
    return result


def update_person(
    session: Session, *, actor: User | None, person: Person, data: PersonData
) -> dict:
    return _single(lambda: _one(update_people(session, actor=actor, changes=[(person, data)])))


def open_tenancy_of(session: Session, person: Person) -> Tenancy | None:
    return session.exec(
        select(Tenancy).where(Tenancy.person_id == person.id, Tenancy.moved_out.is_(None))
    ).first()


@dataclass(frozen=True)
class NewTenancy:
    unit: Unit
    person: Person
    moved_in: date
    registered: bool
    source: str = "staff"  #: "staff", "import" or "landlord" (unconfirmed)


def add_tenancies(
    session: Session, *, actor: User | None, rows: Sequence[NewTenancy]
) -> list[Tenancy]:
    """People move in, all or none: refused for anyone who still has an open tenancy
    (in the register or earlier in the batch). One query for the check, one flush."""
    if not rows:
        return []
    open_in: dict[int | None, int] = {}  # person id → unit id of the open tenancy
    for chunk in _chunks(r.person.id for r in rows if r.person.id is not None):
        query = select(Tenancy.person_id, Tenancy.unit_id).where(
            col(Tenancy.person_id).in_(chunk), col(Tenancy.moved_out).is_(None)
        )
        open_in.update(session.exec(query).all())
    codes = _lookup(session, Unit.id, Unit.code, set(open_in.values()))

    def check(row: NewTenancy) -> None:
        held = open_in.get(row.person.id)
        if held is not None:
            raise Conflict(
                _l(
                    "%(name)s 仍登记住在 %(code)s，请先登记搬离。",
                    name=row.person.name,
                    code=codes.get(held, "?"),
                ),
                field="person",
            )
        open_in[row.person.id] = row.unit.id  # type: ignore[assignment]
        codes[row.unit.id] = row.unit.code

    _validate(rows, check)
    tenancies = [
        Tenancy(
            unit_id=r.unit.id,
            person_id=r.person.id,
            moved_in=r.moved_in,
            registered=r.registered,
            source=r.source,
            confirmed=r.source != "landlord",
        )
        for r in rows
    ]
    session.add_all(tenancies)
    session.flush()
    entries = [
        (t, {"unit": r.unit.code, "person_id": r.person.id, "moved_in": r.moved_in.isoformat()})
        for t, r in zip(tenancies, rows, strict=True)
    ]
    _record_many(session, actor, "tenancy.started", entries)
    return tenancies


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
    row = NewTenancy(unit, person, moved_in, registered, source)
    return _single(lambda: _one(add_tenancies(session, actor=actor, rows=[row])))


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
