"""Incidents: staff log them on units they serve, see them on the unit file, retract them;
landlords and the public never see one; administrators keep the kind list."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import time_machine
from sqlmodel import select

from rentals.audit.models import AuditEvent
from rentals.incidents.models import Incident, IncidentKind
from rentals.printing.models import Plaque
from tests import factories
from tests.conftest import csrf_token, login

#: 10:00 in Lhasa on 2027-03-10 (02:00 UTC).
NOW = datetime(2027, 3, 10, 2, 0, tzinfo=UTC)
NOTE = "两名租客因噪音争吵，已调解"


@pytest.fixture
def clock_fixed():  # type: ignore[no-untyped-def]
    with time_machine.travel(NOW, tick=False):
        yield


def _kind(session, code: str) -> IncidentKind:  # type: ignore[no-untyped-def]
    return session.exec(select(IncidentKind).where(IncidentKind.code == code)).one()


def _incidents(session, unit) -> list[Incident]:  # type: ignore[no-untyped-def]
    session.expire_all()
    return list(
        session.exec(select(Incident).where(Incident.unit_id == unit.id).order_by(Incident.id))
    )


def _log(client, unit, **fields):  # type: ignore[no-untyped-def]
    path = f"/units/{unit.code}/incidents/new"
    data = {"csrf_token": csrf_token(client, path), **fields}
    return client.post(path, data=data)


def test_the_migration_seeds_the_kinds_the_scheme_names(session):  # type: ignore[no-untyped-def]
    codes = [k.code for k in session.exec(select(IncidentKind).order_by(IncidentKind.position))]
    assert codes[:5] == ["dispute", "theft", "fire", "drugs", "noise"]
    assert all(k.name and k.name_bo and k.name_en for k in session.exec(select(IncidentKind)))


def test_an_inspector_logs_an_incident_on_a_phone_form_and_sees_it_on_the_file(
    client, world, session, login_as, clock_fixed
):  # type: ignore[no-untyped-def]
    login_as("inspector_a")
    before = len(_incidents(session, world.unit_a))
    form = client.get(f"/units/{world.unit_a.code}/incidents/new").get_data(as_text=True)
    assert 'type="date"' in form and 'value="2027-03-10"' in form  # today, in Lhasa
    noise = _kind(session, "noise")
    response = _log(client, world.unit_a, kind_id=noise.id, occurred_on="2027-03-09", note=NOTE)
    assert response.status_code == 302, response.get_data(as_text=True)[:1000]
    rows = _incidents(session, world.unit_a)
    assert len(rows) == before + 1
    new = rows[-1]
    assert (new.kind_id, new.occurred_on, new.note, new.resident_victim) == (
        noise.id,
        date(2027, 3, 9),
        NOTE,
        False,
    )
    assert new.reported_by == world.users["inspector_a"].id and new.counts_against_landlord
    event = session.exec(
        select(AuditEvent)
        .where(AuditEvent.action == "incident.recorded")
        .order_by(AuditEvent.id.desc())
    ).first()
    assert event.subject_type == "unit" and event.subject_id == str(world.unit_a.id)
    assert event.data["incident"] == new.id and event.data["kind"] == "noise"
    assert NOTE not in str(event.data)  # the note may name people: not copied to the trail
    page = client.get(f"/units/{world.unit_a.code}").get_data(as_text=True)
    section = page.split('id="incidents"', 1)[1].split("</section>", 1)[0]
    assert NOTE in section and "噪音扰民" in section and "2027-03-09" in section


def test_a_resident_victim_never_counts_against_the_landlord(
    client, world, session, login_as, clock_fixed
):  # type: ignore[no-untyped-def]
    login_as("manager")
    theft = _kind(session, "theft")
    _log(client, world.unit_a, kind_id=theft.id, occurred_on="2027-03-01", resident_victim="y")
    new = _incidents(session, world.unit_a)[-1]
    assert new.resident_victim and not new.counts_against_landlord
    page = client.get(f"/units/{world.unit_a.code}").get_data(as_text=True)
    assert "住户受害，不计入房东" in page


def test_landlords_and_the_public_never_see_an_incident(
    client, world, session, login_as, clock_fixed
):  # type: ignore[no-untyped-def]
    factories.make_incident(
        session, world.unit_a, world.users["inspector_a"], note=NOTE, today=date(2027, 3, 10)
    )
    session.add(
        Plaque(
            unit_id=world.unit_a.id,
            serial="INCIDENTPLQ1",
            stars=2,
            rating_status="two",
            valid_until=date(2027, 12, 31),
        )
    )
    session.commit()
    # The public: the unit's public page, the plaque check, and the file itself.
    for url in (f"/public/units/{world.unit_a.code}", "/p/INCIDENTPLQ1"):
        html = client.get(url).get_data(as_text=True)
        assert NOTE not in html and "治安事件" not in html, url
    assert client.get(f"/units/{world.unit_a.code}").status_code == 302
    # The unit's own landlord: the file without the section, no form, no retraction.
    login_as("landlord_a")
    html = client.get(f"/units/{world.unit_a.code}").get_data(as_text=True)
    assert 'id="tenants"' in html  # the file did render
    assert NOTE not in html and 'id="incidents"' not in html and "incident" not in html
    assert client.get(f"/units/{world.unit_a.code}/incidents/new").status_code == 403
    for path in ("/my/", f"/my/units/{world.unit_a.code}"):
        page = client.get(path)
        assert NOTE not in page.get_data(as_text=True), path


def test_an_inspector_of_another_area_gets_404_and_changes_nothing(
    client, world, session, login_as, clock_fixed
):  # type: ignore[no-untyped-def]
    incident = factories.make_incident(
        session, world.unit_a, world.users["inspector_a"], today=date(2027, 3, 10)
    )
    session.commit()
    before = len(_incidents(session, world.unit_a))
    login_as("inspector_b")
    assert client.get(f"/units/{world.unit_a.code}/incidents/new").status_code == 404
    token = csrf_token(client, f"/units/{world.unit_b.code}/incidents/new")
    noise = _kind(session, "noise")
    response = client.post(
        f"/units/{world.unit_a.code}/incidents/new",
        data={"csrf_token": token, "kind_id": noise.id, "occurred_on": "2027-03-09"},
    )
    assert response.status_code == 404
    response = client.post(
        f"/incidents/{incident.id}/retract", data={"csrf_token": token, "reason": "x"}
    )
    assert response.status_code == 404
    assert (
        client.post("/incidents/999999999/retract", data={"csrf_token": token}).status_code == 404
    )
    rows = _incidents(session, world.unit_a)
    assert len(rows) == before and all(r.retracted_at is None for r in rows)
    # Their own unit's file lists none of unit A's incidents.
    html = client.get(f"/units/{world.unit_b.code}").get_data(as_text=True)
    assert "没有治安事件记录" in html


@pytest.mark.parametrize(
    "fields, error",
    [
        ({"occurred_on": "2027-03-11"}, "不能晚于今天"),
        ({"occurred_on": "2026-03-08"}, "一年以内"),
        ({"occurred_on": "2027-02-30"}, ""),
        ({"occurred_on": ""}, "请填写发生日期"),
        ({"note": "x" * 501}, ""),
        ({"kind_id": "999999999"}, ""),
        ({"kind_id": "abc"}, ""),
        ({"kind_id": "99999999999999999999999"}, ""),
    ],
)
def test_hostile_input_is_refused_with_a_clear_answer_and_changes_nothing(
    client, world, session, login_as, clock_fixed, fields, error
):  # type: ignore[no-untyped-def]
    login_as("inspector_a")
    before = len(_incidents(session, world.unit_a))
    data = {"kind_id": _kind(session, "theft").id, "occurred_on": "2027-03-09", **fields}
    response = _log(client, world.unit_a, **data)
    assert response.status_code == 422
    assert error in response.get_data(as_text=True)
    assert len(_incidents(session, world.unit_a)) == before


def test_a_retired_kind_is_not_offered_and_not_accepted(
    client, world, session, login_as, clock_fixed
):  # type: ignore[no-untyped-def]
    fire = _kind(session, "fire")
    fire.active = False
    session.add(fire)
    session.commit()
    login_as("inspector_a")
    form = client.get(f"/units/{world.unit_a.code}/incidents/new").get_data(as_text=True)
    assert f'value="{fire.id}"' not in form and "火情" not in form
    assert _log(client, world.unit_a, kind_id=fire.id, occurred_on="2027-03-09").status_code == 422


def test_a_retraction_keeps_the_row_with_its_reason_and_happens_once(
    client, world, session, login_as, clock_fixed
):  # type: ignore[no-untyped-def]
    incident = factories.make_incident(
        session, world.unit_a, world.users["inspector_a"], note=NOTE, today=date(2027, 3, 10)
    )
    session.commit()
    login_as("inspector_a")
    token = csrf_token(client, f"/units/{world.unit_a.code}")
    url = f"/incidents/{incident.id}/retract"
    assert client.post(url, data={"csrf_token": token, "reason": ""}).status_code == 303
    session.expire_all()
    assert session.get(Incident, incident.id).retracted_at is None
    assert client.post(url, data={"csrf_token": token, "reason": "登记错了房屋"}).status_code == 303
    session.expire_all()
    row = session.get(Incident, incident.id)
    assert row.retracted_at == NOW and row.retract_reason == "登记错了房屋"
    assert not row.counts_against_landlord
    again = client.post(
        url, data={"csrf_token": token, "reason": "再撤一次"}, follow_redirects=True
    )
    assert "已撤销" in again.get_data(as_text=True)
    session.expire_all()
    assert session.get(Incident, incident.id).retract_reason == "登记错了房屋"
    actions = session.exec(
        select(AuditEvent.action).where(AuditEvent.action == "incident.retracted")
    ).all()
    assert len(actions) == 1
    page = client.get(f"/units/{world.unit_a.code}").get_data(as_text=True)
    assert NOTE in page and "登记错了房屋" in page


def test_administrators_keep_the_kind_list_and_managers_cannot(app, world, session):  # type: ignore[no-untyped-def]
    manager = app.test_client()
    login(manager, world.users["manager"].username)
    assert manager.get("/incidents/kinds").status_code == 403
    client = app.test_client()
    login(client, world.users["admin"].username)
    token = csrf_token(client, "/incidents/kinds")
    data = {
        "csrf_token": token,
        "new-code": "gas",
        "new-name": "燃气事故",
        "new-name_bo": "རླངས་རྫས་ཉེན་ཁ།",
        "new-name_en": "Gas accident",
        "new-position": "15",
        "new-active": "y",
    }
    assert client.post("/incidents/kinds", data=data).status_code == 302
    gas = _kind(session, "gas")
    assert (gas.name, gas.active, gas.position) == ("燃气事故", True, 15)
    # The same code twice, a bad code, an empty name: refused, nothing added.
    for change in ({"new-code": "gas"}, {"new-code": "Gas!"}, {"new-code": "x2", "new-name": ""}):
        assert client.post("/incidents/kinds", data={**data, **change}).status_code == 422
    assert (
        len(session.exec(select(IncidentKind).where(IncidentKind.code.in_(("gas", "x2")))).all())
        == 1
    )
    # Retire it: kept in the list, marked, and logged.
    response = client.post(
        f"/incidents/kinds/{gas.id}",
        data={"csrf_token": token, f"k{gas.id}-name": "燃气事故", f"k{gas.id}-position": "15"},
    )
    assert response.status_code == 302
    session.expire_all()
    assert session.get(IncidentKind, gas.id).active is False
    assert "已停用" in client.get("/incidents/kinds").get_data(as_text=True)
    events = session.exec(
        select(AuditEvent.action).where(AuditEvent.subject_type == "incident_kind")
    ).all()
    assert sorted(events) == ["incident_kind.added", "incident_kind.changed"]
    assert client.post("/incidents/kinds/999999999", data={"csrf_token": token}).status_code == 404
