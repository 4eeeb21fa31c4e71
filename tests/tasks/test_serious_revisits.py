"""A serious hazard is revisited at the scorecard's short interval until its order closes.

Windows are worked out by hand from the order's day (1 March 2027, Lhasa time): with the
default three days, window 1 runs 4-6 March, window 2 7-9 March; window 0 is the visit
that issued the order, so nothing is due before 4 March.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlmodel import select

from rentals.inspections import services
from rentals.ratings.services import activate_scorecard, upload_scorecard
from rentals.tasks import services as tasks
from rentals.tasks.models import Task
from scoring import ScorecardError, dump_scorecard, load_scorecard
from scoring.default import default_scorecard
from tests.inspections.helpers import all_answers

#: 10:00 in Lhasa on 1 March 2027.
NOW = datetime(2027, 3, 1, 2, 0, tzinfo=UTC)


def _visit(session, world, answers, *, key, serious=True, now=NOW):  # type: ignore[no-untyped-def]
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
        orders=[services.OrderRequest("F1", serious=serious, note="灭火器过期")],
    )


def _revisits(session, world) -> list[tuple[str, date, date, str]]:  # type: ignore[no-untyped-def]
    rows = session.exec(
        select(Task).where(Task.unit_id == world.unit_a.id, Task.period_key.like("S%"))
    )
    return sorted((t.period_key, t.start, t.due, t.status) for t in rows)


def _order_id(session, world) -> int:  # type: ignore[no-untyped-def]
    (order,) = services.open_orders_for_unit(session, world.unit_a)
    return order.id  # type: ignore[return-value]


def test_an_open_serious_order_gets_a_visit_every_three_days(session, world, app_ctx):
    _visit(session, world, all_answers(F1="not_met"), key="first")
    order = _order_id(session, world)
    for day in (date(2027, 3, 1), date(2027, 3, 2), date(2027, 3, 3)):
        tasks.plan(session, today=day)
    assert _revisits(session, world) == []
    tasks.plan(session, today=date(2027, 3, 4))
    tasks.plan(session, today=date(2027, 3, 5))  # the same window: nothing new
    assert _revisits(session, world) == [
        (f"S{order}-1", date(2027, 3, 4), date(2027, 3, 6), "open")
    ]
    tasks.plan(session, today=date(2027, 3, 8))
    assert [key for key, *_ in _revisits(session, world)] == [f"S{order}-1", f"S{order}-2"]
    assert _revisits(session, world)[1][1:3] == (date(2027, 3, 7), date(2027, 3, 9))


def test_a_closed_order_is_not_revisited_and_its_coming_visit_is_cancelled(session, world, app_ctx):
    _visit(session, world, all_answers(F1="not_met"), key="first")
    order = _order_id(session, world)
    tasks.plan(session, today=date(2027, 3, 4))
    fixed = datetime(2027, 3, 4, 3, 0, tzinfo=UTC)
    services.record_inspection(
        session,
        unit=world.unit_a,
        inspector=world.users["inspector_a"],
        client_key="fixed",
        answers=all_answers(),
        vetoes=[],
        notes={},
        outcome="completed",
        now=fixed,
    )
    statuses = {key: status for key, _start, _due, status in _revisits(session, world)}
    # The visit that found it fixed did the window's task, or the task was cancelled.
    assert statuses[f"S{order}-1"] in {"done", "cancelled"}
    tasks.plan(session, today=date(2027, 3, 10))
    assert [key for key, *_ in _revisits(session, world)] == [f"S{order}-1"]


def test_an_order_that_is_not_serious_waits_for_its_deadline(session, world, app_ctx):
    _visit(session, world, all_answers(F1="not_met"), key="first", serious=False)
    tasks.plan(session, today=date(2027, 3, 7))
    assert _revisits(session, world) == []


def test_the_scorecard_sets_the_interval(session, world, app_ctx):
    text = dump_scorecard(default_scorecard()).replace("version = 1", "version = 2", 1)
    text = text.replace("version = 2", "version = 2\nserious_revisit_days = 5", 1)
    version = upload_scorecard(session, actor=None, text=text)
    activate_scorecard(session, actor=None, version=version, start=NOW.date(), today=NOW.date())
    _visit(session, world, all_answers(F1="not_met"), key="first")
    order = _order_id(session, world)
    tasks.plan(session, today=date(2027, 3, 5))
    assert _revisits(session, world) == []  # 1-5 March is window 0 with five days
    tasks.plan(session, today=date(2027, 3, 6))
    assert _revisits(session, world) == [
        (f"S{order}-1", date(2027, 3, 6), date(2027, 3, 10), "open")
    ]


@pytest.mark.parametrize("days", [0, 31, -3, 10**20])
def test_an_interval_out_of_bounds_is_refused(days):
    text = dump_scorecard(default_scorecard())
    with pytest.raises(ScorecardError) as err:
        load_scorecard(text.replace("version = 1", f"version = 1\nserious_revisit_days = {days}"))
    assert any("serious_revisit_days" in str(p) for p in err.value.problems)


def test_the_interval_survives_a_dump_and_defaults_to_three():
    assert default_scorecard().serious_revisit_days == 3
    text = dump_scorecard(default_scorecard())
    assert "serious_revisit_days" not in text
    card = load_scorecard(text.replace("version = 1", "version = 1\nserious_revisit_days = 7"))
    assert card.serious_revisit_days == 7
    assert load_scorecard(dump_scorecard(card)).serious_revisit_days == 7
