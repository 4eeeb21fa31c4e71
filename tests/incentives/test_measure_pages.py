"""The manager works through proposed measures on a page; the unit file and the landlord's
portal show them; hostile ids and values answer 4xx and change nothing."""

from __future__ import annotations

from sqlmodel import select

from rentals.incentives.models import Measure, MeasureEvent
from tests.conftest import csrf_token
from tests.portal.helpers import ONE_STAR, rate

LIST = "/incentives/measures"


def _rated(app, session, world):  # type: ignore[no-untyped-def]
    with app.app_context():
        rate(session, world.unit_a, failed=ONE_STAR)
        session.commit()
        return {
            m.code: m.id
            for m in session.exec(select(Measure).where(Measure.unit_id == world.unit_a.id))
        }


def _state(session, measure_id):  # type: ignore[no-untyped-def]
    session.expire_all()
    measure = session.get(Measure, measure_id)
    events = session.exec(select(MeasureEvent.kind).where(MeasureEvent.measure_id == measure_id))
    return measure.status, list(events)


def test_a_manager_confirms_and_records_from_the_list(app, session, world, login_as, client):
    ids = _rated(app, session, world)
    login_as("manager")
    html = client.get(LIST).get_data(as_text=True)
    assert world.unit_a.code in html and "减少停车位分配" in html
    assert 'id="measure-total">共 3 项' in html
    token = csrf_token(client, LIST)
    done = client.post(f"{LIST}/{ids['P2']}/confirm", data={"csrf_token": token})
    assert done.status_code == 302 and done.headers["Location"].endswith(LIST)
    waiting = client.get(LIST + "?state=confirmed").get_data(as_text=True)
    assert 'name="parking_from"' in waiting
    recorded = client.post(
        f"{LIST}/{ids['P2']}/record",
        data={"csrf_token": token, "parking_from": "4", "parking_to": "2", "back": "file"},
    )
    assert recorded.status_code == 302
    assert recorded.headers["Location"].endswith(f"/units/{world.unit_a.code}#incentives")
    assert _state(session, ids["P2"]) == ("done", ["proposed", "confirmed", "recorded"])
    page = client.get(f"/units/{world.unit_a.code}").get_data(as_text=True)
    section = page[page.index('id="incentives"') :]
    assert "车位 4 → 2" in section and "已落实" in section


def test_hostile_input_answers_4xx_and_changes_nothing(app, session, world, login_as, client):
    ids = _rated(app, session, world)
    login_as("manager")
    token = csrf_token(client, LIST)
    assert client.post(f"{LIST}/999999/confirm", data={"csrf_token": token}).status_code == 404
    assert client.post(f"{LIST}/{ids['P2']}/confirm", data={}).status_code == 400
    client.post(f"{LIST}/{ids['P2']}/confirm", data={"csrf_token": token})
    for data in (
        {"parking_from": "abc", "parking_to": "2"},
        {"parking_from": "2", "parking_to": "2"},
        {"parking_from": "4", "parking_to": "2", "note": "长" * 5000},
        {"parking_from": "4", "parking_to": "2", "back": "https://evil.example"},
    ):
        answer = client.post(f"{LIST}/{ids['P2']}/record", data={"csrf_token": token, **data})
        assert answer.status_code == 303, data
        assert answer.headers["Location"].endswith(LIST)
        assert _state(session, ids["P2"]) == ("confirmed", ["proposed", "confirmed"])
    refused = client.post(f"{LIST}/{ids['P3']}/decline", data={"csrf_token": token, "reason": ""})
    assert refused.status_code == 303 and _state(session, ids["P3"])[0] == "proposed"


def test_an_inspector_and_a_landlord_cannot_act(app, session, world, login_as, client):
    ids = _rated(app, session, world)
    login_as("inspector_a")
    token = csrf_token(client, f"/units/{world.unit_a.code}")
    assert client.post(f"{LIST}/{ids['P2']}/confirm", data={"csrf_token": token}).status_code == 403
    assert _state(session, ids["P2"])[0] == "proposed"


def test_the_landlord_sees_decided_measures_in_the_portal(app, session, world, login_as, client):
    ids = _rated(app, session, world)
    login_as("manager")
    token = csrf_token(client, LIST)
    client.post(f"{LIST}/{ids['P3']}/confirm", data={"csrf_token": token})
    client.post("/logout", data={"csrf_token": token})
    login_as("landlord_a")
    html = client.get(f"/my/units/{world.unit_a.code}").get_data(as_text=True)
    section = html[html.index('id="incentives"') : html.index('id="plaque"')]
    assert "失去“双联户”评选资格" in section and "已落实" in section
    assert "减少停车位分配" not in section  # still only proposed
    mine = client.get("/my").get_data(as_text=True)
    shown = mine[mine.index(f'id="measures-{world.unit_a.code}"') :]
    assert shown.split("</dd>")[0].endswith("失去“双联户”评选资格")


def test_a_notice_from_the_unit_file_completes_the_blacklist_measure(
    app, session, world, login_as, client
):
    ids = _rated(app, session, world)
    login_as("manager")
    path = f"/units/{world.unit_a.code}"
    done = client.post(f"{path}/blacklist-notice", data={"csrf_token": csrf_token(client, path)})
    assert done.status_code == 302
    assert _state(session, ids["P1"]) == ("done", ["proposed", "confirmed"])
    assert _state(session, ids["P2"]) == ("proposed", ["proposed"])
