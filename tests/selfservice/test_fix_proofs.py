"""Issue 19: a landlord proves a fix with photos; staff close the order remotely where the
scorecard allows it, and a serious hazard always needs a visit."""

from __future__ import annotations

import io
from datetime import date

import pytest
from PIL import Image
from sqlmodel import func, select

from rentals.audit.models import AuditEvent
from rentals.inspections.models import Inspection, Photo, RectificationOrder
from rentals.ratings.services import ensure_default_scorecard
from rentals.selfservice.models import FixProof
from rentals.tasks.models import Task
from rentals.tasks.services import create_follow_up
from tests.conftest import csrf_token, login

DEADLINE = date(2027, 3, 20)


def _jpeg(colour: str = "red") -> bytes:
    out = io.BytesIO()
    image = Image.new("RGB", (64, 48), colour)
    image.save(out, "JPEG", comment=b"secret landlord comment")
    return out.getvalue()


def _order(app, session, world, item: str, *, serious: bool = False) -> RectificationOrder:  # type: ignore[no-untyped-def]
    with app.app_context():
        version = ensure_default_scorecard(session, today=date(2026, 1, 1))
        inspection = Inspection(
            unit_id=world.unit_a.id,
            scorecard_version_id=version.id,
            client_key=f"proof-{item}-{serious}",
        )
        session.add(inspection)
        session.flush()
        order = RectificationOrder(
            unit_id=world.unit_a.id,
            inspection_id=inspection.id,
            item_code=item,
            deadline=DEADLINE,
            serious=serious,
        )
        session.add(order)
        session.flush()
        create_follow_up(session, unit=world.unit_a, order_id=order.id, due=DEADLINE)
        session.commit()
    return order


def _send(client, world, order, photos: list[bytes], note: str = "已更换新的灭火器，压力正常"):  # type: ignore[no-untyped-def]
    path = f"/my/units/{world.unit_a.code}/orders/{order.id}/proof"
    token = csrf_token(client, path)
    data = {
        "note": note,
        "csrf_token": token,
        "photos": [(io.BytesIO(p), f"p{i}.jpg") for i, p in enumerate(photos)],
    }
    return client.post(path, data=data, content_type="multipart/form-data")


def _decide(client, world, proof_id: int, decision: str):  # type: ignore[no-untyped-def]
    token = csrf_token(client, f"/units/{world.unit_a.code}")
    return client.post(
        f"/units/{world.unit_a.code}/proofs/{proof_id}",
        data={"decision": decision, "csrf_token": token},
    )


def _follow_up(session, order) -> Task:  # type: ignore[no-untyped-def]
    session.expire_all()
    return session.exec(select(Task).where(Task.period_key == f"F{order.id}")).one()


@pytest.fixture
def landlord(client, world):  # type: ignore[no-untyped-def]
    login(client, world.users["landlord_a"].username)
    return client


def test_a_proof_accepted_remotely_closes_the_order_and_its_follow_up(
    app, landlord, session, world
):
    order = _order(app, session, world, "F1")  # the default card marks F1 remote_proof
    page = landlord.get(f"/my/units/{world.unit_a.code}").get_data(as_text=True)
    assert "已整改，发送照片" in page
    answer = _send(landlord, world, order, [_jpeg(), _jpeg("blue")])
    assert answer.status_code == 302, answer.get_data(as_text=True)[:3000]
    proof = session.exec(select(FixProof)).one()
    assert proof.status == "pending" and len(proof.photos) == 2
    # The photos were re-encoded: the JPEG comment is gone from the stored bytes.
    from rentals.inspections.photos import read_bytes

    for photo in session.exec(select(Photo).where(Photo.id.in_(proof.photos))):
        stored = read_bytes(session, photo.filename)
        assert stored and stored.startswith(b"\xff\xd8")
        assert b"secret landlord comment" not in stored
    assert "整改证明待审核" in landlord.get(f"/my/units/{world.unit_a.code}").get_data(as_text=True)

    staff = app.test_client()
    login(staff, world.users["inspector_a"].username)
    file = staff.get(f"/units/{world.unit_a.code}").get_data(as_text=True)
    assert "房东的整改证明" in file and "接受，关闭整改通知" in file
    assert _decide(staff, world, proof.id, "accept").status_code == 302
    session.expire_all()
    assert session.get(RectificationOrder, order.id).status == "closed"
    assert session.get(RectificationOrder, order.id).closed_by_inspection_id is None
    assert _follow_up(session, order).status == "cancelled"
    assert session.get(FixProof, proof.id).status == "accepted"
    actions = set(session.exec(select(AuditEvent.action)))
    assert {"selfservice.proof.filed", "selfservice.proof.accepted"} <= actions


def test_a_serious_hazard_refuses_remote_acceptance_and_gets_a_visit(app, landlord, session, world):
    order = _order(app, session, world, "F1", serious=True)
    assert _send(landlord, world, order, [_jpeg()]).status_code == 302
    proof = session.exec(select(FixProof)).one()
    staff = app.test_client()
    login(staff, world.users["manager"].username)
    file = staff.get(f"/units/{world.unit_a.code}").get_data(as_text=True)
    assert "此项必须上门复查" in file
    refused = _decide(staff, world, proof.id, "accept")
    assert refused.status_code == 303
    followed = staff.get(refused.headers["Location"]).get_data(as_text=True)
    assert "严重隐患必须上门复查" in followed
    session.expire_all()
    assert session.get(RectificationOrder, order.id).status == "open"
    assert _follow_up(session, order).status == "open"
    assert session.get(FixProof, proof.id).status == "pending"
    # The visit instead: a re-inspection within the week.
    assert _decide(staff, world, proof.id, "visit").status_code == 302
    session.expire_all()
    decided = session.get(FixProof, proof.id)
    assert decided.status == "visit"
    task = session.get(Task, decided.task_id)
    assert task.kind == "reinspection" and task.status == "open"
    assert session.get(RectificationOrder, order.id).status == "open"


def test_an_item_the_scorecard_does_not_mark_needs_a_visit(app, landlord, session, world):
    order = _order(app, session, world, "F3")  # escape routes: not remote_proof
    assert _send(landlord, world, order, [_jpeg()]).status_code == 302
    proof = session.exec(select(FixProof)).one()
    staff = app.test_client()
    login(staff, world.users["inspector_a"].username)
    assert _decide(staff, world, proof.id, "accept").status_code == 303
    session.expire_all()
    assert session.get(RectificationOrder, order.id).status == "open"
    assert session.get(FixProof, proof.id).status == "pending"


def test_hostile_proofs_are_refused_and_change_nothing(app, landlord, session, world):
    order = _order(app, session, world, "F1")
    photos_before = session.exec(select(func.count()).select_from(Photo)).one()
    cases = [
        [b"not a picture at all"],
        [],
        [_jpeg()] * 6,
    ]
    for photos in cases:
        assert _send(landlord, world, order, photos).status_code == 422
    assert _send(landlord, world, order, [_jpeg()], note="短").status_code == 422
    assert _send(landlord, world, order, [_jpeg()], note="x" * 5000).status_code == 422
    session.expire_all()
    assert session.exec(select(func.count()).select_from(FixProof)).one() == 0
    assert session.exec(select(func.count()).select_from(Photo)).one() == photos_before
    # A second proof while one waits is refused.
    assert _send(landlord, world, order, [_jpeg()]).status_code == 302
    assert _send(landlord, world, order, [_jpeg()]).status_code == 422
    # Another landlord, and an order id of nobody: 404.
    other = app.test_client()
    login(other, world.users["landlord_b"].username)
    assert other.get(f"/my/units/{world.unit_a.code}/orders/{order.id}/proof").status_code == 404
    assert landlord.get(f"/my/units/{world.unit_a.code}/orders/999999/proof").status_code == 404
    # A landlord cannot decide; an inspector of another area gets 404.
    proof = session.exec(select(FixProof)).one()
    assert _decide(landlord, world, proof.id, "accept").status_code == 403
    foreign = app.test_client()
    login(foreign, world.users["inspector_b"].username)
    token = csrf_token(foreign, "/tasks/")
    answer = foreign.post(
        f"/units/{world.unit_a.code}/proofs/{proof.id}",
        data={"decision": "accept", "csrf_token": token},
    )
    assert answer.status_code == 404
    session.expire_all()
    assert session.get(RectificationOrder, order.id).status == "open"
