"""A preview plaque (the weekly batch): "样张 · 未生效", no serial, no QR, nothing issued."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func
from sqlmodel import select

from rentals.printing import documents, plaques
from rentals.printing.models import Plaque
from tests.printing.helpers import pages, rate, text


def test_preview_batch_prints_the_changed_units_without_serials(session, world):
    rate(session, world.unit_a, "three", 3)
    rate(session, world.unit_b, "two", 2)
    session.add(
        Plaque(
            unit_id=world.unit_b.id,
            serial="KEEP-0000-0001",
            stars=2,
            rating_status="two",
            valid_until=date(2027, 12, 31),
        )
    )
    session.flush()
    result = documents.preview_changed_plaques(session, today=date(2027, 2, 22))
    assert result.issued == [world.unit_a.code]
    assert pages(result.pdf) == 1
    body = text(result.pdf)
    assert "样张" in body and "未生效" in body and world.unit_a.code in body
    assert "扫码核验" not in body
    [context] = [
        plaques.plaque_context(
            plaques.preview_sources(session, [world.unit_a], valid_until=date(2028, 1, 1))
        )
    ]
    assert context["plaques"][0]["qr_png"] == "" and context["plaques"][0]["serial"] == ""
    assert session.exec(select(func.count()).select_from(Plaque)).one() == 1
    assert plaques.current_plaque(session, world.unit_b.id).serial == "KEEP-0000-0001"
