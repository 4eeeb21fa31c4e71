"""The checklist page: double submit, concurrent inspectors, refusal, no access, access."""

from __future__ import annotations

from sqlmodel import select

from rentals.inspections.models import Inspection
from rentals.ratings.models import Rating
from rentals.tasks.models import Task
from tests.inspections.helpers import all_answers, checklist_data, form_fields


def _open(client, unit):  # type: ignore[no-untyped-def]
    response = client.get(f"/units/{unit.code}/inspect")
    assert response.status_code == 200
    return form_fields(response.get_data(as_text=True))


def _count(session, unit, model=Inspection):  # type: ignore[no-untyped-def]
    session.expire_all()
    return len(session.exec(select(model).where(model.unit_id == unit.id)).all())


def test_double_submit_records_one_inspection(login_as, world, session):
    client = login_as("inspector_a")
    data = checklist_data(_open(client, world.unit_a), all_answers())
    first = client.post(f"/units/{world.unit_a.code}/inspect", data=data)
    second = client.post(f"/units/{world.unit_a.code}/inspect", data=data)
    assert first.status_code == 303 and second.status_code == 303
    assert first.headers["Location"] == second.headers["Location"]
    assert _count(session, world.unit_a) == 1
    assert _count(session, world.unit_a, Rating) == 1
    page = client.get(first.headers["Location"]).get_data(as_text=True)
    assert "100.0" in page


def test_second_inspector_is_told_and_keeps_answers(login_as, world, session, client):
    client = login_as("inspector_a")
    first = _open(client, world.unit_a)
    second = _open(client, world.unit_a)
    client.post(f"/units/{world.unit_a.code}/inspect", data=checklist_data(first, all_answers()))
    answers = all_answers(F2="not_met")
    late = client.post(
        f"/units/{world.unit_a.code}/inspect",
        data=checklist_data(second, answers, n_F2="烟感没电"),
    )
    html = late.get_data(as_text=True)
    assert late.status_code == 409
    assert "已经有人提交了一次检查" in html
    assert 'id="a_F2_not_met" value="not_met" checked' in html
    assert "烟感没电" in html
    assert _count(session, world.unit_a) == 1
    # Resubmitting the re-rendered form (it now knows the newer record) is accepted.
    again = client.post(
        f"/units/{world.unit_a.code}/inspect",
        data=checklist_data(form_fields(html), answers),
    )
    assert again.status_code == 303
    assert _count(session, world.unit_a) == 2


def test_missing_answers_keep_the_form(login_as, world, session):
    client = login_as("inspector_a")
    answers = all_answers()
    answers.pop("S2")
    response = client.post(
        f"/units/{world.unit_a.code}/inspect",
        data=checklist_data(_open(client, world.unit_a), answers),
    )
    assert response.status_code == 422
    assert 'id="err-S2"' in response.get_data(as_text=True)
    assert _count(session, world.unit_a) == 0


def test_refusal_makes_the_unit_not_rated_and_is_kept(login_as, world, session):
    client = login_as("inspector_a")
    data = {
        **_open(client, world.unit_a),
        "outcome": "refused",
        "refusal_reason": "房东不开门并拒绝配合",
        "refusal_confirm": "y",
    }
    response = client.post(f"/units/{world.unit_a.code}/inspect", data=data)
    assert response.status_code == 303
    session.expire_all()
    rating = session.exec(select(Rating).where(Rating.unit_id == world.unit_a.id)).one()
    assert (rating.status, rating.stars) == ("not_rated", 0)
    assert "V2" in rating.breakdown["vetoes"]
    inspection = session.exec(select(Inspection).where(Inspection.unit_id == world.unit_a.id)).one()
    assert inspection.outcome == "refused"
    assert inspection.notes[""] == "房东不开门并拒绝配合"


def test_no_access_keeps_the_task_open_and_twice_is_flagged(login_as, world, session):
    from datetime import date, timedelta

    today = date.today()
    task = Task(
        unit_id=world.unit_a.id,
        period_key="T-open",
        start=today - timedelta(days=3),
        due=today + timedelta(days=3),
        inspector_id=world.users["inspector_a"].id,
    )
    session.add(task)
    session.commit()
    client = login_as("inspector_a")
    for _ in range(2):
        data = {**_open(client, world.unit_a), "outcome": "no_access"}
        response = client.post(f"/units/{world.unit_a.code}/inspect?task={task.id}", data=data)
        assert response.status_code == 303
        session.expire_all()
        assert session.get(Task, task.id).status == "open"
    assert _count(session, world.unit_a, Rating) == 0
    assert _count(session, world.unit_a) == 2
    client.post("/logout", data={"csrf_token": form_fields_csrf(client)})
    manager = login_as("manager")
    orders = manager.get("/orders").get_data(as_text=True)
    assert "连续两次无人在家" in orders and world.unit_a.code in orders


def form_fields_csrf(client) -> str:  # type: ignore[no-untyped-def]
    from tests.conftest import csrf_token

    return csrf_token(client, "/inspect")


def test_one_no_access_is_not_flagged(login_as, world, session):
    client = login_as("inspector_a")
    client.post(
        f"/units/{world.unit_a.code}/inspect",
        data={**_open(client, world.unit_a), "outcome": "no_access"},
    )
    assert world.unit_a.code not in client.get("/orders").get_data(as_text=True)


def test_completing_a_task_marks_it_done(login_as, world, session):
    from datetime import date, timedelta

    today = date.today()
    task = Task(
        unit_id=world.unit_a.id,
        period_key="T-done",
        start=today - timedelta(days=1),
        due=today + timedelta(days=5),
        inspector_id=world.users["inspector_a"].id,
    )
    session.add(task)
    session.commit()
    client = login_as("inspector_a")
    home = client.get("/inspect").get_data(as_text=True)
    assert world.unit_a.code in home
    data = checklist_data(_open(client, world.unit_a), all_answers())
    url = f"/units/{world.unit_a.code}/inspect?task={task.id}"
    assert client.post(url, data=data).status_code == 303
    session.expire_all()
    assert session.get(Task, task.id).status == "done"


def test_other_areas_unit_answers_404(login_as, world):
    client = login_as("inspector_b")
    assert client.get(f"/units/{world.unit_a.code}/inspect").status_code == 404
    found = client.get(f"/inspect?q={world.unit_a.code}").get_data(as_text=True)
    assert "没有找到你负责区域内的房屋" in found
    assert f'href="/units/{world.unit_a.code}/inspect' not in found


def test_inspector_lands_on_inspection_home_and_unit_file_lists_orders(login_as, world):
    client = login_as("inspector_a")
    assert client.get("/").headers["Location"].endswith("/inspect")
    data = checklist_data(
        _open(client, world.unit_a), all_answers(F2="not_met"), o_F2="y", n_F2="烟感没电"
    )
    assert client.post(f"/units/{world.unit_a.code}/inspect", data=data).status_code == 303
    page = client.get(f"/units/{world.unit_a.code}").get_data(as_text=True)
    orders = page.split('id="orders"')[1]
    assert "F2" in orders and "烟感没电" in orders
