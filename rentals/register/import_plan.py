"""Planning a ledger import: the report, and what units and tenants plans share.

A planner compares parsed rows with the register, loaded in a few ``IN`` queries (never
one per row), and fills an ``ImportReport``; ``apply`` then replays the plan through the
register services.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlmodel import Session, col, select

from rentals.auth.models import User
from rentals.register import services
from rentals.register.ledger import (
    Column,
    Sheet,
    clean,
    number_text,
    phone_text,
    text,
)
from rentals.register.models import Community, Person, Unit
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
    subject: str  #: "area", "unit", "person" or "tenancy"
    key: str  #: area name, unit code, masked identity number, or both for a tenancy
    action: str  #: "created", "updated" or "unchanged"
    columns: tuple[str, ...] = ()  #: headers of the changed values


@dataclass
class ImportReport:
    kind: ImportKind
    rows: int = 0
    changes: list[Change] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    #: Rows taken, but with something the office should look at (an unknown house type).
    warnings: list[RowError] = field(default_factory=list)
    notices: list[Any] = field(default_factory=list)
    applied: bool = False
    #: Transactions the apply was written in (batches, so other writers get the lock).
    batches: int = 0

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


class Abort(Exception):
    """Raised inside the savepoint so it rolls back; errors are already in the report."""


BAD = object()


@dataclass
class PersonRow:
    row: int
    name: str  #: "" when the cell is blank (keep the register's name)
    id_number: str
    phone: str | None  #: None when the cell is blank (keep the register's phone)
    name_key: str  #: column keys, to report errors under the right header
    id_key: str
    phone_key: str


class Planner:
    def __init__(
        self,
        session: Session,
        sheet: Sheet,
        columns: tuple[Column, ...],
        report: ImportReport,
        community: Community | None = None,
    ) -> None:
        self.session = session
        self.sheet = sheet
        self.report = report
        #: The community new areas go to (the chosen one, or the only one there is).
        self.community = community
        self.headers = {c.key: sheet.headers.get(c.key, c.header) for c in columns}
        self.people: dict[str, Person] = {}
        self.person_plan: dict[str, tuple[PersonRow, str]] = {}  # id → (row, action)

    def plan(self) -> None:
        raise NotImplementedError

    rows: list[Any]  #: the planned rows, in sheet order (set by ``plan``)

    def apply(self, actor: User | None, batch: list[Any] | None = None) -> None:
        """Write the plan for ``batch`` (a slice of ``rows``; None: every row)."""
        raise NotImplementedError

    def batches(self, size: int) -> Iterator[list[Any]]:
        """The planned rows in slices of ``size``, in sheet order: a person is written
        with the first batch that names them, before the rows that refer to them."""
        for start in range(0, len(self.rows), size):
            yield self.rows[start : start + size]

    def error(self, row: int, key: str, message: Any) -> None:
        self.report.errors.append(RowError(row, self.headers[key], message))

    def warn(self, row: int, key: str, message: Any) -> None:
        self.report.warnings.append(RowError(row, self.headers[key], message))

    def cell(self, row: int, values: dict[str, Any], key: str, parse: Callable[[Any], Any]) -> Any:
        try:
            return parse(values.get(key))
        except FieldInvalid as err:
            self.error(row, key, err.message)
            return BAD

    def load_people(self, id_numbers: Iterable[str]) -> None:
        for chunk in chunks(sorted(set(id_numbers))):
            for person in self.session.exec(select(Person).where(col(Person.id_number).in_(chunk))):
                self.people[person.id_number or ""] = person

    def plan_person(self, p: PersonRow, seen: dict[str, PersonRow]) -> None:
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
    ) -> PersonRow | None | object:
        """The person in a row, None when all three cells are blank, BAD when invalid."""
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
            lambda v: normalise_mobile(phone_text(v)) if clean(v) else None,
        )
        if BAD in (name, id_number, phone):
            return BAD
        return PersonRow(row, name, id_number, phone, name_key, id_key, phone_key)

    def apply_people(self, actor: User | None, id_numbers: Iterable[str] | None = None) -> None:
        """Create and update the planned people (those of ``id_numbers`` not written yet,
        or all), one service call each for the new and the changed."""
        created: list[tuple[PersonRow, services.PersonData]] = []
        updated: list[tuple[PersonRow, tuple[Person, services.PersonData]]] = []
        wanted = list(self.person_plan if id_numbers is None else dict.fromkeys(id_numbers))
        for id_number in wanted:
            if id_number not in self.person_plan:
                continue
            p, action = self.person_plan.pop(id_number)
            person = self.people.get(id_number)
            if action == "created":
                data = services.PersonData(name=p.name, id_number=id_number, phone=p.phone)
                created.append((p, data))
            elif action == "updated" and person is not None:
                data = services.PersonData(
                    name=p.name or person.name,
                    id_number=id_number,
                    phone=p.phone or person.phone,
                    address=person.address,
                )
                updated.append((p, (person, data)))
        with self.batch_errors([self._person_fields(p) for p, _ in created]):
            people = services.create_people(
                self.session, actor=actor, rows=[data for _, data in created]
            )
            for person in people:
                self.people[person.id_number or ""] = person
        with self.batch_errors([self._person_fields(p) for p, _ in updated]):
            services.update_people(self.session, actor=actor, changes=[c for _, c in updated])

    @staticmethod
    def _person_fields(p: PersonRow) -> tuple[int, dict[str, str], str]:
        return p.row, {"name": p.name_key, "phone": p.phone_key}, p.id_key

    @contextmanager
    def batch_errors(self, rows: list[tuple[int, dict[str, str], str]]) -> Iterator[None]:
        """Turn a batch service's refusal into row errors: ``rows[i]`` is the sheet row,
        field → column key map and default column key of the batch's i-th row."""
        try:
            yield
        except services.RowsInvalid as err:
            for index, error in err.errors:
                row, fields, default = rows[index]
                self.error(row, fields.get(error.field or "", default), error.message)


def chunks(items: list[str], size: int = 500) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def units_by_code(session: Session, codes: list[str]) -> dict[str, Unit]:
    found: dict[str, Unit] = {}
    for chunk in chunks(sorted(set(codes))):
        for unit in session.exec(select(Unit).where(col(Unit.code).in_(chunk))):
            found[unit.code] = unit
    return found
