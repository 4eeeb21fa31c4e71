"""Issue 19: residence registration dates, with their expiry on the unit file and portal,
and a reminder before they lapse."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlmodel import select

from rentals.messages import services as messages
from rentals.messages.models import OutboxMessage
from rentals.register.models import Tenancy
from rentals.selfservice.models import ResidenceRegistration
from tests.conftest import csrf_token, login
from tests.selfservice.test_public_declarations import TODAY


def _record(client, world, on: date, expires: date | None):  # type: ignore[no-untyped-def]
    path = f"/units/{world.unit_a.code}"
    token = csrf_token(client, path)
    return client.post(
        f"{path}/tenancies/{world.tenancy_a.id}/registration",
        data={
            "registered_on": on.isoformat(),
            "expires_on": expires.isoformat() if expires else "",
            "csrf_token": token,
        },
    )


def test_staff_record_a_registration_and_its_expiry_shows_where_it_lapses_soon(
    app, client, session, world
):
    login(client, world.users["inspector_a"].username)
    expires = TODAY + timedelta(days=20)
    assert _record(client, world, TODAY - timedelta(days=340), expires).status_code == 302
    session.expire_all()
    row = session.get(ResidenceRegistration, world.tenancy_a.id)
    assert row.expires_on == expires
    assert session.get(Tenancy, world.tenancy_a.id).registered is True
    file = client.get(f"/units/{world.unit_a.code}").get_data(as_text=True)
    assert f"{expires.isoformat()} 到期" in file and "即将到期" in file
    landlord = app.test_client()
    login(landlord, world.users["landlord_a"].username)
    mine = landlord.get(f"/my/units/{world.unit_a.code}").get_data(as_text=True)
    assert f"{expires.isoformat()} 到期" in mine and "即将到期" in mine


def test_bad_dates_are_refused_and_change_nothing(client, session, world):
    login(client, world.users["inspector_a"].username)
    cases = [
        (TODAY + timedelta(days=3), None),  # done in the future
        (TODAY - timedelta(days=10), TODAY - timedelta(days=20)),  # lapses before it was done
        (TODAY - timedelta(days=10), TODAY + timedelta(days=366 * 20)),
    ]
    for on, expires in cases:
        assert _record(client, world, on, expires).status_code == 303
    session.expire_all()
    assert session.get(ResidenceRegistration, world.tenancy_a.id) is None
    # Another area's inspector: 404.
    client._cookies.clear()
    login(client, world.users["inspector_b"].username)
    token = csrf_token(client, "/tasks/")
    answer = client.post(
        f"/units/{world.unit_a.code}/tenancies/{world.tenancy_a.id}/registration",
        data={"registered_on": "2026-01-01", "csrf_token": token},
    )
    assert answer.status_code == 404


def test_a_registration_about_to_lapse_is_announced_once(app, session, world):
    today = date(2027, 5, 1)
    session.add(
        ResidenceRegistration(
            tenancy_id=world.tenancy_a.id,
            registered_on=date(2026, 5, 10),
            expires_on=date(2027, 5, 10),
        )
    )
    session.commit()
    now = datetime(2027, 5, 1, 1, 0, tzinfo=UTC)
    with app.app_context():
        messages.queue_due_messages(session, today=today, now=now)
        messages.queue_due_messages(session, today=today + timedelta(days=1), now=now)
        session.commit()
    rows = list(
        session.exec(select(OutboxMessage).where(OutboxMessage.template == "registration_lapsing"))
    )
    assert sorted(m.person_id for m in rows) == sorted([world.landlord_a.id, world.tenant_a.id])
    assert "05-10" in rows[0].text


def _s3_checked(client, world) -> str | None:  # type: ignore[no-untyped-def]
    import re

    page = client.get(f"/units/{world.unit_a.code}/inspect").get_data(as_text=True)
    found = re.search(r'name="a_S3" id="a_S3_(\w+)" value="\w+" checked', page)
    return found.group(1) if found else None


def test_s3_is_prefilled_from_the_registration_dates(client, session, world):
    login(client, world.users["inspector_a"].username)
    assert _s3_checked(client, world) is None  # nothing recorded: nothing suggested
    session.add(
        ResidenceRegistration(
            tenancy_id=world.tenancy_a.id,
            registered_on=TODAY - timedelta(days=100),
            expires_on=TODAY + timedelta(days=200),
        )
    )
    session.commit()
    assert _s3_checked(client, world) == "met"
    row = session.get(ResidenceRegistration, world.tenancy_a.id)
    row.expires_on = TODAY - timedelta(days=1)
    session.add(row)
    session.commit()
    assert _s3_checked(client, world) == "not_met"
