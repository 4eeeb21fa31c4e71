"""The planner against the database: the issue's February check, idempotency, life cycle."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlmodel import Session

from rentals.auth.models import Role
from rentals.errors import Conflict
from rentals.register.models import Unit
from rentals.tasks import services
from rentals.tasks.models import Task
from tests import factories
from tests.tasks.helpers import seed_zhaxi

FEBRUARY = [date(2027, 2, 1) + timedelta(days=n) for n in range(28)]


def _due_in_february(session: Session) -> dict[int | None, int]:
    rows = session.execute(
        select(Task.stars_at_planning, func.count())
        .where(Task.due >= date(2027, 2, 1), Task.due <= date(2027, 2, 28))
        .where(Task.status != "cancelled")
        .group_by(Task.stars_at_planning)
    )
    return dict(rows.all())


def test_february_2027_on_the_demo_gives_319_tasks_and_a_rerun_changes_nothing(app, session):
    with app.app_context():
        seed_zhaxi(session)
        for day in FEBRUARY:
            services.plan(session, today=day)
        assert _due_in_february(session) == {3: 13, 2: 282, 1: 24}
        total = session.scalar(select(func.count()).select_from(Task))
        for day in FEBRUARY:
            report = services.plan(session, today=day)
            assert (report.created, report.cancelled, report.reopened) == (0, 0, 0), day
        assert session.scalar(select(func.count()).select_from(Task)) == total
        assert sum(_due_in_february(session).values()) == 319


def test_tasks_are_spread_over_the_areas_inspectors(app, session):
    with app.app_context():
        seed_zhaxi(session)
        area_of = {u.id: u.area_id for u in session.scalars(select(Unit))}
        second = factories.make_user(session, Role.INSPECTOR, areas=())
        south = session.scalar(select(Unit.area_id).where(Unit.code == "ZX-S-001"))
        from rentals.auth.models import UserArea

        session.add(UserArea(user_id=second.id, area_id=south))
        session.flush()
        services.plan(session, today=FEBRUARY[0])
        tasks = list(session.scalars(select(Task)))
        assert all(t.inspector_id is not None for t in tasks)
        south_load: dict[int, int] = {}
        for task in tasks:
            if area_of[task.unit_id] == south:
                south_load[task.inspector_id] = south_load.get(task.inspector_id, 0) + 1
        assert len(south_load) == 2
        low, high = sorted(south_load.values())
        assert high - low <= 1


def test_rating_drop_gets_this_weeks_task_at_once(app, session):
    with app.app_context():
        area = factories.make_area(session)
        factories.make_user(session, Role.INSPECTOR, areas=(area,))
        unit = factories.make_unit(session, area)
        unit.stars = 3
        session.add(unit)
        today = date(2027, 2, 10)
        services.plan(session, today=today)
        keys = set(session.scalars(select(Task.period_key).where(Task.unit_id == unit.id)))
        assert keys == {"2027-02", "2027-03"}
        unit.stars = 1
        session.add(unit)
        report = services.plan_unit_now(session, unit=unit, today=today)
        assert report.created == 2
        live = set(
            session.scalars(
                select(Task.period_key).where(Task.unit_id == unit.id, Task.status == "open")
            )
        )
        assert live == {"2027-W06", "2027-W07"}


def test_withdrawn_units_open_tasks_are_cancelled(app, session):
    with app.app_context():
        area = factories.make_area(session)
        unit = factories.make_unit(session, area)
        other = factories.make_unit(session, area)
        services.plan(session, today=date(2027, 2, 10))
        unit.status = "withdrawn"
        session.add(unit)
        session.flush()
        report = services.plan(session, today=date(2027, 2, 11))
        assert report.cancelled == 2
        statuses = set(session.scalars(select(Task.status).where(Task.unit_id == unit.id)))
        assert statuses == {"cancelled"}
        assert set(session.scalars(select(Task.status).where(Task.unit_id == other.id))) == {"open"}


def test_mark_overdue_only_touches_open_tasks_past_due(app, session):
    with app.app_context():
        area = factories.make_area(session)
        unit = factories.make_unit(session, area)
        unit.stars = 1
        session.add(unit)
        services.plan(session, today=date(2027, 2, 1))
        assert services.mark_overdue(session, today=date(2027, 2, 7)) == 0
        assert services.mark_overdue(session, today=date(2027, 2, 8)) == 1
        assert services.mark_overdue(session, today=date(2027, 2, 8)) == 0
        w05 = session.scalar(select(Task).where(Task.period_key == "2027-W05"))
        assert w05.status == "overdue"


def test_follow_up_is_created_once_per_order(app, session):
    with app.app_context():
        area = factories.make_area(session)
        unit = factories.make_unit(session, area)
        first = services.create_follow_up(session, unit=unit, order_id=41, due=date(2027, 3, 1))
        again = services.create_follow_up(session, unit=unit, order_id=41, due=date(2027, 3, 1))
        other = services.create_follow_up(session, unit=unit, order_id=42, due=date(2027, 3, 2))
        assert first.id == again.id != other.id
        assert (first.kind, first.period_key, first.due) == ("follow_up", "F41", date(2027, 3, 1))
        count = session.scalar(
            select(func.count()).select_from(Task).where(Task.kind == "follow_up")
        )
        assert count == 2


def test_reinspection_at_most_one_open(app, session):
    with app.app_context():
        area = factories.make_area(session)
        unit = factories.make_unit(session, area)
        today = date(2027, 2, 3)
        task = services.request_reinspection(session, unit=unit, today=today)
        assert task.due <= today + timedelta(days=7)
        with pytest.raises(Conflict):
            services.request_reinspection(session, unit=unit, today=today + timedelta(days=1))
        services.complete_task(
            session, task=task, inspection=None, now=datetime(2027, 2, 4, 3, tzinfo=UTC)
        )
        again = services.request_reinspection(session, unit=unit, today=today + timedelta(days=2))
        assert again.id != task.id and again.status == "open"


def test_due_tasks_for_inspector_lists_overdue_first(app, session):
    with app.app_context():
        area = factories.make_area(session)
        inspector = factories.make_user(session, Role.INSPECTOR, areas=(area,))
        weekly = factories.make_unit(session, area)
        weekly.stars = 1
        monthly = factories.make_unit(session, area)
        monthly.stars = 3
        session.add_all([weekly, monthly])
        services.plan(session, today=date(2027, 2, 1))
        services.plan(session, today=date(2027, 2, 9))
        services.mark_overdue(session, today=date(2027, 2, 9))
        due = services.due_tasks_for_inspector(session, user=inspector, today=date(2027, 2, 9))
        assert [(d.task.period_key, d.overdue) for d in due] == [
            ("2027-W05", True),
            ("2027-W06", False),
            ("2027-02", False),
        ]
        found = services.open_task_for_unit(session, unit=weekly, today=date(2027, 2, 9))
        assert found.period_key == "2027-W05"
