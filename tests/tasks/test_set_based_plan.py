"""The set-based first plan (one INSERT … SELECT) gives what the Python planner gives.

Random units (ratings 3/2/1/0/None, some withdrawn or vacant, some with old history or
live tasks already), random days and inspectors with unequal starting loads: the task
table after ``services._run`` (the full Python pass the laws were proven on) and after
``services.plan`` forced onto the set-based path must be the same, inspectors included
where every inspector serves one area; when one inspector serves two areas, the tasks
still match and every task goes to an inspector of its unit's area (likewise when some
units already hold routine tasks: see ``_compare``).
"""

from __future__ import annotations

from datetime import date, timedelta
from random import Random

import pytest
from sqlalchemy import select
from sqlmodel import Session

from rentals.auth.models import Role, UserArea
from rentals.register.models import Unit
from rentals.tasks import services
from rentals.tasks.models import Task
from tests import factories


def _tasks(session: Session, *, with_inspector: bool) -> set[tuple]:
    """Every task, units and inspectors numbered from the first one made (ids differ
    between the two runs on PostgreSQL, whose sequences do not roll back)."""
    session.flush()
    columns = [Task.unit_id, Task.kind, Task.period_key, Task.start, Task.due, Task.status]
    columns.append(Task.stars_at_planning)
    columns.append(Task.inspector_id)
    rows = session.execute(select(*columns)).all()
    first_unit = min(row[0] for row in rows)
    first_user = min((row[-1] for row in rows if row[-1] is not None), default=0)
    return {
        (
            row[0] - first_unit,
            *row[1:-1],
            *((None if row[-1] is None else row[-1] - first_user,) if with_inspector else ()),
        )
        for row in rows
    }


def _world(
    session: Session, rng: Random, *, shared_inspector: bool, history: bool
) -> tuple[date, list[Unit]]:
    areas = [factories.make_area(session) for _ in range(3)]
    inspectors = []
    for area in areas:
        for _ in range(rng.randint(1, 3)):
            inspectors.append(factories.make_user(session, Role.INSPECTOR, areas=(area,)))
    factories.make_area(session)  # an area nobody serves: its tasks get no inspector
    if shared_inspector:
        session.add(UserArea(user_id=inspectors[0].id, area_id=areas[-1].id))
    units = []
    for _ in range(rng.randint(20, 40)):
        unit = factories.make_unit(session, rng.choice(areas))
        unit.stars = rng.choice([3, 2, 1, 0, None])
        unit.status = rng.choice(["active"] * 6 + ["withdrawn", "vacant"])
        session.add(unit)
        units.append(unit)
    session.flush()
    today = date(2026, 12, 20) + timedelta(days=rng.randint(0, 120))
    # Unequal loads: live follow-ups (they do not count as a unit's routine tasks).
    for n, inspector in enumerate(inspectors):
        for k in range(rng.randint(0, 5)):
            session.add(
                Task(
                    unit_id=units[0].id,
                    kind="follow_up",
                    period_key=f"F{n}-{k}",
                    start=today,
                    due=today,
                    inspector_id=inspector.id,
                )
            )
    # Some units hold history that no longer matters, some a plan made weeks ago.
    for unit in rng.sample(units, 5 if history else 0):
        services._run(session, today=today - timedelta(days=70), unit_ids=[unit.id])
    for unit in rng.sample(units, 4 if history else 0):
        services._run(session, today=today - timedelta(days=rng.randint(1, 20)), unit_ids=[unit.id])
    session.flush()
    return today, units


def _compare(app, session: Session, seed: int, *, shared_inspector: bool, history: bool) -> None:  # type: ignore[no-untyped-def]
    """Inspectors are compared when each serves one area and no unit has live routine
    tasks: otherwise the Python pass interleaves those units' picks with the new units'
    picks in id order, while the set-based plan assigns the new units first."""
    exact = not shared_inspector and not history
    with app.app_context():
        nested = session.begin_nested()
        today, _units = _world(
            session, Random(seed), shared_inspector=shared_inspector, history=history
        )
        services._run(session, today=today)
        python = _tasks(session, with_inspector=exact)
        nested.rollback()
        nested = session.begin_nested()
        today, units = _world(
            session, Random(seed), shared_inspector=shared_inspector, history=history
        )
        report = services.plan(session, today=today)
        sql = _tasks(session, with_inspector=exact)
        served = {(row.user_id, row.area_id) for row in session.scalars(select(UserArea)).all()}
        area_of = {u.id: u.area_id for u in units}
        for task in session.scalars(select(Task).where(Task.kind == "routine")):
            if task.inspector_id is not None:
                assert (task.inspector_id, area_of[task.unit_id]) in served
        nested.rollback()
        assert report.created > 0
        assert sql == python, seed


@pytest.fixture
def set_based(monkeypatch):  # type: ignore[no-untyped-def]
    calls = []
    real = services._plan_fresh

    def spy(session, *, today):  # type: ignore[no-untyped-def]
        report = real(session, today=today)
        calls.append(report)
        return report

    monkeypatch.setattr(services, "SET_BASED_UNITS", 0)
    monkeypatch.setattr(services, "_plan_fresh", spy)
    return calls


@pytest.mark.parametrize("seed", range(6))
def test_the_set_based_plan_equals_the_python_plan(app, session, set_based, seed):
    _compare(app, session, seed, shared_inspector=False, history=False)
    assert set_based and set_based[0].created > 0


@pytest.mark.parametrize("seed", range(6))
def test_units_with_history_are_planned_alike(app, session, set_based, seed):
    _compare(app, session, seed, shared_inspector=False, history=True)
    assert set_based and set_based[0].created > 0


@pytest.mark.parametrize("seed", range(3))
def test_an_inspector_of_two_areas_gets_only_their_tasks(app, session, set_based, seed):
    _compare(app, session, seed, shared_inspector=True, history=True)


def test_the_first_plan_twice_inserts_nothing_twice(app, session, set_based):
    with app.app_context():
        area = factories.make_area(session)
        factories.make_user(session, Role.INSPECTOR, areas=(area,))
        for stars in (3, 2, 1, 0, None):
            unit = factories.make_unit(session, area)
            unit.stars = stars
            session.add(unit)
        session.flush()
        day = date(2027, 2, 3)
        assert services._plan_fresh(session, today=day).created == 10
        assert services._plan_fresh(session, today=day).created == 0
        assert services.plan(session, today=day).created == 0
