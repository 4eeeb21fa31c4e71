"""Plan and apply a tenants ledger: people by identity number, tenancies by
(unit, person, moved in); an open tenancy of the person in that unit is "unchanged"."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlmodel import Session, col, select

from rentals import audit
from rentals.auth.models import User
from rentals.register import services
from rentals.register.import_plan import (
    Change,
    PersonRow,
    Planner,
    units_by_code,
)
from rentals.register.ledger import (
    clean,
    parse_bool,
    parse_date,
    text,
)
from rentals.register.models import Person, Tenancy, Unit
from rentals.templating import mask_id_number


@dataclass
class _TenantRow:
    row: int
    code: str
    person: PersonRow
    moved_in: date
    registered: bool | None  #: None when the cell is blank
    action: str = ""
    tenancy: Tenancy | None = None


class TenantPlanner(Planner):
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
        self.units = units_by_code(self.session, [r.code for r in rows])
        self.load_people(seen_ids)
        tenancies = self._tenancies()
        units_by_id = {u.id: u for u in self.units.values()}
        seen_people: dict[str, PersonRow] = {}
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
        if len(self.report.errors) > start or not isinstance(person, PersonRow):
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

    def apply(self, actor: User | None, batch: list[Any] | None = None) -> None:
        rows: list[_TenantRow] = self.rows if batch is None else batch
        self.apply_people(actor, (r.person.id_number for r in rows))
        created: list[tuple[int, services.NewTenancy]] = []
        for r in rows:
            if r.action == "created":
                person = self.people.get(r.person.id_number)
                if person is None:  # its creation failed: already a row error
                    continue
                new = services.NewTenancy(
                    unit=self.units[r.code],
                    person=person,
                    moved_in=r.moved_in,
                    registered=bool(r.registered),
                    source="import",
                )
                created.append((r.row, new))
            elif r.action == "updated" and r.tenancy is not None:
                _set_registration(self.session, actor, r.tenancy, bool(r.registered))
        fields = {"person": "id_number"}
        with self.batch_errors([(row, fields, "code") for row, _ in created]):
            services.add_tenancies(self.session, actor=actor, rows=[t for _, t in created])


def _set_registration(session: Session, actor: User | None, tenancy: Tenancy, value: bool) -> None:
    """The ledger is where residence registration (居住登记) gets updated; audited."""
    old = tenancy.registered
    tenancy.registered = value
    session.add(tenancy)
    audit.record(session, actor, "tenancy.updated", tenancy, {"registered": [old, value]})
