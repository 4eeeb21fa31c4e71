"""Import the paper ledger (台账): plan every change first, then apply all of it or nothing.

The plan compares the file with the register (loaded in a few ``IN`` queries, not one
query per row) and says, row by row, what would be created, updated or left unchanged.
A dry run stops there. Applying goes through the register services, so the audit
trail records every change, inside a savepoint: any error rolls the whole file back.
Natural keys: units by code, people by identity number, tenancies by (unit, person,
moved in); an open tenancy of the same person in the same unit is "unchanged".
A blank optional cell keeps what the register already holds.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date
from enum import StrEnum
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlmodel import Session, col, select

from rentals import audit
from rentals.auth.models import User
from rentals.errors import DomainError
from rentals.register import services
from rentals.register.ledger import (
    TENANT_COLUMNS,
    UNIT_COLUMNS,
    Column,
    LedgerError,
    Sheet,
    clean,
    number_text,
    parse_bool,
    parse_date,
    parse_floor_area,
    parse_rooms,
    parse_unit_type,
    read_ledger,
    text,
)
from rentals.register.models import Area, Person, Tenancy, Unit, UnitStatus, UnitType
from rentals.templating import mask_id_number
from rentals.validators import FieldInvalid, normalise_id_number, normalise_mobile


class ImportKind(StrEnum):
    UNITS = "units"
    TENANTS = "tenants"


@dataclass(frozen=True)
class RowError:
    row: int  #: sheet row as the spreadsheet shows it (header = 1); 0 = the whole file
    column: str  #: header as written in the file
    message: Any


@dataclass(frozen=True)
class Change:
    row: int
    subject: str  #: "unit", "person" or "tenancy"
    key: str  #: unit code, masked identity number, or both for a tenancy
    action: str  #: "created", "updated" or "unchanged"
    columns: tuple[str, ...] = ()  #: headers of the changed values


@dataclass
class ImportReport:
    kind: ImportKind
    rows: int = 0
    changes: list[Change] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    notices: list[Any] = field(default_factory=list)
    applied: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    def counts(self) -> dict[str, Counter[str]]:
        """``{subject: Counter(action → n)}``, e.g. ``counts()["unit"]["created"]``."""
        result: dict[str, Counter[str]] = {}
        for change in self.changes:
            result.setdefault(change.subject, Counter())[change.action] += 1
        return result

    @property
    def changed(self) -> list[Change]:
        return [c for c in self.changes if c.action != "unchanged"]


class _Abort(Exception):
    """Raised inside the savepoint so it rolls back; errors are already in the report."""


# --- shared planning helpers ----------------------------------------------------------

_BAD = object()


@dataclass
class _PersonRow:
    row: int
    name: str  #: "" when the cell is blank (keep the register's name)
    id_number: str
    phone: str | None  #: None when the cell is blank (keep the register's phone)
    name_key: str  #: column keys, to report errors under the right header
    id_key: str
    phone_key: str


class _Planner:
    def __init__(
        self, session: Session, sheet: Sheet, columns: tuple[Column, ...], report: ImportReport
    ) -> None:
        self.session = session
        self.sheet = sheet
        self.report = report
        self.headers = {c.key: sheet.headers.get(c.key, c.header) for c in columns}
        self.people: dict[str, Person] = {}
        self.person_plan: dict[str, tuple[_PersonRow, str]] = {}  # id → (row, action)

    def plan(self) -> None:
        raise NotImplementedError

    def apply(self, actor: User | None) -> None:
        raise NotImplementedError

    def error(self, row: int, key: str, message: Any) -> None:
        self.report.errors.append(RowError(row, self.headers[key], message))

    def cell(self, row: int, values: dict[str, Any], key: str, parse: Callable[[Any], Any]) -> Any:
        try:
            return parse(values.get(key))
        except FieldInvalid as err:
            self.error(row, key, err.message)
            return _BAD

    def load_people(self, id_numbers: Iterable[str]) -> None:
        for chunk in _chunks(sorted(set(id_numbers))):
            for person in self.session.exec(select(Person).where(col(Person.id_number).in_(chunk))):
                self.people[person.id_number or ""] = person

    def plan_person(self, p: _PersonRow, seen: dict[str, _PersonRow]) -> None:
        """Upsert by identity number; a repeat in the file must agree with its first row."""
        first = seen.get(p.id_number)
        if first is not None:
            if (p.name and first.name and p.name != first.name) or (
                p.phone and first.phone and p.phone != first.phone
            ):
                self.error(
                    p.row,
                    p.id_key,
                    _l("与第 %(row)s 行身份证号相同，但姓名或电话不同。", row=first.row),
                )
            return
        seen[p.id_number] = p
        person = self.people.get(p.id_number)
        key = mask_id_number(p.id_number)
        if person is None:
            if not p.name:
                self.error(p.row, p.name_key, _l("请填写姓名。"))
                return
            self.person_plan[p.id_number] = (p, "created")
            self.report.changes.append(Change(p.row, "person", key, "created"))
            return
        changed = tuple(
            self.headers[k]
            for k, new, old in (
                (p.name_key, p.name, person.name),
                (p.phone_key, p.phone, person.phone),
            )
            if new and new != old
        )
        action = "updated" if changed else "unchanged"
        self.person_plan[p.id_number] = (p, action)
        self.report.changes.append(Change(p.row, "person", key, action, changed))

    def read_person(
        self, row: int, values: dict[str, Any], keys: tuple[str, str, str]
    ) -> _PersonRow | None | object:
        """The person in a row, None when all three cells are blank, _BAD when invalid."""
        name_key, id_key, phone_key = keys
        raw = [clean(values.get(k)) for k in keys]
        if not any(raw):
            return None
        name = self.cell(row, values, name_key, lambda v: text(v, max_length=100))
        id_number = self.cell(row, values, id_key, lambda v: normalise_id_number(number_text(v)))
        phone = self.cell(
            row,
            values,
            phone_key,
            lambda v: normalise_mobile(number_text(v)) if clean(v) else None,
        )
        if _BAD in (name, id_number, phone):
            return _BAD
        return _PersonRow(row, name, id_number, phone, name_key, id_key, phone_key)

    def apply_people(self, actor: User | None) -> None:
        for id_number, (p, action) in self.person_plan.items():
            with _row_errors(self, p.row, {"name": p.name_key, "phone": p.phone_key}, p.id_key):
                person = self.people.get(id_number)
                if action == "created":
                    data = services.PersonData(name=p.name, id_number=id_number, phone=p.phone)
                    self.people[id_number] = services.create_person(
                        self.session, actor=actor, data=data
                    )
                elif action == "updated" and person is not None:
                    data = services.PersonData(
                        name=p.name or person.name,
                        id_number=id_number,
                        phone=p.phone or person.phone,
                        address=person.address,
                    )
                    services.update_person(self.session, actor=actor, person=person, data=data)


@contextmanager
def _row_errors(
    planner: _Planner, row: int, fields: dict[str, str], default: str
) -> Iterator[None]:
    """Turn a service's DomainError into a row error under the column of its field."""
    try:
        yield
    except DomainError as err:
        planner.error(row, fields.get(err.field or "", default), err.message)


def _chunks(items: list[str], size: int = 500) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# --- units ----------------------------------------------------------------------------

#: Unit field → column key, for "which columns change" and service errors.
_UNIT_FIELD_COLUMNS = {
    "code": "code",
    "area_id": "area",
    "address": "address",
    "unit_type": "type",
    "rooms": "rooms",
    "floor_area": "floor_area",
    "landlord_id": "landlord_id_number",
}
_LANDLORD_KEYS = ("landlord_name", "landlord_id_number", "landlord_phone")


@dataclass
class _UnitRow:
    row: int
    code: str
    values: dict[str, Any]  #: UnitData fields given by the file
    landlord: _PersonRow | None
    action: str = ""


class _UnitPlanner(_Planner):
    def plan(self) -> None:
        areas = self._areas()
        rows: list[_UnitRow] = []
        seen_codes: dict[str, int] = {}
        for row, values in self.sheet.rows:
            parsed = self._parse(row, values, areas)
            if parsed is None:
                continue
            if parsed.code in seen_codes:
                self.error(
                    row, "code", _l("单元编号在第 %(row)s 行已出现。", row=seen_codes[parsed.code])
                )
                continue
            seen_codes[parsed.code] = row
            rows.append(parsed)
        self.units = _units_by_code(self.session, [r.code for r in rows])
        self.load_people(r.landlord.id_number for r in rows if r.landlord)
        seen_people: dict[str, _PersonRow] = {}
        for r in rows:
            if r.landlord is not None:
                self.plan_person(r.landlord, seen_people)
            self._plan_unit(r)
        self.rows = rows

    def _areas(self) -> dict[str, int | None]:
        """Area name → id; a name used in two communities maps to None (ambiguous)."""
        result: dict[str, int | None] = {}
        # Keep the rows referenced: the services look areas up by id, and the session's
        # identity map (weakly held) then answers without a query per row.
        self.area_rows = list(self.session.exec(select(Area)))
        for area in self.area_rows:
            result[area.name] = None if area.name in result else area.id
        return result

    def _parse(
        self, row: int, values: dict[str, Any], areas: dict[str, int | None]
    ) -> _UnitRow | None:
        start = len(self.report.errors)
        code = self.cell(row, values, "code", lambda v: text(v, max_length=32).upper())
        if code == "":
            self.error(row, "code", _l("请填写单元编号。"))
        area_name = text(values.get("area"))
        area_id = areas.get(area_name)
        if not area_name:
            self.error(row, "area", _l("请填写区域。"))
        elif area_id is None:
            message = (
                _l("区域「%(name)s」在多个社区中都有，无法确定。", name=area_name)
                if area_name in areas
                else _l("区域「%(name)s」不存在。", name=area_name)
            )
            self.error(row, "area", message)
        address = self.cell(row, values, "address", lambda v: text(v, max_length=200))
        if address == "":
            self.error(row, "address", _l("请填写地址。"))
        given: dict[str, Any] = {"area_id": area_id, "address": address}
        for key, name, parse in (
            ("type", "unit_type", parse_unit_type),
            ("rooms", "rooms", parse_rooms),
            ("floor_area", "floor_area", parse_floor_area),
        ):
            if clean(values.get(key)):
                given[name] = self.cell(row, values, key, parse)
        landlord = self.read_person(row, values, _LANDLORD_KEYS)
        if len(self.report.errors) > start:
            return None
        assert landlord is not _BAD
        return _UnitRow(row, code, given, landlord)  # type: ignore[arg-type]

    def _plan_unit(self, r: _UnitRow) -> None:
        unit = self.units.get(r.code)
        if unit is None:
            r.action = "created"
            self.report.changes.append(Change(r.row, "unit", r.code, "created"))
            return
        changed = [f for f, new in r.values.items() if getattr(unit, f) != new]
        if r.landlord is not None:
            person = self.people.get(r.landlord.id_number)
            if person is None or person.id != unit.landlord_id:
                changed.append("landlord_id")
        r.action = "updated" if changed else "unchanged"
        columns = tuple(self.headers[_UNIT_FIELD_COLUMNS[f]] for f in changed)
        self.report.changes.append(Change(r.row, "unit", r.code, r.action, columns))

    def apply(self, actor: User | None) -> None:
        self.apply_people(actor)
        for r in self.rows:
            if r.action == "unchanged":
                continue
            unit = self.units.get(r.code)
            landlord_id = unit.landlord_id if unit else None
            if r.landlord is not None and r.landlord.id_number in self.people:
                landlord_id = self.people[r.landlord.id_number].id
            base = (
                services.UnitData(
                    code=unit.code,
                    area_id=unit.area_id,
                    address=unit.address,
                    street=unit.street,
                    house_number=unit.house_number,
                    unit_type=unit.unit_type,
                    rooms=unit.rooms,
                    floor_area=unit.floor_area,
                    status=unit.status,
                )
                if unit
                else services.UnitData(
                    code=r.code,
                    area_id=0,
                    address="",
                    unit_type=UnitType.ROOM,
                    status=UnitStatus.ACTIVE,
                )
            )
            data = replace(base, **r.values, landlord_id=landlord_id)
            fields = dict(_UNIT_FIELD_COLUMNS)
            with _row_errors(self, r.row, fields, "code"):
                if unit is None:
                    services.create_unit(self.session, actor=actor, data=data)
                else:
                    services.update_unit(self.session, actor=actor, unit=unit, data=data)


def _units_by_code(session: Session, codes: list[str]) -> dict[str, Unit]:
    found: dict[str, Unit] = {}
    for chunk in _chunks(sorted(set(codes))):
        for unit in session.exec(select(Unit).where(col(Unit.code).in_(chunk))):
            found[unit.code] = unit
    return found


# --- tenants --------------------------------------------------------------------------


@dataclass
class _TenantRow:
    row: int
    code: str
    person: _PersonRow
    moved_in: date
    registered: bool | None  #: None when the cell is blank
    action: str = ""
    tenancy: Tenancy | None = None


class _TenantPlanner(_Planner):
    def plan(self) -> None:
        rows: list[_TenantRow] = []
        seen_ids: dict[str, int] = {}
        for row, values in self.sheet.rows:
            parsed = self._parse(row, values)
            if parsed is None:
                continue
            first = seen_ids.get(parsed.person.id_number)
            if first is not None:
                self.error(
                    row,
                    "id_number",
                    _l(
                        "该身份证号已在第 %(row)s 行出现：同一人不能同时在两处在住。",
                        row=first,
                    ),
                )
                continue
            seen_ids[parsed.person.id_number] = row
            rows.append(parsed)
        self.units = _units_by_code(self.session, [r.code for r in rows])
        self.load_people(seen_ids)
        tenancies = self._tenancies()
        units_by_id = {u.id: u for u in self.units.values()}
        seen_people: dict[str, _PersonRow] = {}
        for r in rows:
            unit = self.units.get(r.code)
            if unit is None:
                self.error(
                    r.row, "code", _l("单元编号 %(code)s 不存在，请先导入出租房台账。", code=r.code)
                )
                continue
            self.plan_person(r.person, seen_people)
            person = self.people.get(r.person.id_number)
            held = tenancies.get(person.id, []) if person else []
            self._plan_tenancy(r, unit, person, held, units_by_id)
        self.rows = rows

    def _tenancies(self) -> dict[int, list[Tenancy]]:
        by_person: dict[int, list[Tenancy]] = {}
        ids = [p.id for p in self.people.values() if p.id is not None]
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            for t in self.session.exec(select(Tenancy).where(col(Tenancy.person_id).in_(chunk))):
                by_person.setdefault(t.person_id, []).append(t)
        return by_person

    def _parse(self, row: int, values: dict[str, Any]) -> _TenantRow | None:
        start = len(self.report.errors)
        code = self.cell(row, values, "code", lambda v: text(v, max_length=32).upper())
        if code == "":
            self.error(row, "code", _l("请填写单元编号。"))
        person = self.read_person(row, values, ("name", "id_number", "phone"))
        if person is None:
            self.error(row, "id_number", _l("请填写身份证号码。"))
        moved_in = self.cell(row, values, "moved_in", parse_date)
        registered = (
            self.cell(row, values, "registered", parse_bool)
            if clean(values.get("registered"))
            else None
        )
        if len(self.report.errors) > start or not isinstance(person, _PersonRow):
            return None
        return _TenantRow(row, code, person, moved_in, registered)

    def _plan_tenancy(
        self,
        r: _TenantRow,
        unit: Unit,
        person: Person | None,
        held: list[Tenancy],
        units_by_id: dict[int | None, Unit],
    ) -> None:
        key = f"{r.code} · {mask_id_number(r.person.id_number)}"
        open_one = next((t for t in held if t.moved_out is None), None)
        same = next((t for t in held if t.unit_id == unit.id and t.moved_in == r.moved_in), None)
        if open_one is not None and open_one.unit_id != unit.id:
            other = units_by_id.get(open_one.unit_id) or self.session.get(Unit, open_one.unit_id)
            self.error(
                r.row,
                "code",
                _l(
                    "%(name)s 仍登记住在 %(code)s，请先登记搬离。",
                    name=person.name if person else r.person.name,
                    code=other.code if other else "?",
                ),
            )
            return
        current = open_one if open_one is not None else same
        if current is None:
            r.action = "created"
        elif r.registered is not None and current.registered != r.registered:
            r.action = "updated"
        else:
            r.action = "unchanged"
        r.tenancy = current
        columns = (self.headers["registered"],) if r.action == "updated" else ()
        self.report.changes.append(Change(r.row, "tenancy", key, r.action, columns))

    def apply(self, actor: User | None) -> None:
        self.apply_people(actor)
        for r in self.rows:
            if r.action == "created":
                with _row_errors(self, r.row, {"person": "id_number"}, "code"):
                    services.add_tenancy(
                        self.session,
                        actor=actor,
                        unit=self.units[r.code],
                        person=self.people[r.person.id_number],
                        moved_in=r.moved_in,
                        registered=bool(r.registered),
                        source="import",
                    )
            elif r.action == "updated" and r.tenancy is not None:
                _set_registration(self.session, actor, r.tenancy, bool(r.registered))


def _set_registration(session: Session, actor: User | None, tenancy: Tenancy, value: bool) -> None:
    """The ledger is where residence registration (居住登记) gets updated; audited."""
    old = tenancy.registered
    tenancy.registered = value
    session.add(tenancy)
    audit.record(session, actor, "tenancy.updated", tenancy, {"registered": [old, value]})


# --- entry point ----------------------------------------------------------------------

_PLANNERS: dict[ImportKind, tuple[type[_Planner], tuple[Column, ...]]] = {
    ImportKind.UNITS: (_UnitPlanner, UNIT_COLUMNS),
    ImportKind.TENANTS: (_TenantPlanner, TENANT_COLUMNS),
}


def run_import(
    session: Session, *, actor: User | None, kind: ImportKind | str, data: bytes, apply: bool
) -> ImportReport:
    """Plan (and with ``apply``, write) one ledger file. Errors leave the register untouched.

    The caller commits; when the report has errors nothing was flushed either.
    """
    kind = ImportKind(kind)
    report = ImportReport(kind=kind)
    planner_cls, columns = _PLANNERS[kind]
    try:
        sheet = read_ledger(data, columns)
    except LedgerError as err:
        report.errors.append(RowError(0, "", err.message))
        return report
    report.rows = len(sheet.rows)
    report.notices.extend(sheet.notices)
    planner = planner_cls(session, sheet, columns, report)
    with session.no_autoflush:
        planner.plan()
    report.errors.sort(key=lambda e: e.row)
    report.changes.sort(key=lambda c: c.row)
    if report.errors or not apply:
        return report
    if not report.changed:
        report.applied = True
        return report
    try:
        # Services flush what they need (new rows, for their ids); without autoflush the
        # audit rows wait for the next of those flushes instead of costing one each.
        with session.begin_nested(), session.no_autoflush:
            planner.apply(actor)
            if report.errors:
                raise _Abort
    except _Abort:
        report.errors.sort(key=lambda e: e.row)
        return report
    report.applied = True
    return report
