"""Hostile and mistaken input on the administration pages: a clear error next to the
field, in the user's language, and nothing changed; never a 500."""

from __future__ import annotations

import pytest
from sqlmodel import func, select

from rentals.audit.models import AuditEvent
from rentals.auth.models import User, UserCommunity
from rentals.register.models import Area, Community
from tests import factories
from tests.admin.helpers import post
from tests.conftest import login


def _error(html: str, field: str) -> str:
    marker = f'<p class="error" id="{field}-error">'
    assert marker in html, html[-3000:]
    return html.split(marker, 1)[1].split("</p>", 1)[0]


def _count(session, model) -> int:  # type: ignore[no-untyped-def]
    return session.scalar(select(func.count()).select_from(model))


def test_duplicate_and_overlong_community_names_are_refused_next_to_the_field(
    login_as, session, world
):
    client = login_as("admin")
    existing = session.get(Community, world.area_a.community_id)
    before = _count(session, Community)
    response = post(client, "/admin/communities/new", {"name": existing.name})
    assert response.status_code == 422
    assert existing.name in _error(response.get_data(as_text=True), "name")
    response = post(client, "/admin/communities/new", {"name": "社" * 101})
    assert response.status_code == 422
    assert "100" in _error(response.get_data(as_text=True), "name")
    response = post(client, "/admin/communities/new", {"name": "新社区", "name_bo": "ཀ" * 201})
    assert response.status_code == 422
    assert "200" in _error(response.get_data(as_text=True), "name_bo")
    session.expire_all()
    assert _count(session, Community) == before


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "ftp://rentals.example.cn",
        "rentals.example.cn",
        "https://",
        "https://user:pw@rentals.example.cn",
        "https://rentals.example.cn/?next=//evil",
        "http://[::1",
    ],
)
def test_a_malformed_public_address_is_refused(login_as, session, world, url):
    client = login_as("manager")
    community = session.get(Community, world.area_a.community_id)
    response = post(
        client,
        f"/admin/communities/{community.id}/edit",
        {"name": community.name, "public_url": url},
    )
    assert response.status_code == 422
    assert _error(response.get_data(as_text=True), "public_url")
    session.expire_all()
    assert session.get(Community, community.id).public_url == ""


def test_duplicate_area_names_only_within_one_community(app, login_as, session, world):
    client = login_as("admin")
    community_id = world.area_a.community_id
    response = post(client, "/admin/areas/new", {"community_id": community_id, "name": "甲区"})
    assert response.status_code == 422
    assert "甲区" in _error(response.get_data(as_text=True), "name")
    with app.app_context():
        other = factories.make_community(session, "另一社区")
        session.commit()
    response = post(client, "/admin/areas/new", {"community_id": other.id, "name": "甲区"})
    assert response.status_code == 302
    # Renaming B's area onto A's other name in the same community: refused.
    response = post(client, f"/admin/areas/{world.area_b.id}/edit", {"name": " 甲区 "})
    assert response.status_code == 422 and _error(response.get_data(as_text=True), "name")
    session.expire_all()
    assert session.get(Area, world.area_b.id).name == "乙区"


def test_bad_accounts_are_refused_with_the_reason(login_as, session, world):
    client = login_as("admin")
    users = _count(session, User)
    taken = world.users["inspector_a"].username
    cases = [
        ({"username": taken.upper(), "role": "inspector"}, "username"),
        ({"username": "a<script>", "role": "inspector"}, "username"),
        ({"username": "x" * 65, "role": "inspector"}, "username"),
        ({"username": "newbie", "role": "superuser"}, "role"),
        ({"username": "newbie", "role": "inspector", "display_name": "名" * 101}, "display_name"),
        ({"username": "newbie", "role": "inspector", "areas": ["99999999"]}, "areas"),
        ({"username": "newbie", "role": "inspector", "communities": ["x"]}, "communities"),
        # A landlord account is the landlord's mobile number, linked to the person.
        ({"username": "13800000000", "role": "landlord"}, "role"),
    ]
    for data, field in cases:
        response = post(client, "/admin/users/new", data)
        assert response.status_code == 422, data
        assert _error(response.get_data(as_text=True), field), data
    session.expire_all()
    assert _count(session, User) == users


def test_unknown_ids_answer_404(login_as, world):
    client = login_as("admin")
    for path in (
        "/admin/communities/99999999/edit",
        "/admin/areas/99999999/edit",
        "/admin/users/99999999/edit",
        "/admin/communities/x/edit",
    ):
        assert client.get(path).status_code == 404, path


def test_a_manager_cannot_touch_an_admin_or_themselves(app, login_as, session, world):
    client = login_as("manager")
    manager = world.users["manager"]
    assert client.get(f"/admin/users/{manager.id}/edit").status_code == 404
    assert client.get(f"/admin/users/{world.users['admin'].id}/edit").status_code == 404
    admin = app.test_client()
    assert login(admin, world.users["admin"].username).status_code == 302
    response = post(
        admin,
        f"/admin/users/{world.users['admin'].id}/active",
        {"active": "0"},
        page=f"/admin/users/{world.users['admin'].id}/edit",
    )
    assert response.status_code == 302
    session.expire_all()
    assert session.get(User, world.users["admin"].id).is_active
    actions = set(session.exec(select(AuditEvent.action)))
    assert "admin.user.deactivated" not in actions


def test_errors_speak_the_users_language(login_as, session, world):
    client = login_as("admin")
    client.get("/admin/?lang=en")
    existing = session.get(Community, world.area_a.community_id)
    response = post(client, "/admin/communities/new", {"name": existing.name})
    assert "already exists" in _error(response.get_data(as_text=True), "name")
    client.get("/admin/?lang=bo")
    response = post(client, "/admin/communities/new", {"name": existing.name})
    assert "ཡོད་ཟིན" in _error(response.get_data(as_text=True), "name")


def test_an_inspector_a_manager_creates_stays_within_their_reach(app, login_as, session, world):
    """No community and no area chosen: the manager's only community is taken; with two
    communities the form asks for one."""
    client = login_as("manager")
    response = post(client, "/admin/users/new", {"username": "lonely", "role": "inspector"})
    assert response.status_code == 200
    html = client.get("/admin/users").get_data(as_text=True)
    assert "lonely" in html
    with app.app_context():
        second = factories.make_community(session, "第二社区")
        session.add(UserCommunity(user_id=world.users["manager"].id, community_id=second.id))
        session.commit()
    response = post(client, "/admin/users/new", {"username": "lonelier", "role": "inspector"})
    assert response.status_code == 422
    assert _error(response.get_data(as_text=True), "communities")
