"""The daily run plans only the units that need it, and ends where a full pass would.

Which units need a run on which day is read off the calendar by hand (February and March
2027: 1 February and 1 March are Mondays, the 16th starts a half month), not from the
planner. The full pass over every unit (``services._run`` without ids), the planner the
laws in tests/schedules were proven on, is the reference the incremental run must match.
"""

from __future__ import annotations

from datetime import date, timedelta
from random import Random

from sqlalchemy import select
from sqlmodel import Session

from rentals.auth.models import Role
from rentals.register.models import Unit
from rentals.tasks import services
from rentals.tasks.models import Task
from tests import factories


def _three_units(session: Session) -> dict[int, Unit]:
    area = factories.make_area(session)
    factories.make_user(session, Role.INSPECTOR, areas=(area,))
    units = {}
    for stars in (3, 2, 1):
        unit = factories.make_unit(session, area)
        unit.stars = stars
        session.add(unit)
        units[stars] = unit
    session.flush()
    return units


def test_a_day_without_a_period_start_plans_no_unit(app, session):
    with app.app_context():
        _three_units(session)
        first = services.plan(session, today=date(2027, 2, 3))  # a Wednesday
        assert (first.created, first.units) == (6, 3)
        for day in (date(2027, 2, 3), date(2027, 2, 4), date(2027, 2, 5)):
            report = services.plan(session, today=day)
            assert (report.units, report.created) == (0, 0), day


def test_a_boundary_day_plans_only_the_units_whose_period_starts(app, session):
    with app.app_context():
        units = _three_units(session)
        services.plan(session, today=date(2027, 2, 3))
        # Monday 8 February: a new ISO week; only the one-star unit needs next week's task.
        monday = services.plan(session, today=date(2027, 2, 8))
        assert (monday.units, monday.created) == (1, 1)
        weekly = set(session.scalars(select(Task.period_key).where(Task.unit_id == units[1].id)))
        assert "2027-W07" in weekly
        assert services.plan(session, today=date(2027, 2, 15)).units == 1  # a Monday
        # Tuesday 16 February: the second half month; only the two-star unit.
        half = services.plan(session, today=date(2027, 2, 16))
        assert (half.units, half.created) == (1, 1)
        halves = set(session.scalars(select(Task.period_key).where(Task.unit_id == units[2].id)))
        assert "2027-03-H1" in halves
        assert services.plan(session, today=date(2027, 2, 22)).units == 1  # a Monday
        # Monday 1 March: a month, a half month and a week start together.
        march = services.plan(session, today=date(2027, 3, 1))
        assert (march.units, march.created) == (3, 3)


def test_a_rating_changed_behind_the_planners_back_is_found_the_next_day(app, session):
    with app.app_context():
        units = _three_units(session)
        services.plan(session, today=date(2027, 2, 3))
        units[3].stars = 1  # e.g. written by an import: no plan_unit_now
        session.add(units[3])
        session.flush()
        report = services.plan(session, today=date(2027, 2, 4))
        assert report.units == 1
        keys = set(
            session.scalars(
                select(Task.period_key).where(
                    Task.unit_id == units[3].id, Task.status != "cancelled"
                )
            )
        )
        # This week's and next week's tasks (ISO week 5 holds 4 February 2027).
        assert {"2027-W05", "2027-W06"} <= keys


def _tasks(session: Session) -> set[tuple]:
    return set(
        session.execute(
            select(Task.unit_id, Task.kind, Task.period_key, Task.start, Task.due, Task.status)
        ).all()
    )


def _history(session: Session, seed: int, *, incremental: bool) -> set[tuple]:
    """Ninety days of rating changes, withdrawals and returns, planned every day but some."""
    rng = Random(seed)
    area = factories.make_area(session)
    factories.make_user(session, Role.INSPECTOR, areas=(area,))
    units = []
    for _ in range(12):
        unit = factories.make_unit(session, area)
        unit.stars = rng.choice([3, 2, 1, 0, None])
        session.add(unit)
        units.append(unit)
    session.flush()
    day = date(2027, 1, 27)
    for _ in range(90):
        day += timedelta(days=1)
        for unit in rng.sample(units, 2):
            change = rng.random()
            if change < 0.6:
                unit.stars = rng.choice([3, 2, 1, 0, None])
            elif change < 0.8:
                unit.status = "withdrawn" if unit.status == "active" else "active"
            session.add(unit)
        session.flush()
        if rng.random() < 0.15:
            continue  # the scheduler was down that day
        if incremental:
            services.plan(session, today=day)
        else:
            services._run(session, today=day)
    return _tasks(session)


def test_the_incremental_run_ends_where_a_full_pass_ends(app, session):
    with app.app_context():
        for seed in range(4):
            nested = session.begin_nested()
            full = _history(session, seed, incremental=False)
            nested.rollback()
            nested = session.begin_nested()
            daily = _history(session, seed, incremental=True)
            nested.rollback()
            assert full, seed
            # Unit ids differ between the two runs: compare by the order units were made.
            assert _by_position(daily) == _by_position(full), seed


def _by_position(tasks: set[tuple]) -> set[tuple]:
    order = {unit_id: n for n, unit_id in enumerate(sorted({t[0] for t in tasks}))}
    return {(order[t[0]], *t[1:]) for t in tasks}
