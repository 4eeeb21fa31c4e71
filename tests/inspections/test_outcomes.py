"""Visit outcomes as data (issue 15): only an inspection has item answers.

A refusal asks for a reason and a confirmation, keeps no answers and rates the unit not
rated through veto V2 with an empty breakdown; no access and unit gone rate nothing and
leave the task open; "what changed since last time" skips refusals.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlmodel import select

from rentals.errors import InvalidInput
from rentals.inspections import services
from rentals.inspections.models import Inspection, Outcome
from rentals.ratings.models import Rating
from rentals.tasks.models import Task
from tests.conftest import csrf_token
from tests.inspections.helpers import all_answers, checklist_data, form_fields

#: Friday 4 December 2026, 10:00 in Lhasa (UTC+8).
NOW = datetime(2026, 12, 4, 2, 0, tzinfo=UTC)


def _open(client, unit, query=""):  # type: ignore[no-untyped-def]
    response = client.get(f"/units/{unit.code}/inspect{query}")
    assert response.status_code == 200
    return form_fields(response.get_data(as_text=True))


def _rows(session, model, unit):  # type: ignore[no-untyped-def]
    session.expire_all()
    return session.exec(select(model).where(model.unit_id == unit.id).order_by(model.id)).all()


def _h1_task(session, unit, inspector) -> Task:  # type: ignore[no-untyped-def]
    """The unit's routine task for the first half of December 2026."""
    task = Task(
        unit_id=unit.id,
        period_key="2026-12-H1",
        start=date(2026, 12, 1),
        due=date(2026, 12, 15),
        inspector_id=inspector.id,
    )
    session.add(task)
    session.commit()
    return task


@pytest.fixture
def at_now(monkeypatch):  # type: ignore[no-untyped-def]
    from rentals.inspections import views

    monkeypatch.setattr(views, "_now", lambda: NOW)


def _refusal(fields, **extra):  # type: ignore[no-untyped-def]
    # Answers ticked before "refused" was chosen are posted too: they must not be kept.
    data = checklist_data(fields, all_answers("not_met"), outcome="refused")
    data.update({"refusal_reason": "房东不开门，说不让查", "refusal_confirm": "y", **extra})
    return data


def test_refusal_keeps_no_answers_and_rates_not_rated_without_breakdown(
    login_as, world, session, at_now
):
    task = _h1_task(session, world.unit_a, world.users["inspector_a"])
    client = login_as("inspector_a")
    data = _refusal(_open(client, world.unit_a))
    response = client.post(f"/units/{world.unit_a.code}/inspect", data=data)
    assert response.status_code == 303
    (inspection,) = _rows(session, Inspection, world.unit_a)
    assert inspection.outcome == "refused"
    assert inspection.answers == {} and inspection.vetoes == []
    assert inspection.notes == {"": "房东不开门，说不让查"}
    (rating,) = _rows(session, Rating, world.unit_a)
    assert (rating.status, rating.stars) == ("not_rated", 0)
    assert rating.breakdown["vetoes"] == ["V2"]
    assert rating.breakdown["items"] == [] and rating.breakdown["lost"] == {}
    assert session.get(Task, task.id).status == "done"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "适用不予评定项 V2" in page and "直到下一次完成检查" in page
    assert 'id="answers"' not in page and 'id="changes"' not in page
    assert "不符合" not in page
    assert "检查任务已完成：例行检查，2026-12-01 至 2026-12-15。" in page


@pytest.mark.parametrize(
    ("drop", "field"),
    [("refusal_reason", "err-refusal_reason"), ("refusal_confirm", "err-refusal_confirm")],
)
def test_refusal_needs_a_reason_and_a_confirmation(login_as, world, session, drop, field):
    client = login_as("inspector_a")
    data = _refusal(_open(client, world.unit_a))
    data.pop(drop)
    response = client.post(f"/units/{world.unit_a.code}/inspect", data=data)
    assert response.status_code == 422
    assert f'id="{field}"' in response.get_data(as_text=True)
    assert _rows(session, Inspection, world.unit_a) == []
    assert _rows(session, Rating, world.unit_a) == []


def test_blank_reason_is_refused_by_the_service(app_ctx, world, session):
    with pytest.raises(InvalidInput) as err:
        services.record_inspection(
            session,
            unit=world.unit_a,
            inspector=world.users["inspector_a"],
            client_key="refusal-without-reason",
            answers={},
            vetoes=[],
            notes={},
            outcome=Outcome.REFUSED,
            reason="   ",
            now=NOW,
        )
    assert err.value.field == "refusal_reason"


@pytest.mark.parametrize("outcome", ["no_access", "unit_gone"])
def test_no_access_and_unit_gone_keep_the_task_open_and_rate_nothing(
    login_as, world, session, at_now, outcome
):
    task = _h1_task(session, world.unit_a, world.users["inspector_a"])
    client = login_as("inspector_a")
    data = checklist_data(_open(client, world.unit_a), all_answers(), outcome=outcome)
    response = client.post(f"/units/{world.unit_a.code}/inspect?task={task.id}", data=data)
    assert response.status_code == 303
    (inspection,) = _rows(session, Inspection, world.unit_a)
    assert (inspection.outcome, inspection.answers, inspection.task_id) == (outcome, {}, task.id)
    assert _rows(session, Rating, world.unit_a) == []
    assert session.get(Task, task.id).status == "open"
    assert session.get(type(world.unit_a), world.unit_a.id).status == "active"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "检查任务仍待完成：例行检查，2026-12-01 至 2026-12-15。" in page


def test_unit_gone_proposes_withdrawal_to_a_manager(login_as, world, session, client):
    inspection = services.record_inspection(
        session,
        unit=world.unit_a,
        inspector=world.users["inspector_a"],
        client_key="gone-1",
        answers={},
        vetoes=[],
        notes={"": "整栋已拆除"},
        outcome=Outcome.UNIT_GONE,
        now=NOW,
    )
    session.commit()
    inspector_page = login_as("inspector_a").get(f"/inspections/{inspection.id}")
    assert "已不存在或不再出租" in inspector_page.get_data(as_text=True)
    assert f"/units/{world.unit_a.code}/edit" not in inspector_page.get_data(as_text=True)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/inspect")})
    manager = login_as("manager")
    page = manager.get(f"/inspections/{inspection.id}").get_data(as_text=True)
    assert f"/units/{world.unit_a.code}/edit" in page
    orders = manager.get("/orders").get_data(as_text=True)
    listed = orders[orders.index('id="reported-gone"') :]
    assert f"/units/{world.unit_a.code}/edit" in listed
    assert world.unit_b.code not in listed
    # Once the manager has withdrawn the unit, nothing is left to confirm.
    unit = session.get(type(world.unit_a), world.unit_a.id)
    unit.status = "withdrawn"
    session.add(unit)
    session.commit()
    orders = manager.get("/orders").get_data(as_text=True)
    assert world.unit_a.code not in orders[orders.index('id="reported-gone"') :]


def _visit(session, world, key, outcome, answers=None, *, day):  # type: ignore[no-untyped-def]
    return services.record_inspection(
        session,
        unit=world.unit_a,
        inspector=world.users["inspector_a"],
        client_key=key,
        answers=answers or {},
        vetoes=[],
        notes={},
        outcome=outcome,
        reason="拒绝" if outcome == Outcome.REFUSED else "",
        now=datetime(2026, 12, day, 2, 0, tzinfo=UTC),
    )


def test_what_changed_compares_with_the_last_inspection_not_a_refusal(login_as, world, session):
    _visit(session, world, "v1", Outcome.COMPLETED, all_answers(F2="not_met"), day=1)
    refusal = _visit(session, world, "v2", Outcome.REFUSED, day=2)
    third = _visit(session, world, "v3", Outcome.COMPLETED, all_answers(), day=3)
    session.commit()
    client = login_as("manager")
    page = client.get(f"/inspections/{third.id}").get_data(as_text=True)
    # One item changed since the first visit; the refusal in between is no comparison.
    assert page.count("<li>F2：不符合 → 符合</li>") == 1
    changes = page[page.index('id="changes"') : page.index("</ul>", page.index('id="changes"'))]
    assert changes.count("<li>") == 1
    assert "2026-12-01" in page[page.index("与上次检查") - 10 : page.index('id="changes"')]
    refusal_page = client.get(f"/inspections/{refusal.id}").get_data(as_text=True)
    assert 'id="changes"' not in refusal_page and "与上次检查" not in refusal_page


def test_na_shows_as_not_applicable_on_the_result_page(login_as, world, session):
    visit = _visit(session, world, "na-1", Outcome.COMPLETED, all_answers(F6="na"), day=2)
    session.commit()
    page = login_as("inspector_a").get(f"/inspections/{visit.id}").get_data(as_text=True)
    f6 = page[page.index('<span class="code">F6</span>') :]
    f6 = f6[: f6.index("</li>")]
    assert "不适用" in f6 and "0/6" not in f6 and "0 / 6" not in f6


@pytest.mark.parametrize(
    ("data", "done", "next_visit"),
    [
        # All met: three stars, monthly. The done H1 task serves December; the next
        # task is the next month (BRIEF: a rise keeps its task, slower from the next period).
        ({}, "2026-12-01 至 2026-12-15", "2027-01-01 至 2027-01-31"),
        # S2 and F2 failed: 84 of 100, two stars, half months: next is 16-31 December.
        (
            {"a_S2": "not_met", "a_F2": "not_met"},
            "2026-12-01 至 2026-12-15",
            "2026-12-16 至 2026-12-31",
        ),
        # A refusal: not rated, weekly, at once: the current ISO week, Mon 30 Nov - Sun 6 Dec.
        (
            {
                "outcome": "refused",
                "refusal_reason": "不让进门",
                "refusal_confirm": "y",
            },
            "2026-12-01 至 2026-12-15",
            "2026-11-30 至 2026-12-06",
        ),
    ],
)
def test_result_page_says_the_task_is_done_and_when_the_next_visit_is(
    login_as, world, session, at_now, data, done, next_visit
):
    _h1_task(session, world.unit_a, world.users["inspector_a"])
    client = login_as("inspector_a")
    posted = {**checklist_data(_open(client, world.unit_a), all_answers()), **data}
    response = client.post(f"/units/{world.unit_a.code}/inspect", data=posted)
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"检查任务已完成：例行检查，{done}。" in page
    assert f"下次检查：例行检查，{next_visit} 之间。" in page


def test_after_a_refusal_the_checklist_and_the_list_show_no_score(login_as, world, session):
    _visit(session, world, "r1", Outcome.REFUSED, day=2)
    session.commit()
    client = login_as("inspector_a")
    checklist = client.get(f"/units/{world.unit_a.code}/inspect").get_data(as_text=True)
    head = checklist[: checklist.index('id="checklist"')]
    assert "上次检查" in head and "分" not in head.split("上次检查")[1].split("</p>")[0]
    found = client.get(f"/inspect?q={world.unit_a.code}").get_data(as_text=True)
    assert "拒绝检查" in found and "0.0" not in found
