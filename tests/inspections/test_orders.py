"""Rectification orders: opened on failed items, closed only by a finding of "met",
and a serious one past its deadline vetoes the next assessment (V1)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import select

from rentals.errors import Conflict
from rentals.inspections import services
from rentals.inspections.models import RectificationOrder
from rentals.tasks.models import Task
from tests.inspections.helpers import all_answers

NOW = datetime(2027, 3, 1, 2, 0, tzinfo=UTC)


def _visit(session, world, answers, *, key, now=NOW, orders=()):  # type: ignore[no-untyped-def]
    return services.record_inspection(
        session,
        unit=world.unit_a,
        inspector=world.users["inspector_a"],
        client_key=key,
        answers=answers,
        vetoes=[],
        notes={},
        outcome="completed",
        now=now,
        orders=orders,
    )


def _rating(session, inspection):  # type: ignore[no-untyped-def]
    from rentals.inspections.queries import rating_of

    return rating_of(session, inspection)


@pytest.fixture
def failed_f1(session, world, app_ctx):  # type: ignore[no-untyped-def]
    first = _visit(
        session,
        world,
        all_answers(F1="not_met"),
        key="first",
        orders=[services.OrderRequest("F1", serious=True, note="灭火器过期")],
    )
    return first, services.open_orders_for_unit(session, world.unit_a)


def test_failed_item_opens_order_with_item_deadline_and_follow_up(session, world, failed_f1):
    _first, orders = failed_f1
    assert [(o.item_code, o.deadline, o.serious) for o in orders] == [
        ("F1", date(2027, 3, 1) + timedelta(days=7), True)
    ]
    task = session.exec(
        select(Task).where(Task.unit_id == world.unit_a.id, Task.period_key == f"F{orders[0].id}")
    ).one()
    assert (task.kind, task.due) == ("follow_up", orders[0].deadline)


def test_order_stays_open_while_item_not_met_and_closes_when_met(session, world, failed_f1):
    _first, (order,) = failed_f1
    _visit(session, world, all_answers(F1="not_met", F2="not_met"), key="again")
    assert session.get(RectificationOrder, order.id).status == "open"
    fixed = _visit(session, world, all_answers(), key="fixed")
    order = session.get(RectificationOrder, order.id)
    assert (order.status, order.closed_by_inspection_id) == ("closed", fixed.id)


def test_serious_order_past_deadline_vetoes_the_next_assessment(session, world, failed_f1):
    late = NOW + timedelta(days=10)
    second = _visit(session, world, all_answers(F1="not_met"), key="late", now=late)
    rating = _rating(session, second)
    assert "V1" in second.vetoes
    assert (rating.status, rating.stars) == ("not_rated", 0)


def test_serious_order_before_deadline_does_not_veto(session, world, failed_f1):
    second = _visit(
        session, world, all_answers(F1="not_met"), key="early", now=NOW + timedelta(days=3)
    )
    assert "V1" not in second.vetoes
    assert _rating(session, second).stars == 2


def test_minor_order_past_deadline_does_not_veto(session, world, app_ctx):
    _visit(
        session,
        world,
        all_answers(L2="not_met"),
        key="minor",
        orders=[services.OrderRequest("L2", serious=False)],
    )
    later = _visit(
        session, world, all_answers(L2="not_met"), key="later", now=NOW + timedelta(days=60)
    )
    assert later.vetoes == []


def test_no_order_on_a_met_item(session, world, app_ctx):
    _visit(session, world, all_answers(), key="ok", orders=[services.OrderRequest("F2")])
    assert services.open_orders_for_unit(session, world.unit_a) == []


def test_signed_record_cannot_be_amended_only_corrected(session, world, failed_f1):
    first, _orders = failed_f1
    services.amend_note(session, inspection=first, actor=None, note="补充说明")
    services.sign_inspection(
        session, inspection=first, actor=None, signer="party", name="扎西", image=None, now=NOW
    )
    with pytest.raises(Conflict):
        services.amend_note(session, inspection=first, actor=None, note="改动")
    assert first.notes[""] == "补充说明"
    correction = services.record_inspection(
        session,
        unit=world.unit_a,
        inspector=world.users["inspector_a"],
        client_key="correction",
        answers=all_answers(),
        vetoes=[],
        notes={},
        outcome="completed",
        now=NOW,
        corrects=first,
    )
    assert correction.corrects_id == first.id and correction.id != first.id
