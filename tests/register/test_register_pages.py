"""The register: list, search, unit file, forms, scoping, masking and the audit trail."""

from __future__ import annotations

import re
from contextlib import contextmanager

import pytest
from sqlalchemy import event, func
from sqlmodel import select

from rentals.audit.models import AuditEvent
from rentals.register.models import Person, Tenancy, Unit
from tests import factories
from tests.conftest import csrf_token


@contextmanager
def count_queries(engine):  # type: ignore[no-untyped-def]
    statements: list[str] = []

    def _count(_conn, _cursor, statement, *_args):  # type: ignore[no-untyped-def]
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", _count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", _count)


def _count(session, model) -> int:  # type: ignore[no-untyped-def]
    return session.exec(select(func.count()).select_from(model)).one()


def test_manager_sees_every_unit_with_total(login_as, world):
    html = login_as("manager").get("/units").get_data(as_text=True)
    assert world.unit_a.code in html and world.unit_b.code in html
    assert "共 2 户" in html


def test_landlord_sees_only_their_units_and_404_for_others(login_as, world):
    client = login_as("landlord_a")
    html = client.get("/units").get_data(as_text=True)
    assert world.unit_a.code in html and world.unit_b.code not in html
    assert client.get(f"/units/{world.unit_a.code}").status_code == 200
    assert client.get(f"/units/{world.unit_b.code}").status_code == 404
    assert client.get("/units/NO-SUCH-UNIT").status_code == 404


def test_inspector_sees_the_areas_they_serve(login_as, world):
    client = login_as("inspector_a")
    html = client.get("/units").get_data(as_text=True)
    assert world.unit_a.code in html and world.unit_b.code not in html
    assert client.get(f"/units/{world.unit_b.code}").status_code == 404


def test_landlord_cannot_open_staff_forms(login_as, world):
    client = login_as("landlord_a")
    assert client.get("/units/new").status_code == 403
    assert client.get(f"/units/{world.unit_a.code}/tenants/new").status_code == 403


def test_anonymous_is_sent_to_login(client, world):
    response = client.get("/units")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize(
    ("term", "expect_a", "expect_b"),
    [
        ("T-", True, True),
        ("扎西", True, False),  # landlord name prefix
        ("测试路", True, True),  # address substring
    ],
)
def test_search_routes_terms(login_as, world, term, expect_a, expect_b):
    html = login_as("manager").get("/units", query_string={"q": term}).get_data(as_text=True)
    assert (world.unit_a.code in html) is expect_a
    assert (world.unit_b.code in html) is expect_b


def test_search_by_phone_and_identity_tail_finds_landlord_and_tenant_units(login_as, world):
    client = login_as("manager")
    phone = world.landlord_b.phone.removeprefix("+86")
    html = client.get("/units", query_string={"q": phone}).get_data(as_text=True)
    assert world.unit_b.code in html and world.unit_a.code not in html
    tail = world.tenant_a.id_number[-4:]
    html = client.get("/units", query_string={"q": tail}).get_data(as_text=True)
    assert world.unit_a.code in html


def test_filters_by_area_and_status(login_as, world):
    client = login_as("manager")
    html = client.get("/units", query_string={"area": world.area_b.id}).get_data(as_text=True)
    assert world.unit_b.code in html and world.unit_a.code not in html
    html = client.get("/units", query_string={"status": "vacant"}).get_data(as_text=True)
    assert world.unit_a.code not in html


def test_list_page_uses_a_fixed_number_of_queries(login_as, world, session, engine, app):
    client = login_as("manager")

    def selects() -> int:
        with count_queries(engine) as statements:
            assert client.get("/units").status_code == 200
        return len([s for s in statements if s.lstrip().upper().startswith("SELECT")])

    few = selects()
    for _ in range(30):
        factories.make_unit(session, world.area_a, factories.make_person(session))
    session.commit()
    # The same statements for 2 rows or 32: never one query per row (within one community
    # the star counts take two: by community, then by area).
    assert selects() == few <= 9


def test_pagination_splits_pages(login_as, world, session, app):
    for _ in range(55):
        factories.make_unit(session, world.area_a)
    session.commit()
    client = login_as("manager")
    first = client.get("/units").get_data(as_text=True)
    second = client.get("/units", query_string={"page": 2}).get_data(as_text=True)
    codes_1 = set(re.findall(r">(T-\d{5})<", first))
    codes_2 = set(re.findall(r">(T-\d{5})<", second))
    assert len(codes_1) == 50 and len(codes_2) == 7 and not codes_1 & codes_2


def test_identity_numbers_are_masked_on_the_unit_file(login_as, world):
    html = login_as("manager").get(f"/units/{world.unit_a.code}").get_data(as_text=True)
    full = world.landlord_a.id_number
    assert full not in html
    assert full[:6] + "********" + full[-4:] in html
    assert world.tenant_a.id_number not in html


def test_landlord_sees_tenant_phone_masked(login_as, world):
    html = login_as("landlord_a").get(f"/units/{world.unit_a.code}").get_data(as_text=True)
    assert world.tenant_a.phone.removeprefix("+86") not in html


def test_reveal_is_audited_and_shows_the_number(login_as, world, session):
    client = login_as("inspector_a")
    token = csrf_token(client, f"/units/{world.unit_a.code}")
    response = client.post(f"/people/{world.landlord_a.id}/reveal", data={"csrf_token": token})
    assert response.status_code == 200
    assert world.landlord_a.id_number in response.get_data(as_text=True)
    event_row = session.exec(
        select(AuditEvent).where(AuditEvent.action == "personal.id_number.revealed")
    ).one()
    assert event_row.actor_id == world.users["inspector_a"].id
    assert event_row.subject_id == str(world.landlord_a.id)


def test_reveal_outside_scope_is_404_and_not_audited(login_as, world, session):
    client = login_as("inspector_a")
    token = csrf_token(client, f"/units/{world.unit_a.code}")
    response = client.post(f"/people/{world.landlord_b.id}/reveal", data={"csrf_token": token})
    assert response.status_code == 404
    assert _count(session, AuditEvent) == _count(session, AuditEvent)  # same session view
    assert not session.exec(
        select(AuditEvent).where(AuditEvent.action == "personal.id_number.revealed")
    ).first()


def test_landlord_may_not_reveal(login_as, world):
    client = login_as("landlord_a")
    token = csrf_token(client, f"/units/{world.unit_a.code}")
    response = client.post(f"/people/{world.landlord_a.id}/reveal", data={"csrf_token": token})
    assert response.status_code == 403


def _unit_form(world, **over):  # type: ignore[no-untyped-def]
    data = {
        "code": "zx-new-1",
        "area_id": world.area_a.id,
        "address": "新路1号",
        "street": "新路",
        "house_number": "1",
        "unit_type": "room",
        "rooms": "2",
        "floor_area": "35.5",
        "status": "active",
        "landlord_id_number": world.landlord_a.id_number,
    }
    data.update(over)
    return data


def test_manager_creates_a_unit_and_it_is_audited(login_as, world, session):
    client = login_as("manager")
    data = _unit_form(world, csrf_token=csrf_token(client, "/units/new"))
    response = client.post("/units/new", data=data)
    assert response.status_code == 302
    unit = session.exec(select(Unit).where(Unit.code == "ZX-NEW-1")).one()
    assert unit.landlord_id == world.landlord_a.id and str(unit.floor_area) == "35.50"
    assert session.exec(
        select(AuditEvent)
        .where(AuditEvent.action == "unit.created")
        .where(AuditEvent.subject_id == str(unit.id))
    ).one()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("code", "", "请填写单元编号"),
        ("rooms", "-1", "房间数"),
        ("landlord_id_number", "540102199001011230", "校验位"),  # right check: 3
        ("landlord_id_number", "540102900101123", "15 位"),
    ],
)
def test_bad_unit_field_shows_error_beside_it_and_writes_nothing(
    login_as, world, session, field, value, message
):
    client = login_as("manager")
    before = _count(session, Unit), _count(session, AuditEvent)
    data = _unit_form(world, csrf_token=csrf_token(client, "/units/new"), **{field: value})
    response = client.post("/units/new", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in html
    assert f'id="{field}-error"' in html
    assert re.search(rf'aria-describedby="[^"]*\b{field}-error"', html)
    assert (_count(session, Unit), _count(session, AuditEvent)) == before


def test_duplicate_code_is_refused(login_as, world, session):
    client = login_as("manager")
    data = _unit_form(world, code=world.unit_b.code, csrf_token=csrf_token(client, "/units/new"))
    response = client.post("/units/new", data=data)
    assert response.status_code == 422 and "已存在" in response.get_data(as_text=True)


def test_editing_a_unit_records_old_and_new_values(login_as, world, session):
    client = login_as("manager")
    path = f"/units/{world.unit_a.code}/edit"
    data = _unit_form(world, code=world.unit_a.code, address="改后的地址9号", rooms="4")
    data["csrf_token"] = csrf_token(client, path)
    assert client.post(path, data=data).status_code == 302
    change = session.exec(select(AuditEvent).where(AuditEvent.action == "unit.updated")).one()
    assert change.data["address"] == [world.unit_a.address, "改后的地址9号"]
    assert change.data["rooms"] == [2, 4]
    html = client.get(f"/units/{world.unit_a.code}").get_data(as_text=True)
    assert "unit.updated" in html and "改后的地址9号" in html


def _tenant_form(client, unit_code, **over):  # type: ignore[no-untyped-def]
    data = {
        "name": "央金",
        "id_number": factories.unique_id_number(),
        "phone": "13900001111",
        "address": "",
        "moved_in": "2026-03-01",
        "registered": "y",
        "csrf_token": csrf_token(client, f"/units/{unit_code}/tenants/new"),
    }
    data.update(over)
    return data


def test_inspector_registers_a_tenant(login_as, world, session):
    client = login_as("inspector_a")
    data = _tenant_form(client, world.unit_a.code)
    response = client.post(f"/units/{world.unit_a.code}/tenants/new", data=data)
    assert response.status_code == 302
    person = session.exec(select(Person).where(Person.id_number == data["id_number"])).one()
    tenancy = session.exec(select(Tenancy).where(Tenancy.person_id == person.id)).one()
    assert tenancy.unit_id == world.unit_a.id and tenancy.registered
    assert person.phone == "+8613900001111"


def test_a_person_cannot_hold_two_open_tenancies(login_as, world, session):
    client = login_as("manager")
    data = _tenant_form(client, world.unit_b.code, id_number=world.tenant_a.id_number)
    before = _count(session, Tenancy)
    response = client.post(f"/units/{world.unit_b.code}/tenants/new", data=data)
    assert response.status_code == 422
    assert "请先登记搬离" in response.get_data(as_text=True)
    assert _count(session, Tenancy) == before


def test_move_out_before_move_in_is_refused(login_as, world, session):
    client = login_as("manager")
    token = csrf_token(client, f"/units/{world.unit_a.code}")
    response = client.post(
        f"/tenancies/{world.tenancy_a.id}/end",
        data={"moved_out": "2025-12-31", "csrf_token": token},
        follow_redirects=True,
    )
    assert "搬离日期不能早于入住日期" in response.get_data(as_text=True)
    session.refresh(world.tenancy_a)
    assert world.tenancy_a.moved_out is None


def test_move_out_closes_the_tenancy_and_frees_the_person(login_as, world, session):
    client = login_as("manager")
    token = csrf_token(client, f"/units/{world.unit_a.code}")
    response = client.post(
        f"/tenancies/{world.tenancy_a.id}/end",
        data={"moved_out": "2026-06-30", "csrf_token": token},
    )
    assert response.status_code == 302
    session.refresh(world.tenancy_a)
    assert str(world.tenancy_a.moved_out) == "2026-06-30"
    data = _tenant_form(client, world.unit_b.code, id_number=world.tenant_a.id_number)
    assert client.post(f"/units/{world.unit_b.code}/tenants/new", data=data).status_code == 302


def test_post_without_csrf_token_is_rejected_and_changes_nothing(login_as, world, session):
    client = login_as("manager")
    before = _count(session, Unit)
    response = client.post("/units/new", data=_unit_form(world))
    assert response.status_code == 400
    assert _count(session, Unit) == before


def test_person_edit_audits_masked_identity_numbers(login_as, world, session):
    client = login_as("manager")
    path = f"/people/{world.landlord_a.id}/edit"
    new_id = factories.unique_id_number()
    data = {
        "name": "扎西",
        "id_number": new_id,
        "phone": "13900002222",
        "address": "",
        "csrf_token": csrf_token(client, path),
    }
    assert client.post(path, data=data).status_code == 302
    change = session.exec(select(AuditEvent).where(AuditEvent.action == "person.updated")).one()
    assert new_id not in str(change.data)
    assert change.data["id_number"][1] == new_id[:6] + "********" + new_id[-4:]


def test_address_search_follows_edits(login_as, world, session):
    """The trigram search index is kept in step with the unit table by the database."""
    client = login_as("manager")
    assert world.unit_a.code not in client.get("/units?q=雪域大道").get_data(as_text=True)
    world.unit_a.address = "雪域大道88号"
    session.add(world.unit_a)
    session.commit()
    html = client.get("/units?q=雪域大道").get_data(as_text=True)
    assert world.unit_a.code in html and world.unit_b.code not in html
    assert world.unit_a.code in client.get("/units?q=雪域").get_data(as_text=True)


def test_search_terms_with_sql_and_fts_syntax_are_plain_text(login_as, world):
    client = login_as("manager")
    for term in ['"', 'a" OR "b', "NEAR(x y)", "%", "_", "路*", "' OR 1=1 --"]:
        response = client.get("/units", query_string={"q": term})
        assert response.status_code == 200
        assert "共 0 户" in response.get_data(as_text=True)


def test_fields_without_help_or_error_carry_no_empty_aria_attributes(login_as, world):
    html = login_as("manager").get("/units/new").get_data(as_text=True)
    assert 'aria-describedby="None"' not in html and 'aria-invalid="None"' not in html
    assert 'aria-describedby="landlord_id_number-help"' in html


def test_totals_and_star_counts_never_count_over_the_units(login_as, world, engine):
    client = login_as("manager")
    for query in ({}, {"area": world.area_a.id, "rating": "two"}, {"status": "active"}):
        with count_queries(engine) as statements:
            assert client.get("/units", query_string=query).status_code == 200
        counts = [s for s in statements if "count(" in s.lower() or "GROUP BY" in s.upper()]
        assert counts and all("FROM unit_tally" in s for s in counts), counts


def test_unit_file_names_task_states_in_words(login_as, world, session):
    from datetime import date

    from rentals.tasks.models import Task

    session.add(
        Task(
            unit_id=world.unit_a.id,
            period_key="2027-02",
            start=date(2027, 2, 1),
            due=date(2027, 2, 28),
        )
    )
    session.commit()
    html = login_as("manager").get(f"/units/{world.unit_a.code}").get_data(as_text=True)
    assert "2027-02 · 截止 2027-02-28 · 待办" in html


def test_withdrawn_status_is_not_confused_with_signing_out(login_as, world):
    html = login_as("manager").get("/units?lang=en").get_data(as_text=True)
    assert '<option value="withdrawn" >Withdrawn</option>' in html or ">Withdrawn<" in html
