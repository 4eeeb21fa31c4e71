from __future__ import annotations

import base64
from datetime import timedelta

from sqlmodel import select

from rentals.printing import documents, plaques, qr
from rentals.printing.models import Plaque
from tests import factories
from tests.printing.helpers import NOW, keep_png, pages, rate, text

BASE = "http://plaques.test"


def _three_rated(session, world):
    rate(session, world.unit_a, "three", 3)
    rate(session, world.unit_b, "two", 2)
    red = factories.make_unit(session, world.area_a, address="扎细路<script>alert(1)</script>号")
    rate(session, red, "one", 1)
    vetoed = factories.make_unit(session, world.area_a)
    rate(session, vetoed, "not_rated", 0)
    fresh = factories.make_unit(session, world.area_b)
    return red, vetoed, fresh


def test_plaques_print_rated_units_and_list_the_others(session, world):
    red, vetoed, fresh = _three_rated(session, world)
    result = documents.print_plaques(session, actor=None, now=NOW, base_url=BASE, workers=1)
    assert pages(result.pdf) == 3
    assert dict(result.skipped) == {vetoed.code: "不予评定，不发牌", fresh.code: "尚未评定，不发牌"}
    body = text(result.pdf)
    for code in (world.unit_a.code, world.unit_b.code, red.code):
        assert code in body
    assert "三星 · 绿色放心型" in body and "一星 · 红色重点关注型" in body
    assert "སྐར་མ་གསུམ" in body  # Tibetan rating name
    for serial in result.issued:
        assert serial in body
    assert "<script>alert(1)</script>" in body  # hostile text prints as text
    assert vetoed.code not in body
    keep_png(result.pdf, "plaques")


def test_plaque_qr_points_at_the_public_check_page(session, world):
    rate(session, world.unit_a, "two", 2)
    plaque = plaques.issue_plaques(session, actor=None, units=[world.unit_a], now=NOW)[0]
    [source] = plaques.plaque_sources(session, [plaque], base_url=BASE)
    ctx = plaques.plaque_context([source])
    png = base64.b64decode(ctx["plaques"][0]["qr_png"].split(",", 1)[1])
    assert qr.decode_png(png) == qr.modules(f"{BASE}/p/{plaque.serial}")
    assert plaque.valid_until == (NOW + timedelta(hours=8)).date() + timedelta(days=365)


def test_reprint_gives_a_new_serial_and_retires_the_old_plaque(session, world):
    rate(session, world.unit_a, "two", 2)
    [first] = plaques.issue_plaques(session, actor=None, units=[world.unit_a], now=NOW)
    [second] = plaques.issue_plaques(session, actor=None, units=[world.unit_a], now=NOW)
    assert first.serial != second.serial
    assert first.retired_at is not None and first.replaced_by == second.id
    assert plaques.current_plaque(session, world.unit_a.id).id == second.id


def test_changed_selects_units_without_a_current_matching_plaque(session, world):
    rate(session, world.unit_a, "two", 2)
    rate(session, world.unit_b, "three", 3)
    plaques.issue_plaques(session, actor=None, units=[world.unit_a, world.unit_b], now=NOW)
    assert plaques.select_units(session, changed=True).units == []
    rate(session, world.unit_b, "one", 1)
    assert [u.code for u in plaques.select_units(session, changed=True).units] == [
        world.unit_b.code
    ]


def test_a4_plaque_and_one_unit(session, world):
    rate(session, world.unit_a, "one", 1)
    result = documents.print_plaques(
        session, actor=None, now=NOW, base_url=BASE, unit=world.unit_a.code, size="A4", workers=1
    )
    from io import BytesIO

    from pypdf import PdfReader

    box = PdfReader(BytesIO(result.pdf)).pages[0].mediabox
    assert round(float(box.width)) == 842  # A4 landscape in points
    assert session.exec(select(Plaque)).one().unit_id == world.unit_a.id
