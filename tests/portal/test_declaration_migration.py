"""The migration turns landlords' unconfirmed open links into pending declarations (14.4)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import inspect
from sqlmodel import Session, select

from rentals.db import build_engine
from rentals.migrate import downgrade, upgrade
from rentals.portal.models import MoveOutReport, TenantDeclaration
from rentals.register.models import Tenancy
from tests import factories
from tests.conftest import fresh_database_url


def _landlord_link(session, unit, person, **kw) -> Tenancy:  # type: ignore[no-untyped-def]
    row = Tenancy(
        unit_id=unit.id,
        person_id=person.id,
        moved_in=date(2026, 5, 1),
        registered=False,
        source="landlord",
        confirmed=False,
        **kw,
    )
    session.add(row)
    session.flush()
    return row


def test_unconfirmed_open_links_become_pending_declarations(tmp_path_factory, app):
    engine = build_engine(fresh_database_url(tmp_path_factory))
    upgrade(engine)
    downgrade(engine, "0006_portal")
    assert "tenant_declaration" not in inspect(engine).get_table_names()
    with app.app_context(), Session(engine) as session:
        world = factories.make_world(session)
        declared = factories.make_person(session, name="央金")
        open_link = _landlord_link(session, world.unit_b, declared)
        session.add(
            MoveOutReport(
                unit_id=world.unit_b.id, tenancy_id=open_link.id, moved_out=date(2026, 6, 1)
            )
        )
        closed = _landlord_link(
            session, world.unit_a, factories.make_person(session), moved_out=date(2026, 6, 1)
        )
        ids = (open_link.id, closed.id, world.tenancy_a.id)
        unit_b = world.unit_b.id
        number, phone = declared.id_number, declared.phone
        session.commit()
    upgrade(engine)
    with Session(engine) as session:
        [row] = session.exec(select(TenantDeclaration)).all()
        assert (row.unit_id, row.name, row.id_number, row.phone, row.moved_in, row.status) == (
            unit_b,
            "央金",
            number,
            phone,
            date(2026, 5, 1),
            "pending",
        )
        remaining = set(session.exec(select(Tenancy.id)))
        assert ids[0] not in remaining
        assert {ids[1], ids[2]} <= remaining  # closed history and confirmed rows stay
        assert session.exec(select(MoveOutReport)).all() == []
    engine.dispose()
