"""Laws of periods and of the planner (see schedules/periods.py and planner.py).

- every day lies in exactly one period of each cadence;
- consecutive periods tile time: ``p.next().start == p.due + 1 day``;
- ``period_from_key(p.key) == p``, and equal keys mean equal periods;
- planning twice equals planning once, over random rating histories;
- tasks that ended before ``history_cutoff(today)`` never change a plan;
- run daily with a steady cadence, the planner only ever adds the next period.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from schedules import (
    Cadence,
    ExistingTask,
    Period,
    Stars,
    TaskStatus,
    UnitPlan,
    apply_plan,
    cadence_for,
    history_cutoff,
    period_for,
    period_from_key,
    period_of,
    plan_unit,
)
from tests.property.date_strategies import cadences, days, rating_histories

ONE_DAY = timedelta(days=1)
#: Inclusive day counts each cadence's periods may have.
LENGTHS = {
    Cadence.WEEKLY: {7},
    Cadence.FORTNIGHTLY: {13, 14, 15, 16},
    Cadence.MONTHLY: {28, 29, 30, 31},
}


def previous(period: Period) -> Period:
    return period_of(period.cadence, period.start - ONE_DAY)


@given(cadences, days())
def test_a_day_lies_in_its_period_and_in_no_neighbour(cadence: Cadence, day: date) -> None:
    period = period_of(cadence, day)
    assert period.cadence is cadence
    assert period.contains(day)
    assert (period.due - period.start).days + 1 in LENGTHS[cadence]
    # Every day of the period maps back to the very same period ...
    assert period_of(cadence, period.start) == period == period_of(cadence, period.due)
    # ... and the periods on either side hold none of it.
    assert not period.next().contains(day)
    assert not previous(period).contains(day)
    assert len({previous(period).key, period.key, period.next().key}) == 3


@given(cadences, days(), days())
def test_two_days_share_a_key_exactly_when_they_share_a_period(
    cadence: Cadence, one: date, other: date
) -> None:
    first, second = period_of(cadence, one), period_of(cadence, other)
    assert (first.key == second.key) == (first == second) == first.contains(other)


@given(cadences, days())
def test_consecutive_periods_tile_without_gap_or_overlap(cadence: Cadence, day: date) -> None:
    period = period_of(cadence, day)
    following = period.next()
    assert following.cadence is cadence
    assert following.start == period.due + ONE_DAY
    assert previous(following) == period


@pytest.mark.parametrize("cadence", list(Cadence))
@pytest.mark.parametrize(
    ("first", "last"),
    [
        # Leap years 2020, 2024, 2028; ISO years 2020 and 2026 have a week 53.
        (date(2019, 12, 1), date(2029, 1, 31)),
        # 2100 is not a leap year.
        (date(2099, 12, 1), date(2101, 1, 31)),
    ],
)
def test_every_day_of_a_decade_is_covered_once_by_walking_next(
    cadence: Cadence, first: date, last: date
) -> None:
    period = period_of(cadence, first)
    day = period.start
    keys: list[str] = []
    while day <= last:
        keys.append(period.key)
        while day <= period.due:
            assert period_of(cadence, day) == period
            day += ONE_DAY
        period = period.next()
        assert period.start == day
    assert len(keys) == len(set(keys))


@given(cadences, days())
def test_a_key_parses_back_to_its_period(cadence: Cadence, day: date) -> None:
    period = period_of(cadence, day)
    assert period_from_key(period.key) == period


@given(st.text(alphabet="0123456789-WH", max_size=11))
def test_a_parsed_key_is_the_canonical_key_of_its_period(text: str) -> None:
    try:
        period = period_from_key(text)
    except ValueError:
        return
    assert period.key == text
    assert period_of(period.cadence, period.start) == period


def is_served(tasks: tuple[ExistingTask, ...], period: Period, today: date) -> bool:
    """A live task of the period's cadence or a faster one has started and overlaps it."""
    return any(
        task.status is not TaskStatus.CANCELLED
        and task.start <= today
        and task.start <= period.due
        and task.due >= period.start
        and period_from_key(task.period_key).cadence.per_four_weeks >= period.cadence.per_four_weeks
        for task in tasks
    )


def visit(
    tasks: tuple[ExistingTask, ...], today: date, inspected: bool
) -> tuple[ExistingTask, ...]:
    """What the edge does before planning: mark late tasks overdue, visits done."""
    changed = []
    for task in tasks:
        if task.status in (TaskStatus.OPEN, TaskStatus.OVERDUE):
            if inspected and task.start <= today <= task.due:
                task = replace(task, status=TaskStatus.DONE)
            elif task.due < today:
                task = replace(task, status=TaskStatus.OVERDUE)
        changed.append(task)
    return tuple(changed)


@given(rating_histories())
def test_planning_twice_equals_planning_once(history: list[tuple[date, Stars, bool]]) -> None:
    tasks: tuple[ExistingTask, ...] = ()
    stretch: list[date] = []  # planning days since the rating last changed
    for position, (today, stars, inspected) in enumerate(history):
        if position and stars != history[position - 1][1]:
            stretch = []
        stretch.append(today)
        tasks = visit(tasks, today, inspected)
        plan = plan_unit(stars, today, tasks)
        recent = [t for t in tasks if t.due >= history_cutoff(today)]
        assert plan_unit(stars, today, recent) == plan
        once = apply_plan(tasks, plan)
        assert plan_unit(stars, today, once).is_empty
        tasks = once

        current = period_for(stars, today)
        assert is_served(tasks, current, today)
        live = {t.period_key for t in tasks if t.status is not TaskStatus.CANCELLED}
        assert current.next().key in live
        # Open future tasks are all of the unit's own cadence.
        assert all(
            period_from_key(t.period_key).cadence is cadence_for(stars)
            for t in tasks
            if t.status is TaskStatus.OPEN and t.start > today
        )
        # A rerun for an earlier day of the same rating changes nothing.
        for earlier in stretch:
            assert plan_unit(stars, earlier, tasks).is_empty


@given(rating_histories(max_gap_days=1))
def test_on_daily_runs_a_steady_cadence_only_ever_adds_the_next_period(
    history: list[tuple[date, Stars, bool]],
) -> None:
    tasks: tuple[ExistingTask, ...] = ()
    for position, (today, stars, inspected) in enumerate(history):
        tasks = visit(tasks, today, inspected)
        plan = plan_unit(stars, today, tasks)
        steady = position > 0 and cadence_for(stars) is cadence_for(history[position - 1][1])
        if steady:
            assert plan.is_empty or plan == UnitPlan((period_for(stars, today).next(),))
        tasks = apply_plan(tasks, plan)
