"""Batch register services (what the ledger import writes through): the single-row rules
hold across a whole batch, a refused batch writes nothing and names every failing row,
and the queries do not grow with the number of rows."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import date

import pytest
from sqlalchemy import event
from sqlmodel import col, func, select

from rentals.audit.models import AuditEvent
from rentals.errors import Conflict
from rentals.register import services
from rentals.register.models import Person, Tenancy, Unit
from rentals.templating import mask_id_number
from tests import factories


def _count(session, model) -> int:  # type: ignore[no-untyped-def]
    return session.exec(select(func.count()).select_from(model)).one()


@contextmanager
def _statements(session) -> Iterator[list[str]]:  # type: ignore[no-untyped-def]
    seen: list[str] = []
    engine = session.get_bind()

    def listen(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", listen)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", listen)


def _unit_rows(world, prefix: str, n: int) -> list[services.UnitData]:  # type: ignore[no-untyped-def]
    return [
        services.UnitData(code=f"{prefix}-{i:03d}", area_id=world.area_a.id, address=f"批量路{i}号")
        for i in range(n)
    ]


def test_create_people_sets_tail_and_audits_each_with_masked_number(session, world) -> None:
    numbers = [factories.unique_id_number() for _ in range(3)]
    rows = [services.PersonData(name=f"人{i}", id_number=n) for i, n in enumerate(numbers)]
    people = services.create_people(session, actor=None, rows=rows)
    assert [p.id_tail for p in people] == [n[-4:] for n in numbers]
    assert all(p.id is not None for p in people)
    session.flush()
    events = session.exec(
        select(AuditEvent).where(
            AuditEvent.action == "person.created",
            col(AuditEvent.subject_id).in_([str(p.id) for p in people]),
        )
    ).all()
    assert len(events) == 3
    masked = sorted(e.data["id_number"][1] for e in events)
    assert masked == sorted(mask_id_number(n) for n in numbers)
    assert not any(n in str(e.data) for e in events for n in numbers)


def test_refused_people_batch_names_every_row_and_writes_nothing(session, world) -> None:
    fresh = factories.unique_id_number()
    rows = [
        services.PersonData(name="甲", id_number=fresh),
        services.PersonData(name="乙", id_number=world.landlord_a.id_number),  # in the register
        services.PersonData(name="丙", id_number=fresh),  # earlier in the batch
        services.PersonData(name=" ", id_number=factories.unique_id_number()),
    ]
    before = _count(session, Person)
    with pytest.raises(services.RowsInvalid) as caught:
        services.create_people(session, actor=None, rows=rows)
    assert [(i, e.field) for i, e in caught.value.errors] == [
        (1, "id_number"),
        (2, "id_number"),
        (3, "name"),
    ]
    assert _count(session, Person) == before


def test_update_people_refuses_a_number_held_by_someone_else(session, world) -> None:
    changes = [
        (world.landlord_a, services.PersonData(name="新名", id_number=world.landlord_a.id_number)),
        (world.landlord_b, services.PersonData(name="格桑", id_number=world.tenant_a.id_number)),
    ]
    with pytest.raises(services.RowsInvalid) as caught:
        services.update_people(session, actor=None, changes=changes)
    assert [(i, e.field) for i, e in caught.value.errors] == [(1, "id_number")]
    assert world.landlord_a.name == "扎西"  # nothing applied


def test_refused_units_batch_names_every_row_and_writes_nothing(session, world) -> None:
    rows = [
        *_unit_rows(world, "OK", 2),
        services.UnitData(code=world.unit_b.code, area_id=world.area_a.id, address="甲"),
        services.UnitData(code="OK-000", area_id=world.area_a.id, address="乙"),
        services.UnitData(code="NEW-1", area_id=999999, address="丙"),
        services.UnitData(code="NEW-2", area_id=world.area_a.id, address="丁", landlord_id=999999),
    ]
    before = _count(session, Unit)
    with pytest.raises(services.RowsInvalid) as caught:
        services.create_units(session, actor=None, rows=rows)
    assert [(i, e.field) for i, e in caught.value.errors] == [
        (2, "code"),
        (3, "code"),
        (4, "area_id"),
        (5, "landlord_id"),
    ]
    assert _count(session, Unit) == before


def test_single_row_service_raises_the_rows_own_error(session, world) -> None:
    data = services.UnitData(code=world.unit_b.code, area_id=world.area_a.id, address="甲")
    with pytest.raises(Conflict) as caught:
        services.create_unit(session, actor=None, data=data)
    assert not isinstance(caught.value, services.RowsInvalid)
    assert caught.value.field == "code"


def test_add_tenancies_keeps_one_open_tenancy_per_person(session, world) -> None:
    newcomer = factories.make_person(session, name="新人")
    rows = [
        services.NewTenancy(world.unit_b, newcomer, date(2026, 2, 1), True, "import"),
        services.NewTenancy(world.unit_a, newcomer, date(2026, 2, 1), True, "import"),
        services.NewTenancy(world.unit_b, world.tenant_a, date(2026, 2, 1), True, "import"),
    ]
    before = _count(session, Tenancy)
    with pytest.raises(services.RowsInvalid) as caught:
        services.add_tenancies(session, actor=None, rows=rows)
    errors = caught.value.errors
    assert [i for i, _ in errors] == [1, 2]
    assert world.unit_b.code in str(errors[0][1].message)  # the batch's own earlier row
    assert world.unit_a.code in str(errors[1][1].message)  # the register's open tenancy
    assert _count(session, Tenancy) == before

    made = services.add_tenancies(session, actor=None, rows=rows[:1])
    assert made[0].id is not None and made[0].source == "import" and made[0].confirmed
    session.flush()
    event_ = session.exec(
        select(AuditEvent).where(
            AuditEvent.action == "tenancy.started", AuditEvent.subject_id == str(made[0].id)
        )
    ).one()
    assert event_.data["unit"] == world.unit_b.code


def _selects(statements: list[str]) -> list[str]:
    return [s for s in statements if s.lstrip().upper().startswith("SELECT")]


def test_batch_checks_do_not_grow_with_the_rows(session, world) -> None:
    """One IN query per kind of check, whatever the batch size (not one per row)."""
    landlord = world.landlord_a.id
    counts = []
    for prefix, n in (("FEW", 3), ("MANY", 60)):
        rows = [replace(r, landlord_id=landlord) for r in _unit_rows(world, prefix, n)]
        session.flush()
        with _statements(session) as seen:
            services.create_units(session, actor=None, rows=rows)
        counts.append(len(_selects(seen)))
    assert counts[0] == counts[1] <= 3, counts
    assert _count(session, Unit) >= 63
