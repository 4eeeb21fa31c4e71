"""Plan and apply a units ledger: units by code, their landlords by identity number."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlmodel import col, select

from rentals import audit
from rentals.auth.models import User
from rentals.register import services
from rentals.register.import_plan import BAD, Change, PersonRow, Planner, units_by_code
from rentals.register.ledger import (
    clean,
    parse_floor_area,
    parse_rooms,
    parse_unit_type,
    text,
)
from rentals.register.models import Area, Unit, UnitStatus, UnitType
from rentals.validators import fold

#: Unit field → column key, for "which columns change" and service errors.
_UNIT_FIELD_COLUMNS = {
    "code": "code",
    "area_id": "area",
    "address": "address",
    "unit_type": "type",
    "type_label": "type",
    "rooms": "rooms",
    "floor_area": "floor_area",
    "landlord_id": "landlord_id_number",
}
_LANDLORD_KEYS = ("landlord_name", "landlord_id_number", "landlord_phone")


@dataclass
class _UnitRow:
    row: int
    code: str
    area: str  #: area name as the file writes it (its id may only exist after apply)
    values: dict[str, Any]  #: UnitData fields given by the file
    landlord: PersonRow | None
    action: str = ""


class UnitPlanner(Planner):
    def plan(self) -> None:
        self.areas = self._areas()
        self.new_areas: dict[str, int] = {}  # name → first row naming it
        rows: list[_UnitRow] = []
        seen_codes: dict[str, int] = {}
        for row, values in self.sheet.rows:
            parsed = self._parse(row, values)
            if parsed is None:
                continue
            if parsed.code in seen_codes:
                self.error(
                    row, "code", _l("单元编号在第 %(row)s 行已出现。", row=seen_codes[parsed.code])
                )
                continue
            seen_codes[parsed.code] = row
            rows.append(parsed)
        for name, row in self.new_areas.items():
            self.report.changes.append(Change(row, "area", name, "created"))
        self.units = units_by_code(self.session, [r.code for r in rows])
        self.load_people(r.landlord.id_number for r in rows if r.landlord)
        seen_people: dict[str, PersonRow] = {}
        for r in rows:
            if r.landlord is not None:
                self.plan_person(r.landlord, seen_people)
            self._plan_unit(r)
        self.rows = rows

    def _areas(self) -> dict[str, int | None]:
        """Area name → id, within the chosen community (or the only one there is). With
        several communities and none chosen, a name used in two maps to None (ambiguous)
        and a new name cannot be placed."""
        result: dict[str, int | None] = {}
        query = select(Area)
        if self.community is not None:
            query = query.where(Area.community_id == self.community.id)
        # Keep the rows referenced: the services look areas up by id, and the session's
        # identity map (weakly held) then answers without a query per row.
        self.area_rows = list(self.session.exec(query))
        for area in self.area_rows:
            result[area.name] = None if area.name in result else area.id
        return result

    def _area(self, row: int, values: dict[str, Any]) -> str:
        name = fold(text(values.get("area"))).strip()
        if not name:
            self.error(row, "area", _l("请填写区域。"))
        elif len(name) > 100:
            self.error(row, "area", _l("内容过长，最多 %(n)s 个字。", n=100))
        elif name in self.areas:
            if self.areas[name] is None:
                self.error(
                    row,
                    "area",
                    _l("区域「%(name)s」在多个社区中都有，请先选择社区。", name=name),
                )
        elif self.community is None:
            self.error(
                row,
                "area",
                _l("区域「%(name)s」不存在；有多个社区时请先选择社区，再导入新区域。", name=name),
            )
        else:
            self.new_areas.setdefault(name, row)
        return name

    def _parse(self, row: int, values: dict[str, Any]) -> _UnitRow | None:
        start = len(self.report.errors)
        code = self.cell(row, values, "code", lambda v: text(v, max_length=32).upper())
        if code == "":
            self.error(row, "code", _l("请填写单元编号。"))
        area = self._area(row, values)
        address = self.cell(row, values, "address", lambda v: text(v, max_length=200))
        if address == "":
            self.error(row, "address", _l("请填写地址。"))
        given: dict[str, Any] = {"address": address}
        if clean(values.get("type")):
            kind = parse_unit_type(values.get("type"))
            given["unit_type"], given["type_label"] = kind.kind, kind.label
            if not kind.known:
                self.warn(
                    row,
                    "type",
                    _l(
                        "房屋类型「%(value)s」不是常用说法，已按“其他”登记，并保留原文。",
                        value=kind.label,
                    ),
                )
        for key, name, parse in (
            ("rooms", "rooms", parse_rooms),
            ("floor_area", "floor_area", parse_floor_area),
        ):
            if clean(values.get(key)):
                given[name] = self.cell(row, values, key, parse)
        landlord = self.read_person(row, values, _LANDLORD_KEYS)
        if len(self.report.errors) > start:
            return None
        assert landlord is not BAD
        return _UnitRow(row, code, area, given, landlord)  # type: ignore[arg-type]

    def _plan_unit(self, r: _UnitRow) -> None:
        unit = self.units.get(r.code)
        own_areas = {a.id for a in self.area_rows}
        if unit is not None and self.community is not None and unit.area_id not in own_areas:
            # A code of another community's unit: never rewritten from this ledger.
            self.error(r.row, "code", _l("该编号的房屋属于其他社区，不能由本台账修改。"))
            return
        if unit is None:
            r.action = "created"
            self.report.changes.append(Change(r.row, "unit", r.code, "created"))
            return
        changed = [f for f, new in r.values.items() if getattr(unit, f) != new]
        if unit.area_id != self.areas.get(r.area):
            changed.insert(0, "area_id")
        if r.landlord is not None:
            person = self.people.get(r.landlord.id_number)
            if person is None or person.id != unit.landlord_id:
                changed.append("landlord_id")
        r.action = "updated" if changed else "unchanged"
        columns = tuple(dict.fromkeys(self.headers[_UNIT_FIELD_COLUMNS[f]] for f in changed))
        self.report.changes.append(Change(r.row, "unit", r.code, r.action, columns))

    def apply(self, actor: User | None, batch: list[Any] | None = None) -> None:
        rows: list[_UnitRow] = self.rows if batch is None else batch
        self._create_areas(actor)
        self.apply_people(actor, (r.landlord.id_number for r in rows if r.landlord))
        created: list[tuple[int, services.UnitData]] = []
        updated: list[tuple[int, tuple[Unit, services.UnitData]]] = []
        for r in rows:
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
            data = replace(base, **r.values, area_id=self.areas[r.area], landlord_id=landlord_id)
            if unit is None:
                created.append((r.row, data))
            else:
                updated.append((r.row, (unit, data)))
        fields = dict(_UNIT_FIELD_COLUMNS)
        with self.batch_errors([(row, fields, "code") for row, _ in created]):
            services.create_units(self.session, actor=actor, rows=[d for _, d in created])
        with self.batch_errors([(row, fields, "code") for row, _ in updated]):
            services.update_units(self.session, actor=actor, changes=[c for _, c in updated])

    def _create_areas(self, actor: User | None) -> None:
        """The areas the ledger names that its community does not have yet (audited)."""
        if not self.new_areas or self.community is None:
            return
        # Another writer may have added one since the plan: reuse it.
        names = list(self.new_areas)
        for area in self.session.exec(
            select(Area).where(Area.community_id == self.community.id, col(Area.name).in_(names))
        ):
            self.areas[area.name] = area.id
        self.new_areas = {}
        created = [
            Area(community_id=self.community.id, name=name)
            for name in names
            if self.areas.get(name) is None
        ]
        self.session.add_all(created)
        self.session.flush()
        for area in created:
            self.areas[area.name] = area.id
            self.area_rows.append(area)
            audit.record(
                self.session,
                actor,
                "area.created",
                area,
                {"community_id": self.community.id, "name": area.name, "source": "import"},
            )
