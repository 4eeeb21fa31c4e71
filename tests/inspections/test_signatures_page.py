"""Signing a record without JavaScript: typed name plus the confirmation box; a signed
record is no longer editable, only followed by a correction."""

from __future__ import annotations

import re

from sqlmodel import select

from rentals.inspections import services
from rentals.inspections.models import Inspection, Signature
from rentals.modelbase import utcnow
from tests.inspections.helpers import all_answers


def _record(app, session, world) -> Inspection:  # type: ignore[no-untyped-def]
    with app.app_context():
        inspection = services.record_inspection(
            session,
            unit=world.unit_a,
            inspector=world.users["inspector_a"],
            client_key="to-sign",
            answers=all_answers(),
            vetoes=[],
            notes={"": "初次备注"},
            outcome="completed",
            now=utcnow(),
        )
        session.commit()
    return inspection


def _token(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def _signatures(session, inspection):  # type: ignore[no-untyped-def]
    session.expire_all()
    return session.exec(select(Signature).where(Signature.inspection_id == inspection.id)).all()


def test_typed_name_and_box_sign_without_javascript(app, session, world, login_as):
    inspection = _record(app, session, world)
    client = login_as("inspector_a")
    url = f"/inspections/{inspection.id}"
    html = client.get(url).get_data(as_text=True)
    # Both signature forms, each with the no-JS fallback, and the note is still editable.
    assert html.count('class="sign-form"') == 2
    assert html.count('name="confirm"') == 2 and html.count('name="name"') == 2
    assert f'action="{url}/note"' in html
    token = _token(html)

    # Neither a drawing nor the box ticked: refused, nothing stored.
    refused = client.post(
        f"{url}/sign", data={"csrf_token": token, "signer": "party", "name": "扎西", "drawing": ""}
    )
    assert refused.status_code == 303
    assert "请在屏幕上签名，或勾选确认框" in client.get(url).get_data(as_text=True)
    assert _signatures(session, inspection) == []

    for signer, name in (("party", "扎西"), ("inspector", "民警 次仁")):
        answer = client.post(
            f"{url}/sign",
            data={"csrf_token": token, "signer": signer, "name": name, "confirm": "y"},
        )
        assert answer.status_code == 303
    rows = _signatures(session, inspection)
    assert {(r.signer, r.name, r.image) for r in rows} == {
        ("party", "扎西", None),
        ("inspector", "民警 次仁", None),
    }

    html = client.get(url).get_data(as_text=True)
    assert "扎西" in html and "民警 次仁" in html
    assert 'class="sign-form"' not in html
    assert f'action="{url}/note"' not in html
    assert "已签字的记录不能修改" in html
    assert f"corrects={inspection.id}" in html

    # Posting the note form anyway is refused and changes nothing.
    late = client.post(f"{url}/note", data={"csrf_token": token, "note": "改动"})
    assert late.status_code == 409
    session.expire_all()
    assert session.get(Inspection, inspection.id).notes[""] == "初次备注"
    # The same side cannot sign twice.
    again = client.post(
        f"{url}/sign",
        data={"csrf_token": token, "signer": "party", "name": "别人", "confirm": "y"},
    )
    assert again.status_code == 409
    assert len(_signatures(session, inspection)) == 2


def test_landlord_sees_the_signed_record_but_no_sign_form(app, session, world, login_as):
    inspection = _record(app, session, world)
    with app.app_context():
        services.sign_inspection(
            session,
            inspection=inspection,
            actor=None,
            signer="party",
            name="扎西",
            image=None,
            now=utcnow(),
        )
        session.commit()
    client = login_as("landlord_a")
    html = client.get(f"/inspections/{inspection.id}").get_data(as_text=True)
    assert "扎西" in html and 'class="sign-form"' not in html
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    answer = client.post(
        f"/inspections/{inspection.id}/sign",
        data={"csrf_token": token, "signer": "inspector", "name": "冒名", "confirm": "y"},
    )
    assert answer.status_code == 403
    assert len(_signatures(session, inspection)) == 1
