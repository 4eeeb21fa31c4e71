"""Recording an inspection through the API is recording it through the checklist page:
the same service, so the same rating, tasks, orders and audit entries; the same key makes
a retry harmless and the same concurrency check refuses a stale checklist."""

from __future__ import annotations

from typing import Any

import pytest
from sqlmodel import func, select

from rentals import clock
from rentals.audit.models import AuditEvent
from rentals.inspections.models import Inspection, RectificationOrder
from rentals.ratings.models import Rating
from rentals.tasks import services as task_services
from rentals.tasks.models import Task
from tests import factories
from tests.api.conftest import data_snapshot as snapshot
from tests.conftest import login
from tests.inspections.helpers import all_answers, checklist_data, form_fields
from tests.security.helpers import connection_of

#: F1 failed with an order, F6 not applicable, the rest met: 86 of 94 points = 91.5,
#: three stars by score but capped at two by F1 (worked by hand from the brief's card).
ANSWERS = all_answers(F1="not_met", F6="na")
NOTE = "门口堆放杂物"


@pytest.fixture
def twins(app, session, world):  # type: ignore[no-untyped-def]
    """Two identical units in area A, each with this period's routine task planned."""
    with app.app_context():
        x = factories.make_unit(session, world.area_a, world.landlord_a)
        y = factories.make_unit(session, world.area_a, world.landlord_a)
        task_services.plan(session, today=clock.today())
        session.commit()
    return x, y


def _audit_mark(session) -> int:  # type: ignore[no-untyped-def]
    return session.exec(select(func.max(AuditEvent.id))).one() or 0


def _events_since(session, mark: int) -> list[tuple[str, str, Any]]:  # type: ignore[no-untyped-def]
    rows = session.exec(select(AuditEvent).where(AuditEvent.id > mark).order_by(AuditEvent.id))
    return [(e.action, e.subject_type, _without_ids(e.data)) for e in rows]


ID_KEYS = {
    "inspection",
    "inspection_id",
    "task",
    "task_id",
    "rating",
    "order",
    "order_id",
    "orders",
}


def _id_or(value: Any) -> Any:
    return ["<id>"] * len(value) if isinstance(value, list) else "<id>"


def _without_ids(data: Any) -> Any:
    """Audit data with row ids replaced (the two units' rows have different ids)."""
    if isinstance(data, dict):
        return {k: _id_or(v) if k in ID_KEYS else _without_ids(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_without_ids(v) for v in data]
    return data


def _outcome(session, unit) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    session.expire_all()
    rating = session.exec(select(Rating).where(Rating.unit_id == unit.id)).one()
    tasks = session.exec(select(Task).where(Task.unit_id == unit.id).order_by(Task.due, Task.kind))
    orders = session.exec(select(RectificationOrder).where(RectificationOrder.unit_id == unit.id))
    inspection = session.exec(select(Inspection).where(Inspection.unit_id == unit.id)).one()
    return {
        "rating": (rating.status, rating.stars, rating.score, rating.breakdown),
        "tasks": [
            (
                t.kind,
                t.period_key[0] if t.kind == "follow_up" else t.period_key,
                t.start,
                t.due,
                t.status,
            )
            for t in tasks
        ],
        "orders": [(o.item_code, o.deadline, o.serious, o.status, o.note) for o in orders],
        "inspection": (
            inspection.outcome,
            inspection.answers,
            inspection.vetoes,
            inspection.notes,
            inspection.inspector_id,
            inspection.task_id is not None,
        ),
    }


def test_an_inspection_via_the_api_equals_one_via_the_checklist_page(
    app, client, api, session, world, twins
):
    x, y = twins
    login(client, world.users["inspector_a"].username)
    fields = form_fields(client.get(f"/units/{x.code}/inspect").get_data(as_text=True))
    mark = _audit_mark(session)
    page = client.post(
        f"/units/{x.code}/inspect",
        data=checklist_data(fields, ANSWERS, o_F1="y", n_F1=NOTE, note="复查"),
    )
    assert page.status_code == 303, page.get_data(as_text=True)[:2000]
    web_events = _events_since(session, mark)

    mark = _audit_mark(session)
    answer = api.post(
        f"/units/{y.code}/inspections",
        "inspector_a",
        json={
            "client_key": "api-visit-1",
            "outcome": "completed",
            "expected_latest_id": 0,
            "answers": ANSWERS,
            "notes": {"F1": NOTE},
            "note": "复查",
            "orders": [{"item_code": "F1", "note": NOTE}],
        },
    )
    assert answer.status_code == 201, answer.get_data(as_text=True)
    api_events = _events_since(session, mark)

    web, via_api = _outcome(session, x), _outcome(session, y)
    assert web == via_api
    # The values themselves, from the card by hand: capped two stars, 91.5.
    status, stars, score, _breakdown = via_api["rating"]
    assert (status, stars, float(score)) == ("two", 2, 91.5)
    assert [o[0] for o in via_api["orders"]] == ["F1"]
    assert {t[0] for t in via_api["tasks"]} == {"routine", "follow_up"}
    assert web_events == api_events
    assert [e[0] for e in api_events][:1] == ["inspection.recorded"]
    body = answer.get_json()
    assert body["rating"] == {"status": "two", "stars": 2, "score": 91.5}
    assert [o["item_code"] for o in body["orders"]] == ["F1"]


def _visit(key: str, latest: int = 0, **extra: Any) -> dict[str, Any]:
    return {
        "client_key": key,
        "outcome": "completed",
        "expected_latest_id": latest,
        "answers": all_answers(),
        **extra,
    }


def test_a_retry_with_the_same_key_returns_the_same_inspection(api, session, world, twins):
    x, _y = twins
    first = api.post(f"/units/{x.code}/inspections", "inspector_a", json=_visit("k1"))
    again = api.post(f"/units/{x.code}/inspections", "inspector_a", json=_visit("k1"))
    assert first.status_code == again.status_code == 201
    assert first.get_json()["inspection"]["id"] == again.get_json()["inspection"]["id"]
    assert (
        session.exec(
            select(func.count()).select_from(Inspection).where(Inspection.unit_id == x.id)
        ).one()
        == 1
    )
    assert first.get_json()["rating"]["stars"] == 3


def test_a_stale_checklist_is_refused_and_nothing_is_written(app, api, session, world, twins):
    x, _y = twins
    first = api.post(f"/units/{x.code}/inspections", "inspector_a", json=_visit("k1"))
    assert first.status_code == 201
    conn = connection_of(app)
    before = snapshot(conn)
    stale = api.post(f"/units/{x.code}/inspections", "manager", json=_visit("k2", latest=0))
    assert stale.status_code == 409
    assert stale.get_json()["error"]["code"] == "stale_checklist"
    assert snapshot(conn) == before
    newest = api.get(f"/units/{x.code}/inspections", "manager").get_json()["items"][0]["id"]
    fresh = api.post(f"/units/{x.code}/inspections", "manager", json=_visit("k2", latest=newest))
    assert fresh.status_code == 201


@pytest.mark.parametrize(
    "body",
    [
        {
            "client_key": "k",
            "outcome": "completed",
            "expected_latest_id": 0,
            "answers": {"F1": False},
        },
        {"client_key": "k", "outcome": "completed", "expected_latest_id": "0"},
        {"client_key": "k", "outcome": "completed", "expected_latest_id": False},
        {"client_key": "k", "outcome": "completed", "expected_latest_id": 0, "stars": 3},
        {"client_key": "k", "outcome": "exploded", "expected_latest_id": 0},
        {"client_key": "k" * 65, "outcome": "completed", "expected_latest_id": 0},
        {
            "client_key": "k",
            "outcome": "completed",
            "expected_latest_id": 0,
            "answers": all_answers(F1="na"),
        },
        {
            "client_key": "k",
            "outcome": "completed",
            "expected_latest_id": 0,
            "answers": {"F1": "met"},
        },
        {"client_key": "k", "outcome": "refused", "expected_latest_id": 0},
        {
            "client_key": "k",
            "outcome": "completed",
            "expected_latest_id": 0,
            "answers": all_answers(F1="not_met"),
            "orders": [{"item_code": "F1", "deadline": "2001-01-01"}],
        },
        {
            "client_key": "k",
            "outcome": "completed",
            "expected_latest_id": 0,
            "answers": all_answers(),
            "task_id": 2147483647,
        },
        {"client_key": "k", "outcome": "completed", "expected_latest_id": 2**40},
        [],
        "x",
    ],
)
def test_hostile_bodies_get_a_clear_4xx_and_change_nothing(app, api, world, twins, body):
    x, _y = twins
    conn = connection_of(app)
    before = snapshot(conn)
    answer = api.post(f"/units/{x.code}/inspections", "inspector_a", json=body)
    assert 400 <= answer.status_code < 500 and answer.status_code not in (401, 403)
    error = answer.get_json()["error"]
    assert error["code"] in {"invalid_input", "not_found"} and error["message"]
    assert snapshot(conn) == before


def test_only_staff_of_the_units_area_may_record(api, world, twins):
    x, _y = twins
    assert (
        api.post(f"/units/{x.code}/inspections", "inspector_b", json=_visit("k")).status_code == 404
    )
    assert (
        api.post(f"/units/{x.code}/inspections", "landlord_a", json=_visit("k")).status_code == 403
    )
    assert api.post(f"/units/{x.code}/inspections", "admin", json=_visit("k")).status_code == 201


def test_orders_open_with_a_failed_item_and_close_when_an_inspection_finds_it_met(
    api, world, twins
):
    """The pages' rule, through the API: an order is opened on a failed item of an
    inspection and closed only by a later inspection that finds the item met."""
    x, _y = twins
    failed = api.post(
        f"/units/{x.code}/inspections",
        "inspector_a",
        json=_visit(
            "o1",
            answers=all_answers(F2="not_met"),
            orders=[{"item_code": "F2", "deadline": "2999-01-01", "serious": True}],
        ),
    )
    assert failed.status_code == 201, failed.get_data(as_text=True)
    order = failed.get_json()["orders"][0]
    assert (order["item_code"], order["deadline"], order["serious"], order["status"]) == (
        "F2",
        "2999-01-01",
        True,
        "open",
    )
    follow_up = next(
        t
        for t in api.get(f"/units/{x.code}/tasks", "inspector_a").get_json()["items"]
        if t["kind"] == "follow_up"
    )
    assert follow_up["due"] == "2999-01-01"
    latest = failed.get_json()["inspection"]["id"]
    fixed = api.post(
        f"/units/{x.code}/inspections",
        "inspector_a",
        json=_visit("o2", latest=latest, task_id=follow_up["id"]),
    )
    assert fixed.status_code == 201
    orders = api.get(f"/units/{x.code}/orders", "landlord_a").get_json()["items"]
    assert [(o["status"], o["closed_by_inspection_id"]) for o in orders] == [
        ("closed", fixed.get_json()["inspection"]["id"])
    ]
