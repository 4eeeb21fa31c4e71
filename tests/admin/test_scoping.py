"""Several communities in one installation: a manager and an inspector of community A see
nothing of community B (register, unit file, tasks, prints, exports, administration),
while an admin sees both."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlmodel import select

from rentals.auth.models import Role, User
from rentals.register.models import Area, Community
from tests import factories
from tests.admin.helpers import post
from tests.conftest import csrf_token, login
from tests.printing.helpers import make_task, rate, text

TODAY = date.today()


@pytest.fixture
def other(app, session, world):  # type: ignore[no-untyped-def]
    """Community B: an area named like one of A's (甲区), a rated unit with a task due this
    week, its landlord, inspector and manager."""
    with app.app_context():
        community = factories.make_community(session, "乙社区")
        area = factories.make_area(session, community, "甲区")
        landlord = factories.make_person(session, name="旺堆")
        unit = factories.make_unit(session, area, landlord, code="B-00001")
        rate(session, unit, "three", 3)
        inspector = factories.make_user(session, Role.INSPECTOR, areas=(area,))
        inspector.display_name = "乙社区巡查员"
        session.add(inspector)
        manager = factories.make_user(session, Role.MANAGER, communities=(community,))
        task = make_task(session, unit, TODAY, inspector_id=inspector.id)
        make_task(session, world.unit_a, TODAY, inspector_id=world.users["inspector_a"].id)
        session.commit()
    return {
        "community": community,
        "area": area,
        "unit": unit,
        "landlord": landlord,
        "inspector": inspector,
        "manager": manager,
        "task": task,
    }


@pytest.mark.parametrize("role", ["manager", "inspector_a"])
def test_community_a_sees_nothing_of_community_b(login_as, other, world, role):
    client = login_as(role)
    code = other["unit"].code
    listing = client.get("/units").get_data(as_text=True)
    assert world.unit_a.code in listing and code not in listing
    assert client.get(f"/units/{code}").status_code == 404
    assert client.get(f"/people/{other['landlord'].id}/edit").status_code in (403, 404)
    if role == "inspector_a":
        mine = client.get("/tasks/mine").get_data(as_text=True)
        assert world.unit_a.code in mine and code not in mine
        return
    board = client.get(f"/tasks/board?week={TODAY.isoformat()}").get_data(as_text=True)
    assert world.unit_a.code in board and code not in board
    assert client.get(f"/tasks/{other['task'].id}/reassign").status_code == 404
    workload = client.get("/tasks/workload").get_data(as_text=True)
    assert "乙社区巡查员" not in workload and "甲区" in workload
    export = client.get("/units/export.csv").get_data(as_text=True)
    assert world.unit_a.code in export and code not in export


def test_manager_prints_only_their_communitys_plaques(login_as, session, other, world):
    """Both communities have an area named 甲区: the manager's print takes only their own."""
    rate(session, world.unit_a, "two", 2)
    session.commit()
    client = login_as("manager")
    token = csrf_token(client, "/print")
    response = client.post(
        "/print/plaques",
        data={"csrf_token": token, "p-csrf_token": token, "p-area": "甲区", "p-size": "A5"},
    )
    assert response.mimetype == "application/pdf", response.get_data(as_text=True)[-800:]
    printed = text(response.data)
    assert world.unit_a.code in printed and other["unit"].code not in printed
    # One unit of the other community, by its code: not found, nothing issued.
    response = client.post(
        "/print/plaques",
        data={"csrf_token": token, "p-csrf_token": token, "p-unit": other["unit"].code},
    )
    assert response.status_code == 422
    # A roster of the other community's tasks is not printed either.
    week_end = (TODAY + timedelta(days=7)).isoformat()
    response = client.post(
        "/print/roster",
        data={
            "csrf_token": token,
            "r-csrf_token": token,
            "r-area": "甲区",
            "r-start": TODAY.isoformat(),
            "r-end": week_end,
        },
    )
    assert response.mimetype == "application/pdf"
    roster = text(response.data)
    assert world.unit_a.code in roster and other["unit"].code not in roster


def test_admin_sees_both_communities(login_as, other, world):
    client = login_as("admin")
    listing = client.get("/units").get_data(as_text=True)
    assert world.unit_a.code in listing and other["unit"].code in listing
    page = client.get("/admin/").get_data(as_text=True)
    assert "乙社区" in page


def test_another_communitys_ids_answer_404(login_as, session, other, world):
    client = login_as("manager")
    community = other["community"]
    for path in (
        f"/admin/communities/{community.id}/edit",
        f"/admin/areas/{other['area'].id}/edit",
        f"/admin/users/{other['inspector'].id}/edit",
        f"/admin/users/{other['manager'].id}/edit",
        f"/admin/users/{world.users['admin'].id}/edit",
    ):
        assert client.get(path).status_code == 404, path
    token_page = f"/admin/users/{world.users['inspector_a'].id}/edit"
    for path in (
        f"/admin/users/{other['inspector'].id}/reset",
        f"/admin/users/{other['inspector'].id}/active",
    ):
        assert post(client, path, {"active": "0"}, page=token_page).status_code == 404
    # An area in the other community, posted by hand: refused next to the field.
    response = post(
        client,
        "/admin/areas/new",
        {"community_id": community.id, "name": "偷建区"},
    )
    assert response.status_code == 422
    assert session.exec(select(Area).where(Area.name == "偷建区")).first() is None
    response = post(
        client,
        "/admin/users/new",
        {"username": "sneaky", "role": "inspector", "areas": [str(other["area"].id)]},
    )
    assert response.status_code == 422
    assert session.exec(select(User).where(User.username == "sneaky")).first() is None
    response = post(client, "/admin/landlord-logins", {"community_id": community.id})
    assert response.status_code == 422
    session.expire_all()
    assert session.get(User, other["inspector"].id).is_active
    assert session.get(Community, community.id).name == "乙社区"


def test_users_list_filters_by_community(app, login_as, other, world):
    client = login_as("admin")
    html = client.get(f"/admin/users?community={other['community'].id}").get_data(as_text=True)
    assert other["inspector"].username in html and other["manager"].username in html
    assert world.users["inspector_a"].username not in html
    html = client.get("/admin/users").get_data(as_text=True)
    assert other["inspector"].username in html and world.users["inspector_a"].username in html
    manager = app.test_client()
    assert login(manager, world.users["manager"].username).status_code == 302
    manager_view = manager.get("/admin/users").get_data(as_text=True)
    assert other["inspector"].username not in manager_view


def test_the_admins_register_and_export_filter_by_community(login_as, other, world):
    client = login_as("admin")
    community_b = other["community"].id
    html = client.get("/units").get_data(as_text=True)
    assert f'<option value="{community_b}"' in html and 'optgroup label="乙社区"' in html
    html = client.get(f"/units?community={community_b}").get_data(as_text=True)
    assert other["unit"].code in html and world.unit_a.code not in html
    assert f"export.csv?community={community_b}" in html
    export = client.get(f"/units/export.csv?community={community_b}").get_data(as_text=True)
    assert other["unit"].code in export and world.unit_a.code not in export
    export = client.get("/units/export.csv").get_data(as_text=True)
    assert other["unit"].code in export and world.unit_a.code in export
    board = client.get(f"/tasks/board?week={TODAY.isoformat()}").get_data(as_text=True)
    # Areas of several communities are told apart: grouped under their community's name.
    assert 'optgroup label="乙社区"' in board and f'<option value="{community_b}"' in board


def test_a_manager_asking_for_another_community_gets_nothing(login_as, other, world):
    client = login_as("manager")
    community_b = other["community"].id
    html = client.get(f"/units?community={community_b}").get_data(as_text=True)
    assert other["unit"].code not in html and world.unit_a.code not in html
    export = client.get(f"/units/export.csv?community={community_b}").get_data(as_text=True)
    assert other["unit"].code not in export and world.unit_a.code not in export


def test_the_weekly_plaque_batch_lists_only_the_managers_units(
    app, login_as, other, world, session
):
    from datetime import date

    from rentals.printing.models import ScheduledPrint

    session.add(
        ScheduledPrint(
            key="plaques:2026-11-30",
            kind="plaques",
            week=date(2026, 11, 30),
            prepared=date(2026, 11, 30),
            units=[world.unit_a.code, other["unit"].code],
        )
    )
    session.commit()
    page = login_as("manager").get("/print").get_data(as_text=True)
    batch = page[page.index('id="plaque-batch"') :]
    assert world.unit_a.code in batch and other["unit"].code not in batch


def test_the_audit_trail_shows_a_manager_only_their_communitys_events(app, session, other, world):
    """Community B's unit is changed by its manager; manager A does not read that event,
    but reads the changes made by an inspector of A; an admin reads both."""
    from rentals.audit import record

    with app.app_context():
        record(session, other["manager"], "unit.updated", other["unit"], {"marker": "B-EVENT"})
        record(session, None, "plaque.issued", other["unit"], {"marker": "B-SYSTEM"})
        record(session, None, "person.updated", other["landlord"], {"marker": "B-PERSON"})
        record(session, None, "person.updated", world.landlord_a, {"marker": "A-PERSON"})
        record(
            session,
            world.users["inspector_a"],
            "inspection.recorded",
            world.unit_a,
            {"marker": "A-EVENT"},
        )
        record(
            session, None, "admin.community.updated", other["community"], {"marker": "B-COMMUNITY"}
        )
        session.commit()
    manager = app.test_client()
    assert login(manager, world.users["manager"].username).status_code == 302
    html = manager.get("/audit").get_data(as_text=True)
    assert "A-EVENT" in html and "A-PERSON" in html
    assert "B-EVENT" not in html and "B-SYSTEM" not in html and "B-COMMUNITY" not in html
    assert "B-PERSON" not in html
    admin = app.test_client()
    assert login(admin, world.users["admin"].username).status_code == 302
    html = admin.get("/audit").get_data(as_text=True)
    assert "A-EVENT" in html and "B-EVENT" in html and "B-COMMUNITY" in html


def test_a_ledger_of_community_b_cannot_rewrite_a_unit_of_community_a(app, session, other, world):
    """Unit codes are unique across the installation: B's manager naming A's unit code in
    B's ledger gets a row error, and A's unit keeps its address."""
    import io

    from rentals.register.models import Unit
    from tests.register.ledgers import UNIT_HEADERS, csv_bytes

    before = world.unit_a.address
    client = app.test_client()
    assert login(client, other["manager"].username).status_code == 302
    page = client.get("/units/import").get_data(as_text=True)
    assert 'name="community"' not in page  # B is the manager's only community: no choice
    rows = [UNIT_HEADERS, [world.unit_a.code, "甲区", "被改写路1号", "单间", "1", "", "", "", ""]]
    form = {
        "kind": "units",
        "file": (io.BytesIO(csv_bytes(rows)), "台账.csv"),
        "csrf_token": csrf_token(client, "/units/import"),
        "apply": "y",
    }
    answer = client.post("/units/import", data=form, content_type="multipart/form-data")
    assert answer.status_code == 422
    assert "属于其他社区" in answer.get_data(as_text=True)
    session.expire_all()
    assert session.get(Unit, world.unit_a.id).address == before
