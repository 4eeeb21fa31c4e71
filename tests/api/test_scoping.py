"""The token's account sees through the API exactly what it sees on the pages: a landlord
their units, an inspector the areas served, a manager their communities; anything else
is a 404. Reads of people are audited; lists page by cursor without gaps or repeats."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from rentals import clock
from rentals.audit.models import AuditEvent
from rentals.auth.models import Role
from rentals.tasks.services import create_follow_up
from tests import factories

#: Who sees which of world's two units (hand-written from the scope rules in SECURITY.md).
SEES = {
    "admin": {"a", "b"},
    "manager": {"a", "b"},
    "inspector_a": {"a"},
    "inspector_b": {"b"},
    "landlord_a": {"a"},
    "landlord_b": {"b"},
}


@pytest.fixture
def elsewhere(app, session, world):  # type: ignore[no-untyped-def]
    """Another community with its own unit and manager (whose token is made here)."""
    from rentals.api.tokens import create_token

    with app.app_context():
        other = factories.make_community(session, "别的社区")
        area = factories.make_area(session, other, "丙区")
        unit = factories.make_unit(session, area, factories.make_person(session, name="洛桑"))
        boss = factories.make_user(session, Role.MANAGER, communities=(other,))
        _row, plain = create_token(
            session, actor=None, user=boss, name="t", days=3, now=clock.now()
        )
        session.commit()
    return unit, plain


@pytest.mark.parametrize("role", sorted(SEES))
def test_each_role_lists_and_opens_exactly_its_units(api, world, elsewhere, role):
    codes = {"a": world.unit_a.code, "b": world.unit_b.code}
    listed = {u["code"] for u in api.get("/units?limit=200", role).get_json()["items"]}
    expected = {codes[k] for k in SEES[role]}
    if role == "admin":
        expected.add(elsewhere[0].code)
    assert listed == expected
    for key, code in codes.items():
        status = api.get(f"/units/{code}", role).status_code
        assert status == (200 if key in SEES[role] else 404), (role, code)
        for part in ("inspections", "tasks", "orders"):
            assert api.get(f"/units/{code}/{part}", role).status_code == status
    other = api.get(f"/units/{elsewhere[0].code}", role).status_code
    assert other == (200 if role == "admin" else 404)


def test_another_communitys_manager_sees_none_of_this_one(api, world, elsewhere):
    unit, token = elsewhere
    mine = api.client.get("/api/v1/units", headers={"Authorization": f"Bearer {token}"})
    assert [u["code"] for u in mine.get_json()["items"]] == [unit.code]
    theirs = api.client.get(
        f"/api/v1/units/{world.unit_a.code}", headers={"Authorization": f"Bearer {token}"}
    )
    assert theirs.status_code == 404


def test_the_unit_file_masks_people_and_its_read_is_audited(api, session, world):
    answer = api.get(f"/units/{world.unit_a.code}", "inspector_a")
    body = answer.get_json()
    assert body["landlord"]["name"] == "扎西"
    number = world.landlord_a.id_number
    assert number not in answer.get_data(as_text=True)
    assert body["landlord"]["id_number_masked"] == number[:6] + "********" + number[-4:]
    assert [t["person"]["name"] for t in body["tenants"]] == ["卓玛"]
    assert world.tenant_a.phone[3:] not in answer.get_data(as_text=True)
    event = session.exec(
        select(AuditEvent).where(AuditEvent.action == "personal.api.unit_read")
    ).one()
    assert event.actor_id == world.users["inspector_a"].id
    assert event.subject_id == str(world.unit_a.id)
    assert sorted(event.data["people"]) == sorted([world.landlord_a.id, world.tenant_a.id])
    # A refused read leaves no event.
    api.get(f"/units/{world.unit_a.code}", "inspector_b")
    assert (
        len(
            session.exec(
                select(AuditEvent).where(AuditEvent.action == "personal.api.unit_read")
            ).all()
        )
        == 1
    )


def test_cursor_pages_cover_every_unit_once_in_code_order(app, api, session, world):
    with app.app_context():
        for n in range(7):
            factories.make_unit(session, world.area_a, code=f"ZZ-{n:02d}")
        session.commit()
    seen, cursor, pages = [], "", 0
    while True:
        body = api.get(f"/units?q=ZZ&limit=3&cursor={cursor}", "manager").get_json()
        seen += [u["code"] for u in body["items"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == [f"ZZ-{n:02d}" for n in range(7)]
    assert pages == 3


@pytest.mark.parametrize("cursor", ["%%%", "!!", "\uffff", "x" * 64])
def test_any_cursor_is_a_position_and_too_long_a_one_is_refused(api, world, cursor):
    answer = api.get("/units", "manager", query_string={"cursor": cursor})
    assert answer.status_code == 200
    codes = [u["code"] for u in answer.get_json()["items"]]
    assert codes == sorted(c for c in (world.unit_a.code, world.unit_b.code) if c > cursor)
    too_long = api.get("/units", "manager", query_string={"cursor": "x" * 65})
    assert too_long.status_code == 422


def test_filters_are_the_registers(app, api, session, world):
    with app.app_context():
        factories.make_unit(session, world.area_b, code="VAC-1", status="vacant")
        session.commit()
    by_area = api.get(f"/units?area_id={world.area_b.id}", "manager").get_json()["items"]
    assert {u["code"] for u in by_area} == {world.unit_b.code, "VAC-1"}
    vacant = api.get("/units?status=vacant", "manager").get_json()["items"]
    assert [u["code"] for u in vacant] == ["VAC-1"]
    # The register's search: a landlord's mobile finds their unit; an inspector of the
    # other area finds nothing with it.
    phone = world.landlord_a.phone[3:]
    assert [u["code"] for u in api.get(f"/units?q={phone}", "manager").get_json()["items"]] == [
        world.unit_a.code
    ]
    assert api.get(f"/units?q={phone}", "inspector_b").get_json()["items"] == []


def test_tasks_are_listed_only_in_the_areas_served(app, api, session, world):
    due = clock.today() + timedelta(days=2)
    with app.app_context():
        create_follow_up(session, unit=world.unit_a, order_id=990001, due=due)
        create_follow_up(session, unit=world.unit_b, order_id=990002, due=due)
        session.commit()
    window = f"/tasks?start={due.isoformat()}&end={due.isoformat()}"
    codes = {
        role: sorted(t["unit_code"] for t in api.get(window, role).get_json()["items"])
        for role in ("manager", "inspector_a", "inspector_b")
    }
    assert codes == {
        "manager": sorted([world.unit_a.code, world.unit_b.code]),
        "inspector_a": [world.unit_a.code],
        "inspector_b": [world.unit_b.code],
    }
    assert api.get(window, "landlord_a").status_code == 403
    backwards = api.get("/tasks?start=2027-01-02&end=2027-01-01", "manager")
    assert backwards.status_code == 200 and backwards.get_json()["items"] == []
    too_early = api.get("/tasks?start=1800-01-01&end=1800-01-02", "manager")
    assert too_early.status_code == 422 and too_early.get_json()["error"]["field"] == "start"


def test_the_dashboard_figures_are_the_pages_in_the_tokens_scope(api, world):
    month = clock.today().strftime("%Y-%m")
    manager = api.get(f"/dashboard?month={month}", "manager").get_json()
    inspector = api.get("/dashboard", "inspector_a").get_json()
    assert manager["month"] == inspector["month"] == month
    assert manager["split"]["not_yet_rated"] == 2
    assert inspector["split"]["not_yet_rated"] == 1
    assert api.get("/dashboard", "landlord_a").status_code == 403
    assert api.get("/dashboard?month=2026-13", "manager").status_code == 422
