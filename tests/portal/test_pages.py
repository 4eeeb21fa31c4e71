"""Landlord pages: only their own units, what to fix, reports shown to staff."""

from __future__ import annotations

from sqlmodel import select

from rentals.portal.models import TenantDeclaration
from rentals.register.models import Tenancy
from tests.conftest import csrf_token
from tests.portal.helpers import TWO_STAR, rate


def _rated(app, session, world):  # type: ignore[no-untyped-def]
    with app.app_context():
        rate(session, world.unit_a, failed=TWO_STAR)
        rate(session, world.unit_b)
        session.commit()


def test_landlord_lands_on_my_and_sees_only_their_units(app, session, world, login_as):
    _rated(app, session, world)
    client = login_as("landlord_a")
    assert client.get("/").headers["Location"].endswith("/my")
    html = client.get("/my").get_data(as_text=True)
    assert world.unit_a.code in html and world.unit_b.code not in html
    assert client.get(f"/my/units/{world.unit_b.code}").status_code == 404


def test_unit_page_explains_the_score_and_what_to_fix(app, session, world, login_as):
    _rated(app, session, world)
    html = login_as("landlord_a").get(f"/my/units/{world.unit_a.code}").get_data(as_text=True)
    assert "要升一星，请整改" in html
    fixes = html.split('id="fixes"')[1].split("</div>")[0]
    assert "S2" in fixes and "S3" in fixes and "M1" not in fixes
    assert "身份证" in html  # S2's item text comes from the scorecard version


def test_reported_move_in_shows_on_the_unit_file_until_confirmed(
    app, session, world, login_as, client
):
    _rated(app, session, world)
    login_as("landlord_a")
    path = f"/my/units/{world.unit_a.code}/tenants/in"
    from tests import factories

    response = client.post(
        path,
        data={
            "csrf_token": csrf_token(client, path),
            "name": "央金",
            "id_number": factories.unique_id_number(),
            "phone": "13912345678",
            "moved_in": "2027-02-01",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    bad = client.post(
        path,
        data={
            "csrf_token": csrf_token(client, path),
            "name": "x",
            "id_number": "123",
            "moved_in": "",
        },
    )
    assert bad.status_code == 422
    client.post("/logout", data={"csrf_token": csrf_token(client, "/my")})
    login_as("inspector_a")
    html = client.get(f"/units/{world.unit_a.code}").get_data(as_text=True)
    assert "入住申报（房东申报，待核实）" in html and "央金" in html
    declaration = session.exec(select(TenantDeclaration)).one()
    assert session.exec(select(Tenancy).where(Tenancy.source == "landlord")).first() is None
    token = csrf_token(client, f"/units/{world.unit_a.code}")
    ok = client.post(
        f"/units/{world.unit_a.code}/declarations/{declaration.id}",
        data={"csrf_token": token, "decision": "confirm"},
    )
    assert ok.status_code == 302
    session.refresh(declaration)
    tenancy = session.get(Tenancy, declaration.tenancy_id)
    assert (declaration.status, tenancy.confirmed, tenancy.source) == (
        "confirmed",
        True,
        "landlord",
    )


def test_contest_then_manager_decides_on_the_unit_file(app, session, world, login_as, client):
    _rated(app, session, world)
    login_as("landlord_a")
    path = f"/my/units/{world.unit_a.code}/contest"
    response = client.post(
        path, data={"csrf_token": csrf_token(client, path), "reason": "已经整改完毕了"}
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    client.post("/logout", data={"csrf_token": csrf_token(client, "/my")})
    login_as("manager")
    file_path = f"/units/{world.unit_a.code}"
    html = client.get(file_path).get_data(as_text=True)
    assert 'id="decide-contest"' in html
    done = client.post(
        f"{file_path}/contest/decide",
        data={
            "csrf_token": csrf_token(client, file_path),
            "decision": "rejected",
            "reason": "维持",
        },
    )
    assert done.status_code == 302
    session.refresh(world.unit_a)
    assert world.unit_a.rating_status == "two"


def test_reinspection_button_creates_a_task(app, session, world, login_as, client):
    _rated(app, session, world)
    login_as("landlord_a")
    path = f"/my/units/{world.unit_a.code}"
    response = client.post(path + "/reinspection", data={"csrf_token": csrf_token(client, path)})
    assert response.status_code == 302
    again = client.post(path + "/reinspection", data={"csrf_token": csrf_token(client, path)})
    assert again.status_code == 303
    assert "复查" in client.get(path).get_data(as_text=True)
