"""A follow-up visit opened from its deadline task on the inspector's home page: only the
failed items it follows up, the earlier finding and photo beside each, then a before/after
record and the order closed."""

from __future__ import annotations

import re
from html import unescape

from sqlmodel import select

from rentals.inspections import services
from rentals.inspections.models import Inspection, Photo, RectificationOrder
from rentals.modelbase import utcnow
from rentals.tasks.models import Task
from tests.inspections.helpers import all_answers, checklist_data, form_fields, jpeg_bytes


def _failed_visit(app, session, world):  # type: ignore[no-untyped-def]
    """F1 and F2 failed with orders due today (F1 with a photo); F3 failed without one."""
    now = utcnow()
    today = services.local_date(now)
    inspector = world.users["inspector_a"]
    with app.app_context():
        photo = services.store_photo(
            session,
            actor=inspector,
            unit=world.unit_a,
            key="before-f1",
            inspection_key="first-visit",
            item_code="F1",
            data=jpeg_bytes(),
            now=now,
        )
        first = services.record_inspection(
            session,
            unit=world.unit_a,
            inspector=inspector,
            client_key="first-visit",
            answers=all_answers(F1="not_met", F2="not_met", F3="not_met"),
            vetoes=[],
            notes={"F1": "灭火器过期", "F2": "烟感没电"},
            outcome="completed",
            now=now,
            orders=[
                services.OrderRequest("F1", deadline=today, serious=True, note="灭火器过期"),
                services.OrderRequest("F2", deadline=today, note="烟感没电"),
            ],
        )
        session.commit()
    orders = {o.item_code: o for o in services.open_orders_for_unit(session, world.unit_a)}
    assert set(orders) == {"F1", "F2"} and orders["F1"].photo_id == photo.id
    return first, orders, photo


def test_follow_up_from_the_deadline_link_closes_the_order(app, session, world, login_as):
    first, orders, photo = _failed_visit(app, session, world)
    task = session.exec(
        select(Task).where(
            Task.unit_id == world.unit_a.id, Task.period_key == f"F{orders['F1'].id}"
        )
    ).one()
    client = login_as("inspector_a")

    home = client.get("/inspect").get_data(as_text=True)
    links = [unescape(h) for h in re.findall(r'class="due-link" href="([^"]+)"', home)]
    link = next(h for h in links if f"task={task.id}" in h)
    assert "整改复查" in home

    page = client.get(link)
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    # Only the items the visit follows up: F1 and F2 (F3 failed but has no order).
    asked = set(re.findall(r'name="a_([A-Z]\d+)"', html))
    assert asked == {"F1", "F2"}
    assert "上次发现" in html and "灭火器过期" in html and "烟感没电" in html
    thumb = f"/photos/{photo.key}?size=thumb"
    assert thumb in unescape(html)
    assert client.get(thumb).status_code == 200

    data = checklist_data(form_fields(html), {"F1": "met", "F2": "not_met"})
    sent = client.post(link, data=data)
    assert sent.status_code == 303
    record = client.get(sent.headers["Location"]).get_data(as_text=True)
    assert "整改前后对比" in record
    before_after = record.split('id="before-after"', 1)[1].split("</section>", 1)[0]
    assert "F1" in before_after and "F2" not in before_after
    assert thumb in unescape(before_after)

    session.expire_all()
    f1 = session.get(RectificationOrder, orders["F1"].id)
    f2 = session.get(RectificationOrder, orders["F2"].id)
    later = f1.closed_by_inspection_id
    assert f1.status == "closed" and later is not None and later != first.id
    assert f2.status == "open" and f2.closed_by_inspection_id is None
    assert session.get(Task, task.id).status == "done"
    # The follow-up carried the other answers over: F3 is still not met, the rest met.
    visit = session.get(Inspection, later)
    assert visit.answers["F1"] == "met" and visit.answers["F2"] == "not_met"
    assert visit.answers["F3"] == "not_met" and visit.answers["S1"] == "met"
    assert session.exec(select(Photo).where(Photo.inspection_id == first.id)).one().id == photo.id
