"""A failed item never makes an order the inspector did not see (issue 15, server side).

The order, its deadline and its severity come only from what the form posted: no order
without the order box, never serious without the serious box (even on an item whose
failure caps the stars), and without a posted deadline the scorecard's default, which the
page shows beside the field. Default card (scoring/scorecards/default-v1.toml): F1 caps at
two stars and gives 7 days.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
from sqlmodel import select

from rentals.inspections.models import RectificationOrder
from tests.inspections.helpers import all_answers, checklist_data, form_fields

#: Friday 4 December 2026, 10:00 in Lhasa.
NOW = datetime(2026, 12, 4, 2, 0, tzinfo=UTC)


@pytest.fixture
def at_now(monkeypatch):  # type: ignore[no-untyped-def]
    from rentals.inspections import views

    monkeypatch.setattr(views, "_now", lambda: NOW)


def _submit(client, unit, **fields):  # type: ignore[no-untyped-def]
    page = client.get(f"/units/{unit.code}/inspect")
    data = checklist_data(form_fields(page.get_data(as_text=True)), all_answers(F1="not_met"))
    data.update(fields)
    return client.post(f"/units/{unit.code}/inspect", data=data), page.get_data(as_text=True)


def _orders(session, unit):  # type: ignore[no-untyped-def]
    session.expire_all()
    rows = session.exec(select(RectificationOrder).where(RectificationOrder.unit_id == unit.id))
    return [(o.item_code, o.deadline, o.serious) for o in rows]


def test_no_order_box_no_order(login_as, world, session, at_now):
    response, _page = _submit(login_as("inspector_a"), world.unit_a)
    assert response.status_code == 303
    assert _orders(session, world.unit_a) == []


def test_order_without_deadline_or_serious_box_is_minor_with_the_default_the_page_showed(
    login_as, world, session, at_now
):
    response, page = _submit(login_as("inspector_a"), world.unit_a, o_F1="y")
    assert response.status_code == 303
    # 4 December + 7 days; the page showed that date in F1's deadline field.
    assert _orders(session, world.unit_a) == [("F1", date(2026, 12, 11), False)]
    (field,) = re.findall(r'<input[^>]*name="d_F1"[^>]*>', page)
    assert 'value="2026-12-11"' in field


def test_serious_and_deadline_only_as_posted(login_as, world, session, at_now):
    response, _page = _submit(
        login_as("inspector_a"), world.unit_a, o_F1="y", s_F1="y", d_F1="2026-12-06"
    )
    assert response.status_code == 303
    assert _orders(session, world.unit_a) == [("F1", date(2026, 12, 6), True)]


def test_serious_box_on_a_met_item_makes_no_order(login_as, world, session, at_now):
    response, _page = _submit(login_as("inspector_a"), world.unit_a, a_F1="met", o_F1="y", s_F1="y")
    assert response.status_code == 303
    assert _orders(session, world.unit_a) == []


def test_a_deadline_before_today_is_refused_and_nothing_is_recorded(
    login_as, world, session, at_now
):
    response, _page = _submit(login_as("inspector_a"), world.unit_a, o_F1="y", d_F1="2026-12-03")
    assert response.status_code == 422
    assert "整改期限不能早于今天" in response.get_data(as_text=True)
    assert _orders(session, world.unit_a) == []
