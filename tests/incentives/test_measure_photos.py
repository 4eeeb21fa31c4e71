"""A gift pack's handover may carry a photo: checked and re-encoded by the hazard photos'
pipeline (metadata gone, a random name), shown on the measure's record to staff who see
the unit and to the measure's landlord, to nobody else."""

from __future__ import annotations

import io
from datetime import timedelta

from PIL import Image
from sqlmodel import func, select

from rentals import clock
from rentals.incentives import measures
from rentals.incentives.models import Measure, MeasureEvent
from rentals.inspections.models import Photo
from tests.conftest import csrf_token, login
from tests.inspections.helpers import jpeg_bytes
from tests.portal.helpers import rate

#: Two days ago: the handover is dated today, after the measure was proposed.
NOW = clock.now() - timedelta(days=2)


def _confirmed(app, session, world, code="R2"):  # type: ignore[no-untyped-def]
    with app.app_context():
        rate(session, world.unit_a, now=NOW)
        measure = session.exec(select(Measure).where(Measure.code == code)).one()
        measures.confirm_measure(session, actor=world.users["manager"], measure=measure, now=NOW)
        session.commit()
        return measure.id


def _record(client, measure_id, photo, name="gift.jpg"):  # type: ignore[no-untyped-def]
    return client.post(
        f"/incentives/measures/{measure_id}/record",
        data={
            "csrf_token": csrf_token(client, "/incentives/measures?state=confirmed"),
            "on": clock.today().isoformat(),
            "note": "已发放",
            "photo": (io.BytesIO(photo), name),
        },
        content_type="multipart/form-data",
    )


def test_the_handover_photo_is_cleaned_and_shown_to_staff_and_the_landlord_only(
    app, session, world, login_as, client
):
    measure_id = _confirmed(app, session, world)
    login_as("manager")
    raw = jpeg_bytes(comment=b"tel 13800000000", gps=True)
    assert _record(client, measure_id, raw).status_code == 302
    with app.app_context():
        event = session.exec(
            select(MeasureEvent).where(
                MeasureEvent.measure_id == measure_id, MeasureEvent.kind == "recorded"
            )
        ).one()
        photo = session.get(Photo, event.data["photo"])
        assert photo.unit_id == world.unit_a.id and len(photo.filename) == 32
        assert session.get(Measure, measure_id).status == "done"
    url = f"/incentives/measures/{measure_id}/photo"
    served = client.get(url)
    assert served.status_code == 200 and served.mimetype == "image/jpeg"
    assert served.headers["Cache-Control"].startswith("private")
    assert b"13800000000" not in served.data
    with Image.open(io.BytesIO(served.data)) as image:
        assert not image.getexif()
    assert client.get(url + "?size=thumb").status_code == 200
    assert f'href="{url}"' in client.get(f"/units/{world.unit_a.code}").get_data(as_text=True)
    answers = {}
    for role in ("inspector_a", "inspector_b", "landlord_a", "landlord_b"):
        other = app.test_client()
        login(other, world.users[role].username)
        answers[role] = other.get(url).status_code
        if role == "landlord_a":
            page = other.get(f"/my/units/{world.unit_a.code}").get_data(as_text=True)
            assert f'href="{url}"' in page
    assert answers == {"inspector_a": 200, "inspector_b": 404, "landlord_a": 200, "landlord_b": 404}
    assert app.test_client().get(url).status_code == 302  # anonymous: to the sign-in


def test_a_later_owner_does_not_see_the_former_landlords_handover(
    app, session, world, login_as, client
):
    measure_id = _confirmed(app, session, world)
    login_as("manager")
    _record(client, measure_id, jpeg_bytes())
    with app.app_context():
        unit = world.unit_a
        unit.landlord_id = world.landlord_b.id  # the unit changed hands
        session.add(unit)
        session.commit()
    other = app.test_client()
    login(other, world.users["landlord_b"].username)
    assert other.get(f"/incentives/measures/{measure_id}/photo").status_code == 404


def test_a_file_that_is_not_a_photo_is_refused_and_nothing_changes(
    app, session, world, login_as, client
):
    measure_id = _confirmed(app, session, world)
    login_as("manager")
    answer = _record(client, measure_id, b"not an image at all\n" * 50, name="x.jpg")
    assert answer.status_code == 303
    with app.app_context():
        assert session.get(Measure, measure_id).status == "confirmed"
        assert session.exec(select(func.count()).select_from(Photo)).one() == 0
    assert client.get(f"/incentives/measures/{measure_id}/photo").status_code == 404


def test_only_a_handover_carries_a_photo(app, session, world, login_as, client):
    measure_id = _confirmed(app, session, world, code="R3")  # a nomination: sent, no photo
    login_as("manager")
    assert _record(client, measure_id, jpeg_bytes()).status_code == 303
    with app.app_context():
        assert session.get(Measure, measure_id).status == "confirmed"
        assert session.exec(select(func.count()).select_from(Photo)).one() == 0
