"""An admin sets up a second community from the pages alone: the community, its areas,
two inspectors, the landlords' units and their logins; then a manager does the same for
their own community and nothing more."""

from __future__ import annotations

import re

from sqlmodel import select

from rentals.audit.models import AuditEvent
from rentals.auth.models import User, UserArea, UserCommunity
from rentals.register.models import Area, Community
from tests import factories
from tests.admin.helpers import one_time_password, options, post
from tests.conftest import login
from tests.printing.helpers import text


def _community(session, name):  # type: ignore[no-untyped-def]
    session.expire_all()
    return session.exec(select(Community).where(Community.name == name)).one()


def test_admin_sets_up_a_second_community_from_the_pages(app, login_as, session, world):
    client = login_as("admin")
    # The community, with its public address for plaque QR codes.
    response = post(
        client,
        "/admin/communities/new",
        {
            "name": "八廓社区",
            "name_bo": "བར་སྐོར་སྡོད་ཁུལ།",
            "issuer": "城关区八廓社区居委会",
            "police_station": "八廓派出所",
            "public_url": "https://rentals.example.cn/",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[-1500:]
    barkhor = _community(session, "八廓社区")
    assert (barkhor.name_bo, barkhor.police_station, barkhor.public_url) == (
        "བར་སྐོར་སྡོད་ཁུལ།",
        "八廓派出所",
        "https://rentals.example.cn",
    )
    # Two areas.
    for name, name_bo in (("东区", "ཤར་ཕྱོགས།"), ("西区", "ནུབ་ཕྱོགས།")):
        response = post(
            client,
            "/admin/areas/new",
            {"community_id": barkhor.id, "name": name, "name_bo": name_bo},
            page=f"/admin/areas/new?community={barkhor.id}",
        )
        assert response.status_code == 302, response.get_data(as_text=True)[-1500:]
    areas = {a.name: a for a in session.exec(select(Area).where(Area.community_id == barkhor.id))}
    assert set(areas) == {"东区", "西区"} and areas["东区"].name_bo == "ཤར་ཕྱོགས།"
    # Two inspectors, one per area; each gets a one-time password shown once.
    form_html = client.get("/admin/users/new").get_data(as_text=True)
    area_values = options(form_html, "areas")
    passwords = {}
    for login_name, area in (("dawa", "东区"), ("pasang", "西区")):
        response = post(
            client,
            "/admin/users/new",
            {
                "username": login_name,
                "display_name": f"{area}巡查员",
                "role": "inspector",
                "communities": [str(barkhor.id)],
                "areas": [area_values[f"八廓社区 · {area}"]],
            },
        )
        assert response.status_code == 200, response.get_data(as_text=True)[-1500:]
        assert response.headers["Cache-Control"] == "no-store"
        passwords[login_name] = one_time_password(response.get_data(as_text=True))
    dawa = session.exec(select(User).where(User.username == "dawa")).one()
    assert dawa.must_change_password and dawa.role == "inspector"
    assert session.exec(select(UserArea.area_id).where(UserArea.user_id == dawa.id)).all() == [
        areas["东区"].id
    ]
    # The communities page lists the areas with who serves them.
    page = client.get("/admin/").get_data(as_text=True)
    assert "东区巡查员" in page and "西区巡查员" in page and "八廓派出所" in page
    # The landlords and their units, through the register pages.
    landlords = {"尼玛": "13900001111", "拉巴": "13900002222", "央金": ""}
    for name, phone in landlords.items():
        id_number = factories.unique_id_number()
        response = post(
            client,
            "/people/new",
            {"name": name, "id_number": id_number, "phone": phone, "address": "八廓街"},
        )
        assert response.status_code == 302, response.get_data(as_text=True)[-1500:]
        response = post(
            client,
            "/units/new",
            {
                "code": f"BK-{phone[-4:] or '0000'}",
                "area_id": areas["东区"].id,
                "address": f"八廓街{len(name)}号",
                "unit_type": "room",
                "rooms": "2",
                "status": "active",
                "landlord_id_number": id_number,
            },
        )
        assert response.status_code == 302, response.get_data(as_text=True)[-1500:]
    # Landlord logins: a sheet for the two with a mobile number.
    response = post(client, "/admin/landlord-logins", {"community_id": barkhor.id})
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    sheet = text(response.data)
    assert "尼玛" in sheet and "13900001111" in sheet
    assert "拉巴" in sheet and "13900002222" in sheet
    assert "央金" not in sheet  # no mobile number
    assert "首次登录时请修改密码" in sheet
    landlord = session.exec(select(User).where(User.username == "13900001111")).one()
    assert landlord.role == "landlord" and landlord.must_change_password
    # The password on the sheet signs the landlord in (first to the password change).
    match = re.search(r"13900001111\s+(\S+)", sheet)
    assert match
    fresh = app.test_client()
    answer = login(fresh, "13900001111", match.group(1))
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/password")
    # And an inspector signs in with the password the page showed once.
    assert login(app.test_client(), "dawa", passwords["dawa"]).status_code == 302
    # Every change is in the audit trail under admin.*.
    actions = set(session.exec(select(AuditEvent.action)))
    assert {
        "admin.community.created",
        "admin.area.created",
        "admin.user.created",
        "admin.landlord_logins.issued",
    } <= actions


def test_manager_sets_up_areas_and_inspectors_of_their_own_community(login_as, session, world):
    client = login_as("manager")
    community_id = world.area_a.community_id
    # A manager cannot create communities, nor offer manager or admin roles.
    assert client.get("/admin/communities/new").status_code == 403
    html = client.get("/admin/users/new").get_data(as_text=True)
    assert set(options(html, "role").values()) == {"inspector"}
    response = post(
        client,
        "/admin/areas/new",
        {"community_id": community_id, "name": "丙区"},
        page=f"/admin/areas/new?community={community_id}",
    )
    assert response.status_code == 302
    area = session.exec(select(Area).where(Area.name == "丙区")).one()
    html = client.get("/admin/users/new").get_data(as_text=True)
    response = post(
        client,
        "/admin/users/new",
        {
            "username": "Tsering",
            "role": "inspector",
            "communities": [str(community_id)],
            "areas": [options(html, "areas")[f"{_name(session, area)} · 丙区"]],
        },
    )
    assert response.status_code == 200
    user = session.exec(select(User).where(User.username == "tsering")).one()
    assert session.exec(
        select(UserCommunity.community_id).where(UserCommunity.user_id == user.id)
    ).all() == [community_id]
    # The area page sets who serves the area: both inspectors of the community.
    html = client.get(f"/admin/areas/{area.id}/edit").get_data(as_text=True)
    choices = options(html, "inspectors")
    chosen = [
        v for k, v in choices.items() if "tsering" in k or world.users["inspector_a"].username in k
    ]
    assert len(chosen) == 2
    response = post(
        client,
        f"/admin/areas/{area.id}/edit",
        {"name": "丙区", "name_bo": "", "inspectors": chosen},
    )
    assert response.status_code == 302
    served = set(session.exec(select(UserArea.user_id).where(UserArea.area_id == area.id)))
    assert served == {user.id, world.users["inspector_a"].id}
    # A manager may not promote an inspector: the role is not among the choices.
    response = post(
        client,
        f"/admin/users/{user.id}/edit",
        {"display_name": "x", "role": "manager", "communities": [str(community_id)]},
    )
    assert response.status_code == 422
    session.expire_all()
    assert session.get(User, user.id).role == "inspector"


def _name(session, area):  # type: ignore[no-untyped-def]
    return session.get(Community, area.community_id).name


def test_reset_and_deactivate_end_the_users_sessions(app, login_as, session, world):
    inspector = world.users["inspector_a"]
    other = app.test_client()
    assert login(other, inspector.username).status_code == 302
    assert other.get("/tasks/mine").status_code == 200
    client = login_as("manager")
    response = post(
        client, f"/admin/users/{inspector.id}/reset", {}, page=f"/admin/users/{inspector.id}/edit"
    )
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    password = one_time_password(response.get_data(as_text=True))
    # The old session is over; the old password no longer works; the new one does.
    assert other.get("/tasks/mine").status_code == 302
    assert login(app.test_client(), inspector.username).status_code != 302
    assert login(app.test_client(), inspector.username, password).status_code == 302
    session.expire_all()
    assert session.get(User, inspector.id).must_change_password
    # Deactivation ends the session too and refuses the next sign-in.
    again = app.test_client()
    assert login(again, inspector.username, password).status_code == 302
    response = post(
        client,
        f"/admin/users/{inspector.id}/active",
        {"active": "0"},
        page=f"/admin/users/{inspector.id}/edit",
    )
    assert response.status_code == 302
    assert again.get("/tasks/mine").status_code == 302
    assert login(app.test_client(), inspector.username, password).status_code == 401
    actions = list(
        session.exec(
            select(AuditEvent.action).where(
                AuditEvent.subject_type == "user", AuditEvent.subject_id == str(inspector.id)
            )
        )
    )
    assert "admin.user.password_reset" in actions and "admin.user.deactivated" in actions
    ended = session.exec(
        select(AuditEvent.actor_id).where(
            AuditEvent.action == "auth.sessions_ended",
            AuditEvent.subject_id == str(inspector.id),
        )
    ).all()
    assert ended == [world.users["manager"].id] * 2


def test_pages_reflow_on_a_phone(login_as, world):
    """Lists are stacked tables (each cell labelled) and every form field has its label."""
    client = login_as("admin")
    html = client.get("/admin/users").get_data(as_text=True)
    assert 'class="list stack"' in html and 'data-label="登录名"' in html
    html = client.get("/admin/").get_data(as_text=True)
    assert 'class="list stack"' in html and 'data-label="区域"' in html
    html = client.get("/admin/users/new").get_data(as_text=True)
    assert '<meta name="viewport"' in html
    assert '<label for="username">登录名</label>' in html


def test_lists_cost_the_same_queries_for_few_or_many_rows(app, login_as, session, world):
    from tests.register.test_register_pages import count_queries

    client = login_as("admin")
    engine = app.extensions["rentals.db"][0]

    def cost(path: str) -> int:
        with count_queries(engine) as statements:
            assert client.get(path).status_code == 200
        return len(statements)

    few = (cost("/admin/"), cost("/admin/users"), cost("/admin/landlord-logins"))
    with app.app_context():
        for n in range(6):
            community = factories.make_community(session, f"多社区{n}")
            area = factories.make_area(session, community, "一区")
            factories.make_user(session, "inspector", areas=(area,), communities=(community,))
            factories.make_unit(session, area, factories.make_person(session, name=f"房东{n}"))
        session.commit()
    assert (cost("/admin/"), cost("/admin/users"), cost("/admin/landlord-logins")) == few
