"""Rectification notices printed from real orders: page, CLI, empty cases."""

from __future__ import annotations

from datetime import date

import pytest

from rentals.errors import NotFound
from rentals.inspections.models import Inspection, RectificationOrder
from rentals.printing import documents, notices
from rentals.printing.commands import print_group
from rentals.ratings.services import card_of, ensure_default_scorecard
from tests.conftest import login
from tests.printing.helpers import keep_png, pages, text


def make_order(session, unit, item_code=None, *, deadline=date(2027, 3, 15), status="open"):
    version = ensure_default_scorecard(session, today=date(2026, 1, 1))
    card = card_of(version)
    code = item_code or card.items[0].code
    inspection = Inspection(
        unit_id=unit.id,
        scorecard_version_id=version.id,
        client_key=f"notice-{unit.id}-{code}-{deadline}-{status}",
    )
    session.add(inspection)
    session.flush()
    order = RectificationOrder(
        unit_id=unit.id,
        inspection_id=inspection.id,
        item_code=code,
        deadline=deadline,
        status=status,
    )
    session.add(order)
    session.flush()
    return order, card.item(code)


def test_notice_from_an_order_prints_item_text_deadline_unit(session, world):
    order, item = make_order(session, world.unit_a)
    made = notices.order_notices(session, [order])
    assert made[0].hazard == item.texts.zh and made[0].hazard_bo == (item.texts.bo or "")
    assert item.code in made[0].rule and item.texts.zh in made[0].rule
    result = documents.print_notices(session, printed=date(2027, 2, 20), unit=world.unit_a)
    assert pages(result.pdf) == 1
    body = text(result.pdf).replace(" ", "")
    assert item.texts.zh.replace(" ", "") in body
    assert "2027-03-15" in body and world.unit_a.code in body
    assert world.unit_a.landlord_id is None or made[0].landlord_name in body
    keep_png(result.pdf, "notice")


def test_all_open_orders_of_a_unit_one_pdf_closed_left_out(session, world):
    card = card_of(ensure_default_scorecard(session, today=date(2026, 1, 1)))
    make_order(session, world.unit_a, card.items[0].code)
    make_order(session, world.unit_a, card.items[1].code, deadline=date(2027, 4, 1))
    make_order(session, world.unit_a, card.items[2].code, status="closed")
    result = documents.print_notices(session, printed=date(2027, 2, 20), unit=world.unit_a)
    assert pages(result.pdf) == 2
    body = text(result.pdf)
    assert "2027-03-15" in body and "2027-04-01" in body


def test_unit_without_open_orders_says_so(session, world):
    make_order(session, world.unit_a, status="closed")
    with pytest.raises(NotFound) as err:
        documents.print_notices(session, printed=date(2027, 2, 20), unit=world.unit_a)
    assert err.value.message == notices.NO_OPEN_ORDERS


def test_page_prints_notices_and_redirects_when_none(app, login_as, session, world):
    order, item = make_order(session, world.unit_a)
    session.commit()
    client = login_as("inspector_a")
    page = client.get(f"/units/{world.unit_a.code}").get_data(as_text=True)
    assert f"/print/notices/{world.unit_a.code}" in page and "打印整改通知书" in page
    response = client.get(f"/print/notices/{world.unit_a.code}?order={order.id}")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert world.unit_a.code in text(response.data)
    other = app.test_client()
    login(other, world.users["inspector_b"].username)
    assert other.get(f"/print/notices/{world.unit_a.code}").status_code == 404
    order.status = "closed"
    session.add(order)
    session.commit()
    client = app.test_client()
    login(client, world.users["manager"].username)
    response = client.get(f"/print/notices/{world.unit_a.code}")
    assert response.status_code == 302 and response.location.endswith("#orders")
    page = client.get(response.location).get_data(as_text=True)
    assert "这户没有未完成的整改通知" in page


def test_cli_prints_notices_of_a_unit_and_refuses_empty(app, session, world, tmp_path):
    make_order(session, world.unit_a)
    session.commit()
    runner = app.test_cli_runner()
    out = tmp_path / "notices.pdf"
    result = runner.invoke(print_group, ["notices", "--unit", world.unit_a.code, "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert world.unit_a.code in text(out.read_bytes())
    out = tmp_path / "area.pdf"
    result = runner.invoke(print_group, ["notices", "--area", "甲区", "--out", str(out)])
    assert result.exit_code == 0, result.output and out.exists()
    empty = tmp_path / "empty.pdf"
    result = runner.invoke(
        print_group, ["notices", "--unit", world.unit_b.code, "--out", str(empty)]
    )
    assert result.exit_code != 0 and "没有未完成的整改通知" in result.output
    assert not empty.exists()


def test_manager_prints_an_areas_notices_from_the_print_page(login_as, session, world):
    from tests.conftest import csrf_token

    card = card_of(ensure_default_scorecard(session, today=date(2026, 1, 1)))
    make_order(session, world.unit_a, card.items[0].code)
    make_order(session, world.unit_a, card.items[1].code)
    make_order(session, world.unit_b, card.items[0].code)  # another area
    session.commit()
    client = login_as("manager")
    page = client.get("/print").get_data(as_text=True)
    assert "/print/notices" in page and "整改通知书" in page
    token = csrf_token(client, "/print")
    response = client.post("/print/notices", data={"n-csrf_token": token, "n-area": "甲区"})
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert pages(response.data) == 2 and world.unit_b.code not in text(response.data)


def test_many_notices_go_to_a_background_job_with_the_file_offered(
    login_as, session, world, monkeypatch, immediate_queue
):
    from tests.conftest import csrf_token

    card = card_of(ensure_default_scorecard(session, today=date(2026, 1, 1)))
    for item in card.items[:3]:
        make_order(session, world.unit_a, item.code)
    session.commit()
    monkeypatch.setattr(documents, "BACKGROUND_NOTICES", 2)
    client = login_as("manager")
    token = csrf_token(client, "/print")
    response = client.post("/print/notices", data={"n-csrf_token": token, "n-area": "甲区"})
    assert response.status_code == 302 and "/print/jobs/" in response.location
    job_url = response.location
    assert f"{job_url}/file" in client.get(job_url).get_data(True)
    pdf = client.get(f"{job_url}/file").data
    assert pages(pdf) == 3 and world.unit_a.code in text(pdf)


def test_an_area_without_open_orders_says_so_and_prints_nothing(login_as):
    from tests.conftest import csrf_token

    client = login_as("manager")
    token = csrf_token(client, "/print")
    response = client.post("/print/notices", data={"n-csrf_token": token, "n-area": "甲区"})
    assert response.status_code == 422
    assert "该区域没有未完成的整改通知，无需打印。" in response.get_data(as_text=True)
