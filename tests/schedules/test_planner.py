"""The routine-task planner: steady units, rating changes, reruns and the Zhaxi month."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import date, timedelta
from enum import IntEnum

import pytest

from schedules import (
    Cadence,
    ExistingTask,
    Stars,
    TaskStatus,
    UnitPlan,
    apply_plan,
    four_week_workload,
    history_cutoff,
    period_from_key,
    plan_unit,
    plan_units,
)

Tasks = tuple[ExistingTask, ...]


def task(key: str, status: str = "open") -> ExistingTask:
    return ExistingTask.from_period(period_from_key(key), TaskStatus(status))


def planned(stars: Stars, days: Iterable[date], tasks: Tasks = ()) -> Tasks:
    """The unit's tasks after the planner ran on each of ``days`` in turn."""
    for day in days:
        tasks = apply_plan(tasks, plan_unit(stars, day, tasks))
    return tasks


def mark(tasks: Tasks, key: str, status: str) -> Tasks:
    return tuple(replace(t, status=TaskStatus(status)) if t.period_key == key else t for t in tasks)


def created(plan: UnitPlan) -> list[str]:
    return [period.key for period in plan.to_create]


def status_of(tasks: Tasks) -> dict[str, str]:
    return {t.period_key: t.status.value for t in tasks}


def days_between(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


FEB_3 = date(2027, 2, 3)
FEBRUARY = days_between(date(2027, 2, 1), date(2027, 2, 28))


# -- steady units ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("stars", "keys"),
    [
        (3, ["2027-02", "2027-03"]),
        (2, ["2027-02-H1", "2027-02-H2"]),
        (1, ["2027-W05", "2027-W06"]),
    ],
)
def test_a_new_unit_gets_the_current_and_the_next_period(stars: int, keys: list[str]) -> None:
    plan = plan_unit(stars, FEB_3, [])
    assert created(plan) == keys
    assert plan.to_cancel == plan.to_reopen == ()


@pytest.mark.parametrize("stars", [0, None])
def test_not_rated_and_not_yet_rated_units_are_inspected_weekly(stars: Stars) -> None:
    assert created(plan_unit(stars, FEB_3, [])) == ["2027-W05", "2027-W06"]


def test_a_steady_unit_needs_nothing_more_until_its_next_period_starts() -> None:
    tasks = planned(2, [date(2027, 2, 1)])
    for day in days_between(date(2027, 2, 1), date(2027, 2, 15)):
        assert plan_unit(2, day, tasks).is_empty
    plan = plan_unit(2, date(2027, 2, 16), tasks)
    assert created(plan) == ["2027-03-H1"]
    assert plan.to_cancel == plan.to_reopen == ()


def test_done_and_overdue_tasks_still_count_as_existing() -> None:
    tasks = (task("2027-02-H1", "done"), task("2027-02-H2", "overdue"))
    assert plan_unit(2, FEB_3, tasks).is_empty


def test_tasks_that_ended_before_today_are_history_and_never_touched() -> None:
    history = (task("2026-12", "cancelled"), task("2027-01", "open"), task("2027-W04", "open"))
    plan = plan_unit(3, FEB_3, history)
    assert created(plan) == ["2027-02", "2027-03"]
    assert plan.to_cancel == plan.to_reopen == ()


@pytest.mark.parametrize(
    ("today", "cutoff"),
    [
        (date(2027, 2, 3), date(2027, 2, 1)),
        (date(2027, 2, 20), date(2027, 2, 1)),
        (date(2027, 4, 1), date(2027, 3, 29)),  # 2027-W13 began in March
        (date(2027, 1, 1), date(2026, 12, 28)),
    ],
)
def test_history_cutoff_is_the_earliest_start_of_a_current_period(
    today: date, cutoff: date
) -> None:
    assert history_cutoff(today) == cutoff


# -- the Zhaxi month ------------------------------------------------------------

ZHAXI = {3: 13, 2: 141, 1: 6}
ZHAXI_UNITS = [(f"{stars}-star-{n}", stars) for stars, count in ZHAXI.items() for n in range(count)]


def plan_days(days: Iterable[date], existing: dict[str, Tasks]) -> int:
    """Run the planner for all Zhaxi units on each day; count the non-empty plans."""
    changed = 0
    for day in days:
        for unit_id, plan in plan_units(ZHAXI_UNITS, day, existing):
            existing[unit_id] = apply_plan(existing.get(unit_id, ()), plan)
            changed += 1
    return changed


def test_february_2027_takes_319_inspections_and_a_second_run_plans_nothing() -> None:
    assert date(2027, 2, 1).isoweekday() == 1  # weeks W05-W08 lie wholly in February
    existing: dict[str, Tasks] = {}
    plan_days(FEBRUARY, existing)

    due_in_february = [
        t
        for tasks in existing.values()
        for t in tasks
        if t.status is not TaskStatus.CANCELLED and t.due.month == 2
    ]
    by_cadence = dict.fromkeys(Cadence, 0)
    for t in due_in_february:
        by_cadence[period_from_key(t.period_key).cadence] += 1
    assert by_cadence == {Cadence.MONTHLY: 13, Cadence.FORTNIGHTLY: 282, Cadence.WEEKLY: 24}
    assert len(due_in_february) == 319 == four_week_workload(ZHAXI)["total"]
    assert all(t.status is not TaskStatus.CANCELLED for ts in existing.values() for t in ts)
    assert {t.period_key for t in existing["1-star-0"]} == {
        "2027-W05",
        "2027-W06",
        "2027-W07",
        "2027-W08",
        "2027-W09",
    }

    before = dict(existing)
    assert plan_days(FEBRUARY, existing) == 0
    assert existing == before


# -- rating changes -------------------------------------------------------------


def test_a_drop_to_one_star_gets_this_weeks_task_at_once_and_cancels_the_half_month() -> None:
    tasks = planned(2, [date(2027, 2, 1)])
    plan = plan_unit(1, FEB_3, tasks)
    assert created(plan) == ["2027-W05", "2027-W06"]
    assert plan.to_cancel == ("2027-02-H1", "2027-02-H2")
    assert plan.to_reopen == ()
    assert plan_unit(1, FEB_3, apply_plan(tasks, plan)).is_empty


def test_a_drop_after_the_visit_that_caused_it_keeps_that_visit_done() -> None:
    tasks = mark(planned(2, [date(2027, 2, 1)]), "2027-02-H1", "done")
    plan = plan_unit(1, FEB_3, tasks)
    assert created(plan) == ["2027-W05", "2027-W06"]
    assert plan.to_cancel == ("2027-02-H2",)


def test_a_drop_on_the_last_week_of_the_month_still_gets_a_weekly_task() -> None:
    # The monthly task ends on the same day as the week, but it was done on
    # 5 February: the week of the drop needs its own inspection.
    tasks = mark(planned(3, [date(2027, 2, 1)]), "2027-02", "done")
    plan = plan_unit(1, date(2027, 2, 22), tasks)
    assert created(plan) == ["2027-W08", "2027-W09"]
    assert plan.to_cancel == ("2027-03",)

    open_month = planned(3, [date(2027, 2, 1)])
    plan = plan_unit(0, date(2027, 2, 22), open_month)
    assert created(plan) == ["2027-W08", "2027-W09"]
    assert plan.to_cancel == ("2027-02", "2027-03")


def test_a_rise_keeps_the_current_task_and_the_slower_cadence_starts_next_period() -> None:
    tasks = planned(2, [date(2027, 2, 1)])
    plan = plan_unit(3, FEB_3, tasks)
    assert created(plan) == ["2027-03"]
    assert plan.to_cancel == ("2027-02-H2",)
    assert plan.to_reopen == ()

    tasks = apply_plan(tasks, plan)
    assert status_of(tasks) == {"2027-02-H1": "open", "2027-02-H2": "cancelled", "2027-03": "open"}
    for day in days_between(FEB_3, date(2027, 2, 28)):
        assert plan_unit(3, day, tasks).is_empty
    assert created(plan_unit(3, date(2027, 3, 1), tasks)) == ["2027-04"]


def test_a_rise_from_weekly_keeps_a_week_that_crosses_the_month_end() -> None:
    tasks = planned(1, [date(2027, 3, 29)])  # 2027-W13 runs 29 March to 4 April
    plan = plan_unit(3, date(2027, 3, 30), tasks)
    assert created(plan) == ["2027-04"]
    assert plan.to_cancel == ("2027-W14",)

    tasks = planned(1, [date(2027, 2, 15)])  # 2027-W07 runs 15 to 21 February
    plan = plan_unit(2, date(2027, 2, 15), tasks)
    assert created(plan) == ["2027-02-H2"]
    assert plan.to_cancel == ("2027-W08",)


def test_a_rise_then_a_fall_back_reopens_the_cancelled_half_month() -> None:
    tasks = planned(3, [FEB_3], planned(2, [date(2027, 2, 1)]))
    plan = plan_unit(2, date(2027, 2, 4), tasks)
    assert plan.to_create == ()
    assert plan.to_reopen == ("2027-02-H2",)
    assert plan.to_cancel == ("2027-03",)
    assert status_of(apply_plan(tasks, plan))["2027-02-H2"] == "open"


def test_a_drop_then_a_rise_keeps_the_week_and_reopens_the_next_half_month() -> None:
    tasks = planned(1, [FEB_3], planned(2, [date(2027, 2, 1)]))
    plan = plan_unit(2, date(2027, 2, 4), tasks)
    assert plan.to_create == ()
    assert plan.to_reopen == ("2027-02-H2",)
    assert plan.to_cancel == ("2027-W06",)


def test_a_cancelled_current_period_is_reopened_not_created() -> None:
    tasks = (task("2027-W05", "cancelled"), task("2027-W06"))
    plan = plan_unit(1, FEB_3, tasks)
    assert plan.to_create == ()
    assert plan.to_reopen == ("2027-W05",)


# -- reruns ---------------------------------------------------------------------


def test_a_rerun_for_an_earlier_day_changes_nothing() -> None:
    tasks = planned(1, days_between(date(2027, 2, 1), date(2027, 2, 10)))
    assert [t.period_key for t in tasks] == ["2027-W05", "2027-W06", "2027-W07"]
    for day in days_between(date(2027, 2, 1), date(2027, 2, 10)):
        assert plan_unit(1, day, tasks).is_empty


# -- plan_units -----------------------------------------------------------------


class StarLevel(IntEnum):
    ONE = 1
    THREE = 3


def test_plan_units_agrees_with_plan_unit_and_yields_only_changes() -> None:
    steady = planned(2, [FEB_3])
    risen = planned(3, [FEB_3], steady)
    existing: dict[str, Tasks] = {
        "steady": steady,
        "drops": steady,
        "rises": steady,
        "risen": risen,
        "history": (task("2027-01", "done"), *steady),
    }
    units: list[tuple[str, Stars]] = [
        ("steady", 2),
        ("drops", 1),
        ("rises", StarLevel.THREE),
        ("risen", 3),
        ("history", 2),
        ("new", None),
        ("vetoed", 0),
    ]
    expected = {
        unit_id: plan_unit(stars, FEB_3, existing.get(unit_id, ())) for unit_id, stars in units
    }
    plans = dict(plan_units(units, FEB_3, existing))
    assert plans == {unit_id: plan for unit_id, plan in expected.items() if not plan.is_empty}
    assert sorted(plans) == ["drops", "new", "rises", "vetoed"]


@pytest.mark.parametrize("stars", [4, -1, True, 2.0])
def test_plan_units_refuses_a_bad_rating(stars: object) -> None:
    with pytest.raises(ValueError, match="stars"):
        list(plan_units([("u", stars)], FEB_3, {}))  # type: ignore[list-item]
    with pytest.raises(ValueError, match="stars"):
        plan_unit(stars, FEB_3, ())  # type: ignore[arg-type]


# -- apply_plan and the task record ---------------------------------------------


def test_apply_plan_refuses_what_the_database_would() -> None:
    tasks = (task("2027-W05", "done"), task("2027-W06", "cancelled"))
    week_5 = period_from_key("2027-W05")
    with pytest.raises(ValueError, match="already has"):
        apply_plan(tasks, UnitPlan(to_create=(week_5,)))
    with pytest.raises(ValueError, match="cannot cancel"):
        apply_plan(tasks, UnitPlan(to_cancel=("2027-W05",)))
    with pytest.raises(ValueError, match="cannot reopen"):
        apply_plan(tasks, UnitPlan(to_reopen=("2027-W05",)))
    with pytest.raises(ValueError, match="no task"):
        apply_plan(tasks, UnitPlan(to_cancel=("2027-W07",)))
    with pytest.raises(ValueError, match="repeat"):
        apply_plan((*tasks, task("2027-W05")), UnitPlan())


def test_apply_plan_creates_open_tasks_and_reopens_cancelled_ones() -> None:
    tasks = (task("2027-W05"), task("2027-W06", "cancelled"))
    plan = UnitPlan((period_from_key("2027-W07"),), ("2027-W05",), ("2027-W06",))
    assert status_of(apply_plan(tasks, plan)) == {
        "2027-W05": "cancelled",
        "2027-W06": "open",
        "2027-W07": "open",
    }


def test_task_status_may_be_given_as_text_but_must_be_known() -> None:
    record = ExistingTask("2027-W05", date(2027, 2, 1), date(2027, 2, 7), "done")  # type: ignore[arg-type]
    assert record.status is TaskStatus.DONE
    with pytest.raises(ValueError, match="finished"):
        ExistingTask("2027-W05", date(2027, 2, 1), date(2027, 2, 7), "finished")  # type: ignore[arg-type]


# -- four-week workload -----------------------------------------------------------


def test_four_weeks_of_zhaxi_is_319_inspections() -> None:
    assert four_week_workload(ZHAXI) == {3: 13, 2: 282, 1: 24, "total": 319}


def test_not_rated_and_not_yet_rated_units_count_weekly_in_the_workload() -> None:
    assert four_week_workload({0: 2, None: 3}) == {0: 8, None: 12, "total": 20}


@pytest.mark.parametrize("counts", [{3: -1}, {4: 1}, {2: 1.5}, {1: True}])
def test_four_week_workload_refuses_bad_counts(counts: dict[Stars, int]) -> None:
    with pytest.raises(ValueError):
        four_week_workload(counts)
