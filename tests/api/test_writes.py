"""Writes through the API call the pages' services: a landlord's tenant reports, the
office's units. Each refusal is a 4xx in the error body and changes nothing."""

from __future__ import annotations

import pytest
from sqlmodel import select

from rentals.audit.models import AuditEvent
from rentals.auth.models import Role
from rentals.portal.models import MoveOutReport, TenantDeclaration
from rentals.register.models import Tenancy, Unit
from tests import factories
from tests.api.conftest import data_snapshot
from tests.security.helpers import connection_of

MOVE_IN = {
    "name": "次旦",
    "id_number": "11010519491231002X",
    "phone": "13912345678",
    "moved_in": "2026-12-01",
    "registered": True,
}


def test_a_landlord_declares_a_move_in_which_waits_for_staff(api, session, world):
    answer = api.post(f"/units/{world.unit_a.code}/tenants/move-in", "landlord_a", json=MOVE_IN)
    assert answer.status_code == 201, answer.get_data(as_text=True)
    assert answer.get_json()["kind"] == "move_in" and answer.get_json()["status"] == "pending"
    row = session.exec(select(TenantDeclaration)).one()
    assert (row.name, row.id_number, row.phone, str(row.moved_in)) == (
        "次旦",
        "11010519491231002X",
        "+8613912345678",
        "2026-12-01",
    )
    # The register is untouched until staff confirm (one home of that rule).
    tenancies = session.exec(select(Tenancy.id).where(Tenancy.unit_id == world.unit_a.id)).all()
    assert tenancies == [world.tenancy_a.id]
    event = session.exec(
        select(AuditEvent).where(AuditEvent.action == "portal.tenant.declared")
    ).one()
    assert event.data["id_number"] == "110105********002X"
    again = api.post(f"/units/{world.unit_a.code}/tenants/move-in", "landlord_a", json=MOVE_IN)
    assert again.status_code == 409 and again.get_json()["error"]["field"] == "id_number"


@pytest.mark.parametrize(
    ("role", "change", "status", "field"),
    [
        ("landlord_b", {}, 404, None),
        ("manager", {}, 403, None),
        ("landlord_a", {"id_number": "110105194912310021"}, 422, "id_number"),
        ("landlord_a", {"id_number": "5.401021990010113e+17"}, 422, "id_number"),
        ("landlord_a", {"phone": "0891-6321234"}, 422, "phone"),
        ("landlord_a", {"name": "   "}, 422, "name"),
        ("landlord_a", {"moved_in": "2026-02-30"}, 422, "moved_in"),
        ("landlord_a", {"registered": "yes"}, 422, "registered"),
    ],
)
def test_bad_move_ins_are_refused_and_change_nothing(app, api, world, role, change, status, field):
    conn = connection_of(app)
    api.get("/me", role)  # the token's first use is noted before the snapshot
    before = data_snapshot(conn)
    answer = api.post(
        f"/units/{world.unit_a.code}/tenants/move-in", role, json={**MOVE_IN, **change}
    )
    assert answer.status_code == status, answer.get_data(as_text=True)
    error = answer.get_json()["error"]
    if field:
        assert error["field"] == field
    assert data_snapshot(conn) == before


def test_a_landlord_reports_a_move_out_once(api, session, world):
    body = {"tenancy_id": world.tenancy_a.id, "moved_out": "2026-12-05"}
    answer = api.post(f"/units/{world.unit_a.code}/tenants/move-out", "landlord_a", json=body)
    assert answer.status_code == 201
    report = session.exec(select(MoveOutReport)).one()
    assert report.tenancy_id == world.tenancy_a.id and report.status == "pending"
    again = api.post(f"/units/{world.unit_a.code}/tenants/move-out", "landlord_a", json=body)
    assert again.status_code == 409
    # Another unit's tenancy, or a date before the move-in, is refused.
    wrong = api.post(f"/units/{world.unit_b.code}/tenants/move-out", "landlord_b", json=body)
    assert wrong.status_code == 422 and wrong.get_json()["error"]["field"] == "tenancy_id"


NEW_UNIT = {
    "code": "api-001",
    "address": "扎细路1号",
    "street": "扎细路",
    "house_number": 1,
    "unit_type": "house",
    "rooms": 3,
    "floor_area": 45.5,
}


def test_the_office_creates_and_changes_units(api, session, world):
    answer = api.post(
        "/units",
        "manager",
        json={
            **NEW_UNIT,
            "area_id": world.area_b.id,
            "landlord_id_number": world.landlord_b.id_number,
        },
    )
    assert answer.status_code == 201, answer.get_data(as_text=True)
    assert answer.get_json()["code"] == "API-001"
    unit = session.exec(select(Unit).where(Unit.code == "API-001")).one()
    assert (unit.area_id, unit.landlord_id, str(unit.floor_area)) == (
        world.area_b.id,
        world.landlord_b.id,
        "45.50",
    )
    changed = api("PATCH", "/units/API-001", "manager", json={"address": "扎细路2号", "code": None})
    assert changed.status_code == 200 and changed.get_json()["address"] == "扎细路2号"
    session.expire_all()
    unit = session.get(Unit, unit.id)
    assert (unit.code, unit.address, unit.landlord_id) == (
        "API-001",
        "扎细路2号",
        world.landlord_b.id,
    )
    actions = [
        e.action
        for e in session.exec(
            select(AuditEvent).where(
                AuditEvent.subject_id == str(unit.id), AuditEvent.subject_type == "unit"
            )
        )
    ]
    assert actions == ["unit.created", "unit.updated"]
    # The landlord of the new unit now sees it; the other landlord does not.
    assert api.get("/units/API-001", "landlord_b").status_code == 200
    assert api.get("/units/API-001", "landlord_a").status_code == 404


def test_unit_writes_are_refused_outside_the_offices_reach(app, api, session, world):
    with app.app_context():
        other = factories.make_community(session, "别的社区")
        far = factories.make_area(session, other, "丙区")
        far_unit = factories.make_unit(session, far)
        session.commit()
    conn = connection_of(app)
    for role in ("manager", "inspector_a", "landlord_a"):
        api.get("/me", role)
    before = data_snapshot(conn)
    cases = [
        (api.post("/units", "manager", json={**NEW_UNIT, "area_id": far.id}), 422, "area_id"),
        (
            api.post(
                "/units",
                "manager",
                json={**NEW_UNIT, "area_id": world.area_a.id, "code": world.unit_b.code},
            ),
            409,
            "code",
        ),
        (
            api.post(
                "/units",
                "manager",
                json={
                    **NEW_UNIT,
                    "area_id": world.area_a.id,
                    "landlord_id_number": "11010519491231002X",
                },
            ),
            400,
            "landlord_id_number",
        ),
        (
            api.post(
                "/units", "manager", json={**NEW_UNIT, "area_id": world.area_a.id, "rooms": True}
            ),
            422,
            "rooms",
        ),
        (
            api.post("/units", "inspector_a", json={**NEW_UNIT, "area_id": world.area_a.id}),
            403,
            None,
        ),
        (api("PATCH", f"/units/{far_unit.code}", "manager", json={"address": "x"}), 404, None),
        (
            api("PATCH", f"/units/{world.unit_a.code}", "manager", json={"area_id": far.id}),
            422,
            "area_id",
        ),
        (
            api("PATCH", f"/units/{world.unit_a.code}", "landlord_a", json={"address": "x"}),
            403,
            None,
        ),
    ]
    for answer, status, field in cases:
        assert answer.status_code == status, answer.get_data(as_text=True)
        if field:
            assert answer.get_json()["error"]["field"] == field
    assert data_snapshot(conn) == before


def test_an_admin_token_creates_units_anywhere(api, world):
    assert world.users["admin"].role == Role.ADMIN
    answer = api.post("/units", "admin", json={**NEW_UNIT, "area_id": world.area_a.id})
    assert answer.status_code == 201


def test_the_office_registers_and_changes_people_through_the_register_rules(
    app, api, session, world
):
    from rentals.register.models import Person

    made = api.post(
        "/people",
        "manager",
        json={"name": "索朗", "id_number": "11010519491231002x", "phone": "139 1234 5678"},
    )
    assert made.status_code == 201, made.get_data(as_text=True)
    body = made.get_json()
    assert (
        body["id_number_masked"] == "110105********002X" and body["phone_masked"] == "139****5678"
    )
    person = session.get(Person, body["id"])
    assert (person.id_number, person.phone) == ("11010519491231002X", "+8613912345678")
    again = api.post("/people", "manager", json={"name": "重复", "id_number": "11010519491231002X"})
    assert again.status_code == 409 and again.get_json()["error"]["field"] == "id_number"
    changed = api("PATCH", f"/people/{person.id}", "manager", json={"address": "扎细路3号"})
    assert changed.status_code == 200
    session.expire_all()
    assert (session.get(Person, person.id).address, session.get(Person, person.id).phone) == (
        "扎细路3号",
        "+8613912345678",
    )
    actions = [
        e.action
        for e in session.exec(
            select(AuditEvent).where(
                AuditEvent.subject_type == "person", AuditEvent.subject_id == str(person.id)
            )
        )
    ]
    assert actions == ["person.created", "person.updated"]
    assert "11010519491231002X" not in str(
        [
            e.data
            for e in session.exec(select(AuditEvent).where(AuditEvent.subject_type == "person"))
        ]
    )


def test_people_outside_the_offices_reach_are_not_found(app, api, session, world):
    with app.app_context():
        other = factories.make_community(session, "别的社区")
        far = factories.make_unit(
            session,
            factories.make_area(session, other, "丙区"),
            factories.make_person(session, name="远方"),
        )
        session.commit()
    conn = connection_of(app)
    for role in ("manager", "inspector_a"):
        api.get("/me", role)
    before = data_snapshot(conn)
    assert (
        api("PATCH", f"/people/{far.landlord_id}", "manager", json={"name": "x"}).status_code == 404
    )
    assert (
        api(
            "PATCH", f"/people/{world.landlord_a.id}", "inspector_a", json={"name": "x"}
        ).status_code
        == 403
    )
    assert api("PATCH", "/people/2147483647", "manager", json={"name": "x"}).status_code == 404
    assert api.post("/people", "manager", json={"name": "x", "id_number": "123"}).status_code == 422
    assert api.post("/people", "manager", json={"name": " "}).status_code == 422
    assert data_snapshot(conn) == before
