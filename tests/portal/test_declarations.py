"""Issue 14.4: declaring a tenant never reveals or attaches a person.

A landlord declaring an unknown number, the number of a person in the register, or of someone
renting elsewhere gets the same answer and the same page, apart from what they typed; nothing
is attached until staff confirm; an unconfirmed declaration opens no one's file.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
from sqlmodel import func, select

from rentals.audit.models import AuditEvent
from rentals.errors import Conflict, InvalidInput, NotAllowed
from rentals.portal import declarations, services
from rentals.portal.models import TenantDeclaration
from rentals.register.models import Person, Tenancy
from tests import factories
from tests.conftest import csrf_token

NOW = datetime(2027, 2, 3, 9, 0, tzinfo=UTC)


def _masked(number: str) -> str:
    """The product's mask, written out by hand: first 6, 8 stars, last 4."""
    return number[:6] + "********" + number[-4:]


def _declare(session, world, number: str, unit=None):  # type: ignore[no-untyped-def]
    change = services.MoveIn("央金", number, "+8613900000001", date(2027, 2, 1))
    return services.report_tenant_change(
        session, actor=world.users["landlord_a"], unit=unit or world.unit_a, change=change, now=NOW
    )


def _count(session, model) -> int:  # type: ignore[no-untyped-def]
    return session.exec(select(func.count()).select_from(model)).one()


@pytest.fixture
def people(session, world):  # type: ignore[no-untyped-def]
    """Numbers for the three cases: unknown, in the register, renting elsewhere (area B)."""
    known = factories.make_person(session, name="平措")
    renter = factories.make_person(session, name="次旺")
    factories.make_tenancy(session, world.unit_b, renter)
    session.commit()
    return {"unknown": factories.unique_id_number(), "known": known, "renter": renter}


# -- the landlord learns nothing -----------------------------------------------------------

_TOKEN = re.compile(r'value="[A-Za-z0-9._-]{30,}"')


def _normalised(html: str, *, unit, number: str) -> str:  # type: ignore[no-untyped-def]
    """The page with CSRF tokens, the unit's code and address, and the typed number blanked."""
    html = _TOKEN.sub('value="TOKEN"', html)
    html = html.replace(unit.code, "UNIT").replace(unit.address, "ADDRESS")
    return html.replace(_masked(number), "NUMBER")


def test_the_answer_and_page_are_the_same_whoever_the_number_belongs_to(
    app, session, world, people, login_as, client
):
    numbers = {
        "unknown": people["unknown"],
        "known": people["known"].id_number,
        "renter": people["renter"].id_number,
    }
    # One fresh unit of the same landlord per case, so each page holds one declaration.
    units = {case: factories.make_unit(session, world.area_a, world.landlord_a) for case in numbers}
    session.commit()
    login_as("landlord_a")
    answers, pages = {}, {}
    for case, number in numbers.items():
        code = units[case].code
        path = f"/my/units/{code}/tenants/in"
        response = client.post(
            path,
            data={
                "csrf_token": csrf_token(client, path),
                "name": "央金",
                "id_number": number,
                "phone": "13900000001",
                "moved_in": "2027-02-01",
            },
        )
        answers[case] = (
            response.status_code,
            response.headers.get("Location", "").replace(code, "UNIT"),
            _normalised(response.get_data(as_text=True), unit=units[case], number=number),
        )
        page = client.get(f"/my/units/{code}").get_data(as_text=True)
        pages[case] = _normalised(page, unit=units[case], number=number)
        assert "央金" in page and _masked(number) in page
        assert "平措" not in page and "次旺" not in page and "住在别处" not in page
        assert world.unit_b.code not in page
    assert answers["unknown"][0] == 302
    assert answers["unknown"] == answers["known"] == answers["renter"]
    assert pages["unknown"] == pages["known"] == pages["renter"]


def test_declaring_attaches_and_creates_nobody(session, world, people):
    before = (_count(session, Person), _count(session, Tenancy))
    for number in (people["unknown"], people["known"].id_number, people["renter"].id_number):
        declaration = _declare(session, world, number)
        assert isinstance(declaration, TenantDeclaration)
        assert (declaration.status, declaration.tenancy_id) == ("pending", None)
    assert (_count(session, Person), _count(session, Tenancy)) == before


def test_the_audit_keeps_the_number_masked(session, world, people):
    number = people["known"].id_number
    _declare(session, world, number)
    data = session.exec(
        select(AuditEvent.data).where(AuditEvent.action == "portal.tenant.declared")
    ).one()
    assert data["id_number"] == _masked(number)
    assert number not in str(data)


def test_the_same_number_twice_on_one_unit_is_refused_for_any_number(session, world, people):
    for number in (people["unknown"], people["known"].id_number):
        _declare(session, world, number)
        with pytest.raises(Conflict) as caught:
            _declare(session, world, number)
        assert "等待核实" in str(caught.value.message)


def test_another_landlord_cannot_declare_on_my_unit(session, world):
    change = services.MoveIn("央金", factories.unique_id_number(), None, date(2027, 2, 1))
    with pytest.raises(NotAllowed):
        services.report_tenant_change(
            session, actor=world.users["landlord_b"], unit=world.unit_a, change=change, now=NOW
        )


# -- staff decide --------------------------------------------------------------------------


def test_confirming_an_unknown_number_creates_the_person_as_declared(session, world, people):
    declaration = _declare(session, world, people["unknown"])
    tenancy = declarations.confirm_declaration(
        session, actor=world.users["inspector_a"], declaration=declaration, now=NOW
    )
    person = session.get(Person, tenancy.person_id)
    assert (person.name, person.id_number) == ("央金", people["unknown"])
    assert (tenancy.unit_id, tenancy.confirmed, tenancy.moved_in) == (
        world.unit_a.id,
        True,
        date(2027, 2, 1),
    )
    assert declaration.status == "confirmed" and declaration.tenancy_id == tenancy.id


def test_confirming_a_known_number_attaches_the_existing_person(session, world, people):
    known = people["known"]
    declaration = _declare(session, world, known.id_number)
    before = _count(session, Person)
    tenancy = declarations.confirm_declaration(
        session, actor=world.users["manager"], declaration=declaration, now=NOW
    )
    assert tenancy.person_id == known.id
    assert _count(session, Person) == before
    assert session.get(Person, known.id).name == "平措"  # the register's name is kept


def test_someone_renting_elsewhere_is_staffs_decision(session, world, people):
    renter = people["renter"]
    declaration = _declare(session, world, renter.id_number)
    match = declarations.matches_for(session, [declaration])[declaration.id]
    assert (match.person.id, match.renting_in) == (renter.id, world.unit_b.code)
    with pytest.raises(Conflict) as caught:
        declarations.confirm_declaration(
            session, actor=world.users["manager"], declaration=declaration, now=NOW
        )
    assert world.unit_b.code in str(caught.value.message)  # staff see where
    assert declaration.status == "pending"
    # Staff end the other tenancy, then confirm.
    other = session.exec(select(Tenancy).where(Tenancy.person_id == renter.id)).one()
    from rentals.register import services as register

    register.end_tenancy(
        session, actor=world.users["manager"], tenancy=other, moved_out=date(2027, 1, 31)
    )
    tenancy = declarations.confirm_declaration(
        session, actor=world.users["manager"], declaration=declaration, now=NOW
    )
    assert tenancy.person_id == renter.id


def test_rejecting_needs_and_records_a_reason_shown_to_the_landlord(
    app, session, world, people, login_as, client
):
    declaration = _declare(session, world, people["unknown"])
    with pytest.raises(InvalidInput):
        declarations.reject_declaration(
            session, actor=world.users["inspector_a"], declaration=declaration, reason=" ", now=NOW
        )
    declarations.reject_declaration(
        session,
        actor=world.users["inspector_a"],
        declaration=declaration,
        reason="入户核查无此人",
        now=NOW,
    )
    assert (declaration.status, declaration.decision_reason) == ("rejected", "入户核查无此人")
    with pytest.raises(Conflict):
        declarations.confirm_declaration(
            session, actor=world.users["inspector_a"], declaration=declaration, now=NOW
        )
    actions = set(session.exec(select(AuditEvent.action)))
    assert "portal.tenant.declaration_rejected" in actions
    session.commit()
    page = login_as("landlord_a").get(f"/my/units/{world.unit_a.code}").get_data(as_text=True)
    assert "未通过核实" in page and "入户核查无此人" in page


def test_landlords_cannot_decide(session, world, people):
    declaration = _declare(session, world, people["unknown"])
    with pytest.raises(NotAllowed):
        declarations.confirm_declaration(
            session, actor=world.users["landlord_a"], declaration=declaration, now=NOW
        )


def test_staff_see_the_match_on_the_unit_file_and_decide_there(
    app, session, world, people, login_as, client
):
    declaration = _declare(session, world, people["renter"].id_number)
    session.commit()
    login_as("inspector_a")
    file_path = f"/units/{world.unit_a.code}"
    html = client.get(file_path).get_data(as_text=True)
    panel = html.split('id="declarations"')[1].split("</ul>")[0]
    assert "央金" in panel and _masked(people["renter"].id_number) in panel
    assert "次旺" in panel and world.unit_b.code in panel
    refused = client.post(
        f"{file_path}/declarations/{declaration.id}",
        data={"csrf_token": csrf_token(client, file_path), "decision": "confirm"},
    )
    assert refused.status_code == 303
    session.refresh(declaration)
    assert declaration.status == "pending"
    rejected = client.post(
        f"{file_path}/declarations/{declaration.id}",
        data={
            "csrf_token": csrf_token(client, file_path),
            "decision": "reject",
            "reason": "此人仍在乙区居住",
        },
    )
    assert rejected.status_code == 302
    session.refresh(declaration)
    assert declaration.status == "rejected"


def test_an_inspector_of_another_area_cannot_decide(app, session, world, people, login_as, client):
    declaration = _declare(session, world, people["unknown"])
    session.commit()
    login_as("inspector_b")
    path = f"/units/{world.unit_a.code}/declarations/{declaration.id}"
    token = csrf_token(client, f"/units/{world.unit_b.code}")
    assert client.post(path, data={"csrf_token": token, "decision": "confirm"}).status_code == 404
    session.refresh(declaration)
    assert declaration.status == "pending"


# -- no access through a declaration -------------------------------------------------------


def test_a_declaration_opens_no_file_in_another_area(app, session, world, people, login_as, client):
    renter = people["renter"]  # rents in area B
    _declare(session, world, renter.id_number)  # declared on unit A
    session.commit()
    login_as("inspector_a")
    token = csrf_token(client, f"/units/{world.unit_a.code}")
    assert client.post(f"/people/{renter.id}/reveal", data={"csrf_token": token}).status_code == 404
    assert renter.id_number not in client.get(f"/units/{world.unit_a.code}").get_data(as_text=True)


def test_an_old_unconfirmed_link_opens_no_file_either(
    app, session, world, people, login_as, client
):
    """A landlord's link from before the fix, left closed and unconfirmed, grants nothing."""
    known = people["known"]
    session.add(
        Tenancy(
            unit_id=world.unit_a.id,
            person_id=known.id,
            moved_in=date(2026, 1, 1),
            moved_out=date(2026, 6, 1),
            registered=False,
            source="landlord",
            confirmed=False,
        )
    )
    session.commit()
    login_as("inspector_a")
    token = csrf_token(client, f"/units/{world.unit_a.code}")
    assert client.post(f"/people/{known.id}/reveal", data={"csrf_token": token}).status_code == 404
