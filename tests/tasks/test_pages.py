"""Task pages: board, workload, reassignment, the inspector's list and the calendar feed."""

from __future__ import annotations

from datetime import UTC, date, datetime

from icalendar import Calendar
from sqlalchemy import select

from rentals.audit.models import AuditEvent
from rentals.auth.models import Role
from rentals.tasks import ical, services
from rentals.tasks.models import Task
from tests import factories
from tests.conftest import csrf_token


def _today() -> date:
    import schedules

    return schedules.local_today(datetime.now(UTC))


def _plan(app, session) -> list[Task]:  # type: ignore[no-untyped-def]
    with app.app_context():
        services.plan(session, today=_today())
        session.commit()
    return list(session.scalars(select(Task).order_by(Task.id)))


def test_board_counts_and_lists_this_weeks_tasks(app, session, world, login_as):
    world.unit_a.stars = 1
    session.add(world.unit_a)
    session.commit()
    _plan(app, session)
    client = login_as("manager")
    html = client.get("/tasks/board").get_data(as_text=True)
    assert world.unit_a.code in html
    # unit_b is not yet rated: weekly as well, so two tasks fall due this week.
    assert 'data-count="due">2<' in html and world.unit_b.code in html


def test_workload_shows_the_four_week_figure(app, session, world, login_as):
    for unit, stars in ((world.unit_a, 3), (world.unit_b, 2)):
        unit.stars = stars
        session.add(unit)
    session.commit()
    html = login_as("manager").get("/tasks/workload").get_data(as_text=True)
    assert 'data-total="3"' in html  # 1 + 2×1


def test_reassign_to_an_inspector_of_the_area_is_audited(app, session, world, login_as):
    tasks = _plan(app, session)
    task = next(t for t in tasks if t.unit_id == world.unit_a.id)
    with app.app_context():
        other = factories.make_user(session, Role.INSPECTOR, areas=(world.area_a,))
        session.commit()
    client = login_as("manager")
    url = f"/tasks/{task.id}/reassign"
    token = csrf_token(client, url)
    response = client.post(url, data={"csrf_token": token, "inspector_id": str(other.id)})
    assert response.status_code == 302
    session.expire_all()
    assert session.get(Task, task.id).inspector_id == other.id
    assert session.scalars(select(AuditEvent).where(AuditEvent.action == "task.reassigned")).first()
    # An inspector of the other area is not a choice.
    outsider = world.users["inspector_b"]
    response = client.post(url, data={"csrf_token": token, "inspector_id": str(outsider.id)})
    assert response.status_code == 422
    session.expire_all()
    assert session.get(Task, task.id).inspector_id == other.id


def test_inspector_sees_own_due_tasks(app, session, world, login_as):
    _plan(app, session)
    html = login_as("inspector_a").get("/tasks/mine").get_data(as_text=True)
    assert world.unit_a.code in html and world.unit_b.code not in html


def test_feed_lists_exactly_the_inspectors_open_tasks_and_dies_when_revoked(
    app, session, world, login_as
):
    tasks = _plan(app, session)
    mine = [t for t in tasks if t.inspector_id == world.users["inspector_a"].id]
    assert len(mine) == 2
    with app.app_context():
        services.complete_task(session, task=mine[0], inspection=None, now=datetime.now(UTC))
        session.commit()
    client = login_as("inspector_a")
    token = csrf_token(client, "/tasks/feed")
    page = client.post("/tasks/feed", data={"csrf_token": token, "action": "create"})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    url = html.split('id="feed-url">')[1].split("<")[0]
    path = url.split("localhost", 1)[1]
    client.post("/logout", data={"csrf_token": csrf_token(client, "/tasks/mine")})

    body = app.test_client().get(path)
    assert body.status_code == 200 and body.mimetype == "text/calendar"
    calendar = Calendar.from_ical(body.data)
    events = calendar.walk("VEVENT")
    assert [str(e["UID"]) for e in events] == [f"task-{mine[1].id}@localhost"]
    assert events[0].decoded("DTSTART") == mine[1].due
    assert "DTSTAMP" in events[0]
    assert world.unit_a.code in str(events[0]["SUMMARY"])

    with app.app_context():
        ical.revoke_feeds(session, actor=None, user=world.users["inspector_a"])  # type: ignore[arg-type]
        session.commit()
    assert app.test_client().get(path).status_code == 404
    assert app.test_client().get("/tasks/feed/not-a-token.ics").status_code == 404


def test_board_and_list_cost_the_same_queries_for_few_or_many_tasks(app, session, world, login_as):
    from tests.register.test_register_pages import count_queries

    client = login_as("manager")
    engine = app.extensions["rentals.db"][0]

    def cost() -> int:
        with count_queries(engine) as statements:
            assert client.get("/tasks/board").status_code == 200
        return len(statements)

    _plan(app, session)
    few = cost()
    with app.app_context():
        for _ in range(12):
            unit = factories.make_unit(session, world.area_a)
            unit.stars = 1
            session.add(unit)
        session.commit()
    _plan(app, session)
    assert cost() == few
