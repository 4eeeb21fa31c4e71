"""The managers' list of open rectification orders shows each order's photo as a thumbnail."""

from __future__ import annotations

import re
from html import unescape

from rentals.inspections import services
from rentals.modelbase import utcnow
from tests.inspections.helpers import all_answers, jpeg_bytes


def _orders_with_and_without_photo(app, session, world):  # type: ignore[no-untyped-def]
    now = utcnow()
    with app.app_context():
        photo = services.store_photo(
            session,
            actor=world.users["inspector_a"],
            unit=world.unit_a,
            key="order-photo",
            inspection_key="visit",
            item_code="F1",
            data=jpeg_bytes(),
            now=now,
        )
        services.record_inspection(
            session,
            unit=world.unit_a,
            inspector=world.users["inspector_a"],
            client_key="visit",
            answers=all_answers(F1="not_met", S1="not_met"),
            vetoes=[],
            notes={},
            outcome="completed",
            now=now,
            orders=[services.OrderRequest("F1"), services.OrderRequest("S1")],
        )
        session.commit()
    return photo


def test_orders_list_shows_thumbnails(app, session, world, login_as):
    photo = _orders_with_and_without_photo(app, session, world)
    client = login_as("manager")
    html = unescape(client.get("/orders").get_data(as_text=True))
    rows = re.findall(r"<tr class=\"[^\"]*\">(.*?)</tr>", html, re.S)
    assert len(rows) == 2
    f1 = next(r for r in rows if ">F1" in r)
    s1 = next(r for r in rows if ">S1" in r)
    thumb = f"/photos/{photo.key}?size=thumb"
    assert f'src="{thumb}"' in f1 and "<img" not in s1
    served = client.get(thumb)
    assert served.status_code == 200 and served.mimetype == "image/jpeg"


def test_orders_list_of_another_area_shows_no_photo(app, session, world, login_as):
    _orders_with_and_without_photo(app, session, world)
    html = login_as("inspector_b").get("/orders").get_data(as_text=True)
    assert "/photos/" not in html
