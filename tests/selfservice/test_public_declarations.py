"""Issue 19: a tenant declares themselves from the door; the register changes only when the
landlord (or staff) confirms; the public answer says nothing about anyone; floods are refused."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import func, select

from rentals.audit.models import AuditEvent
from rentals.portal.models import TenantDeclaration
from rentals.printing.models import Plaque
from rentals.register.models import Person, Tenancy
from rentals.selfservice.models import DoorSticker
from tests import factories
from tests.conftest import csrf_token, login

SERIAL = "TEST-DOOR-0001"
#: The business date, taken from the wall clock in Lhasa's zone (not from the product).
TODAY = datetime.now(ZoneInfo("Asia/Shanghai")).date()
MOVED_IN = TODAY - timedelta(days=3)


def _count(session, model, *where) -> int:  # type: ignore[no-untyped-def]
    query = select(func.count()).select_from(model)
    for w in where:
        query = query.where(w)
    return session.exec(query).one()


@pytest.fixture
def plaque(session, world):  # type: ignore[no-untyped-def]
    row = Plaque(
        unit_id=world.unit_a.id,
        serial=SERIAL,
        stars=2,
        rating_status="two",
        valid_until=date(2099, 12, 31),
    )
    session.add(row)
    session.commit()
    return row


def _form(number: str, **kw) -> dict:  # type: ignore[type-arg]
    data = {
        "name": "央金",
        "id_number": number,
        "phone": "13900000001",
        "on": MOVED_IN.isoformat(),
        "consent": "y",
    }
    data.update(kw)
    return data


def _post(client, path: str, data: dict, **kw):  # type: ignore[no-untyped-def,type-arg]
    token = csrf_token(client, path)
    return client.post(path, data={**data, "csrf_token": token}, **kw)


def _logout(client) -> None:  # type: ignore[no-untyped-def]
    """Forget every cookie: the next request is a stranger's (or the next user's)."""
    client._cookies.clear()


def test_a_declaration_changes_the_register_only_after_the_landlord_confirms(
    client, session, world, plaque
):
    number = factories.unique_id_number()
    tenancies_before = _count(session, Tenancy)
    page = client.get(f"/p/{SERIAL}/here")
    assert page.status_code == 200 and "我住在这里" in page.get_data(as_text=True)
    answer = _post(client, f"/p/{SERIAL}/here", _form(number))
    assert answer.status_code == 200, answer.get_data(as_text=True)[:2000]
    assert "申报已收到" in answer.get_data(as_text=True)

    # Filed, pending; nobody in the register yet.
    declaration = session.exec(
        select(TenantDeclaration).where(TenantDeclaration.id_number == number)
    ).one()
    assert (declaration.source, declaration.kind, declaration.status) == ("tenant", "in", "pending")
    assert declaration.consented_at is not None and declaration.declared_by is None
    assert _count(session, Tenancy) == tenancies_before
    assert _count(session, Person, Person.id_number == number) == 0
    # The inspector's unit file lists it as waiting for the landlord.
    login(client, world.users["inspector_a"].username)
    file = client.get(f"/units/{world.unit_a.code}").get_data(as_text=True)
    assert "待房东确认" in file and number not in file
    _logout(client)

    # The landlord sees it (masked) and confirms it.
    login(client, world.users["landlord_a"].username)
    mine = client.get(f"/my/units/{world.unit_a.code}").get_data(as_text=True)
    assert number[:6] + "********" + number[-4:] in mine and number not in mine
    path = f"/my/units/{world.unit_a.code}/tenant-declarations/{declaration.id}"
    done = _post(client, path, {"decision": "confirm"}, headers={"Referer": "x"})
    assert done.status_code == 302
    session.expire_all()
    person = session.exec(select(Person).where(Person.id_number == number)).one()
    tenancy = session.exec(select(Tenancy).where(Tenancy.person_id == person.id)).one()
    assert (tenancy.unit_id, tenancy.moved_in, tenancy.moved_out) == (
        world.unit_a.id,
        MOVED_IN,
        None,
    )
    assert (tenancy.source, tenancy.confirmed) == ("tenant", False)
    assert session.get(TenantDeclaration, declaration.id).status == "confirmed"
    _logout(client)

    # The inspector sees "declared, not yet verified" and verifies at the door.
    login(client, world.users["inspector_a"].username)
    file = client.get(f"/units/{world.unit_a.code}").get_data(as_text=True)
    assert "租户自报，尚未核实" in file
    verified = _post(
        client,
        f"/units/{world.unit_a.code}/tenancies/{tenancy.id}/verify",
        {},
    )
    assert verified.status_code == 302
    session.expire_all()
    assert session.get(Tenancy, tenancy.id).confirmed is True
    actions = set(session.exec(select(AuditEvent.action)))
    assert {
        "selfservice.tenant.declared",
        "selfservice.tenant.confirmed",
        "selfservice.tenancy.verified",
    } <= actions
    # The audit trail keeps the number masked.
    declared = session.exec(
        select(AuditEvent).where(AuditEvent.action == "selfservice.tenant.declared")
    ).one()
    assert number not in str(declared.data)


_TOKEN = re.compile(r'value="[A-Za-z0-9._-]{30,}"')


def test_the_answer_is_the_same_whoever_the_number_belongs_to(client, session, world, plaque):
    """Unknown, in the register, renting elsewhere, and a repeat: byte for byte the same."""
    known = factories.make_person(session, name="平措")
    renter = factories.make_person(session, name="次旺")
    factories.make_tenancy(session, world.unit_b, renter)
    session.commit()
    unknown = factories.unique_id_number()
    bodies = []
    for number in (unknown, known.id_number, renter.id_number, world.tenant_a.id_number, unknown):
        answer = _post(client, f"/p/{SERIAL}/here", _form(number))
        assert answer.status_code == 200
        bodies.append(_TOKEN.sub("", answer.get_data(as_text=True)))
    assert len(set(bodies)) == 1
    for name in ("平措", "次旺", "卓玛", world.unit_a.address):
        assert name not in bodies[0]
    # The repeat filed nothing new: four declarations for five answers.
    assert _count(session, TenantDeclaration, TenantDeclaration.source == "tenant") == 4


def test_a_flood_from_one_client_is_refused_after_the_limit(app, client, session, world, plaque):
    app.config["SELF_DECLARE_RATE_LIMIT"] = "3 per hour"
    statuses = [
        _post(client, f"/p/{SERIAL}/here", _form(factories.unique_id_number())).status_code
        for _ in range(5)
    ]
    assert statuses == [200, 200, 200, 429, 429]
    assert _count(session, TenantDeclaration, TenantDeclaration.source == "tenant") == 3


def test_one_unit_takes_at_most_ten_declarations_a_day_from_any_clients(
    client, session, world, plaque
):
    statuses = []
    for n in range(12):
        address = {"REMOTE_ADDR": f"10.0.0.{n + 1}"}
        token = csrf_token(client, f"/p/{SERIAL}/here")
        statuses.append(
            client.post(
                f"/p/{SERIAL}/here",
                data={**_form(factories.unique_id_number()), "csrf_token": token},
                environ_base=address,
            ).status_code
        )
    assert statuses == [200] * 10 + [429, 429]
    assert _count(session, TenantDeclaration, TenantDeclaration.source == "tenant") == 10


def test_unknown_serials_and_withdrawn_units_are_refused_plainly(client, session, world, plaque):
    assert client.get("/p/NOPE-NOPE-NOPE/here").status_code == 404
    token = csrf_token(client, f"/p/{SERIAL}/here")
    data = {**_form(factories.unique_id_number()), "csrf_token": token}
    refused = client.post("/p/NOPE-NOPE-NOPE/here", data=data)
    assert refused.status_code == 404 and "不能在这里申报" in refused.get_data(as_text=True)
    world.unit_a.status = "withdrawn"
    session.add(world.unit_a)
    session.commit()
    page = client.get(f"/p/{SERIAL}/here")
    assert page.status_code == 404 and "不能在这里申报" in page.get_data(as_text=True)
    assert _count(session, TenantDeclaration) == 0


def _post_no_form(client, path: str):  # type: ignore[no-untyped-def]
    return client.post(path, data=_form(factories.unique_id_number()))


def test_the_public_form_needs_its_csrf_token_and_valid_fields(client, session, world, plaque):
    assert _post_no_form(client, f"/p/{SERIAL}/here").status_code == 400
    bad = [
        _form("110105194912310021"),  # wrong check digit
        _form(factories.unique_id_number(), consent=""),
        _form(factories.unique_id_number(), phone="12345"),
        _form(factories.unique_id_number(), on=(TODAY + timedelta(days=60)).isoformat()),
        _form(factories.unique_id_number(), name="x" * 5000),
    ]
    for data in bad:
        answer = _post(client, f"/p/{SERIAL}/here", data)
        assert answer.status_code == 422, data
    assert _count(session, TenantDeclaration) == 0


def test_confirming_someone_who_rents_elsewhere_looks_the_same_to_the_landlord(
    client, session, world, plaque
):
    """The landlord cannot probe the register: the declaration is left to staff, silently."""
    renter = factories.make_person(session, name="次旺")
    factories.make_tenancy(session, world.unit_b, renter)
    fresh = factories.unique_id_number()
    session.commit()
    for number in (renter.id_number, fresh):
        assert _post(client, f"/p/{SERIAL}/here", _form(number)).status_code == 200
    rows = {
        d.id_number: d
        for d in session.exec(select(TenantDeclaration).where(TenantDeclaration.source == "tenant"))
    }
    login(client, world.users["landlord_a"].username)
    flashes = []
    for number in (renter.id_number, fresh):
        path = f"/my/units/{world.unit_a.code}/tenant-declarations/{rows[number].id}"
        answer = _post(client, path, {"decision": "confirm"}, follow_redirects=True)
        assert answer.status_code == 200
        page = answer.get_data(as_text=True)
        flashes.append(re.findall(r'class="flash[^"]*"[^>]*>(.*?)<', page))
    assert flashes[0] == flashes[1] and flashes[0]
    session.expire_all()
    left = session.get(TenantDeclaration, rows[renter.id_number].id)
    assert left.status == "pending" and left.landlord_confirmed_at is not None
    assert session.get(TenantDeclaration, rows[fresh].id).status == "confirmed"
    # The renter still has exactly one open tenancy, in unit B.
    open_rows = session.exec(
        select(Tenancy.unit_id).where(Tenancy.person_id == renter.id, Tenancy.moved_out.is_(None))
    ).all()
    assert open_rows == [world.unit_b.id]
    _logout(client)
    # Staff see it as confirmed by the landlord, with where the person still rents.
    login(client, world.users["manager"].username)
    file = client.get(f"/units/{world.unit_a.code}").get_data(as_text=True)
    assert "房东已确认，待核实" in file and world.unit_b.code in file


def test_moving_out_works_the_same_way(client, session, world, plaque):
    number = world.tenant_a.id_number
    answer = _post(client, f"/p/{SERIAL}/left", _form(number, on=TODAY.isoformat()))
    assert answer.status_code == 200
    declaration = session.exec(
        select(TenantDeclaration).where(TenantDeclaration.kind == "out")
    ).one()
    session.expire_all()
    assert session.get(Tenancy, world.tenancy_a.id).moved_out is None
    login(client, world.users["landlord_a"].username)
    path = f"/my/units/{world.unit_a.code}/tenant-declarations/{declaration.id}"
    assert _post(client, path, {"decision": "confirm"}).status_code == 302
    session.expire_all()
    assert session.get(Tenancy, world.tenancy_a.id).moved_out == TODAY


def test_another_landlord_cannot_answer_and_a_rejection_needs_a_reason(
    client, session, world, plaque
):
    _post(client, f"/p/{SERIAL}/here", _form(factories.unique_id_number()))
    declaration = session.exec(select(TenantDeclaration)).one()
    login(client, world.users["landlord_b"].username)
    path = f"/my/units/{world.unit_a.code}/tenant-declarations/{declaration.id}"
    assert _post(client, "/my", {"decision": "confirm"}).status_code in (404, 405)
    token = csrf_token(client, "/my")
    assert client.post(path, data={"decision": "confirm", "csrf_token": token}).status_code == 404
    _logout(client)
    login(client, world.users["landlord_a"].username)
    refused = _post(client, path, {"decision": "reject", "reason": "  "})
    assert refused.status_code == 303
    session.expire_all()
    assert session.get(TenantDeclaration, declaration.id).status == "pending"
    assert _post(client, path, {"decision": "reject", "reason": "不认识此人"}).status_code == 302
    session.expire_all()
    assert session.get(TenantDeclaration, declaration.id).status == "rejected"
    assert _count(session, Tenancy) == 1


def test_a_door_sticker_for_a_unit_without_a_plaque(client, session, world, plaque):
    login(client, world.users["inspector_a"].username)
    # unit_a has a plaque: no sticker.
    refused = _post(client, f"/units/{world.unit_a.code}/sticker", {})
    assert refused.status_code == 303
    session.delete(plaque)
    session.commit()
    first = _post(client, f"/units/{world.unit_a.code}/sticker", {})
    assert first.status_code == 200 and first.data.startswith(b"%PDF")
    assert first.headers["Cache-Control"] == "no-store"
    again = _post(client, f"/units/{world.unit_a.code}/sticker", {})
    assert again.status_code == 200
    stickers = list(session.exec(select(DoorSticker).order_by(DoorSticker.id)))
    assert len(stickers) == 2 and stickers[0].retired_at is not None
    _logout(client)
    # The new sticker's serial opens the form; the retired one is refused.
    assert client.get(f"/p/{stickers[1].serial}/here").status_code == 200
    assert client.get(f"/p/{stickers[0].serial}/here").status_code == 404
    assert (
        _post(
            client, f"/p/{stickers[1].serial}/here", _form(factories.unique_id_number())
        ).status_code
        == 200
    )


def test_a_tenant_already_living_here_is_confirmed_without_a_second_tenancy(
    client, session, world, plaque
):
    assert _post(client, f"/p/{SERIAL}/here", _form(world.tenant_a.id_number)).status_code == 200
    declaration = session.exec(select(TenantDeclaration)).one()
    login(client, world.users["landlord_a"].username)
    path = f"/my/units/{world.unit_a.code}/tenant-declarations/{declaration.id}"
    assert _post(client, path, {"decision": "confirm"}).status_code == 302
    session.expire_all()
    assert session.get(TenantDeclaration, declaration.id).tenancy_id == world.tenancy_a.id
    # The landlord's confirmation does not unverify a tenancy staff entered.
    assert session.get(Tenancy, world.tenancy_a.id).confirmed is True
    assert _count(session, Tenancy) == 1


def test_the_sticker_reads_back_with_its_unit_and_words(client, session, world, plaque):
    import subprocess

    session.delete(plaque)
    session.commit()
    login(client, world.users["manager"].username)
    pdf = _post(client, f"/units/{world.unit_a.code}/sticker", {}).data
    text = subprocess.run(
        ["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()
    serial = session.exec(select(DoorSticker.serial)).one()
    for words in ("我住在这里", "I live here", world.unit_a.code, serial, "ངས"):
        assert words in text, words
