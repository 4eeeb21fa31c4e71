"""The roster's open-orders column: count and earliest deadline, one query for all rows."""

from __future__ import annotations

from datetime import date

from sqlalchemy import event

from rentals.printing import documents, rosters
from rentals.ratings.services import card_of, ensure_default_scorecard
from tests import factories
from tests.printing.helpers import make_task, text
from tests.printing.test_notices import make_order

WINDOW = {"area": "甲区", "start": date(2027, 2, 1), "end": date(2027, 2, 28)}


def _sources(session):
    return rosters.roster_sources(session, rosters.RosterRequest(**WINDOW))


def test_open_orders_count_and_earliest_deadline_on_the_roster(session, world):
    card = card_of(ensure_default_scorecard(session, today=date(2026, 1, 1)))
    other = factories.make_unit(session, world.area_a, street="测试路", house_number=1, code="T-B1")
    make_task(session, world.unit_a, date(2027, 2, 14))
    make_task(session, other, date(2027, 2, 10))
    make_order(session, world.unit_a, card.items[0].code, deadline=date(2027, 4, 2))
    make_order(session, world.unit_a, card.items[1].code, deadline=date(2027, 3, 15))
    make_order(
        session, world.unit_a, card.items[2].code, deadline=date(2027, 2, 1), status="closed"
    )
    make_order(session, world.unit_b, card.items[0].code)  # another area's unit
    by_code = {s["unit_code"]: s for s in _sources(session)}
    assert (
        by_code[world.unit_a.code]["open_orders"],
        by_code[world.unit_a.code]["orders_deadline"],
    ) == (
        2,
        date(2027, 3, 15),
    )
    assert by_code["T-B1"]["open_orders"] == 0
    result = documents.print_roster(
        session, inspector=None, printed=date(2027, 1, 30), workers=1, **WINDOW
    )
    body = text(result.pdf)
    row = next(line for line in body.splitlines() if world.unit_a.code in line)
    below = body.splitlines()[body.splitlines().index(row) + 1]
    assert row.split()[-1] == "2" and below.split()[-1] == "≤03-15"
    row_b = next(line for line in body.splitlines() if "T-B1" in line)
    assert row_b.split()[-1] == "0"


def test_open_orders_take_one_query_whatever_the_number_of_rows(session, world):
    def statements(n_units):
        for i in range(n_units):
            unit = factories.make_unit(
                session,
                world.area_a,
                street="计数路",
                house_number=100 + i,
                code=f"Q-{n_units}-{i}",
            )
            make_task(session, unit, date(2027, 2, 12), key=f"q{n_units}-{i}")
            make_order(session, unit, deadline=date(2027, 3, 1 + i % 20))
        seen = []
        engine = session.get_bind()

        def count(*_args):
            seen.append(1)

        event.listen(engine, "before_cursor_execute", count)
        try:
            rows = _sources(session)
        finally:
            event.remove(engine, "before_cursor_execute", count)
        return len(seen), rows

    few, rows_few = statements(1)
    many, rows_many = statements(12)
    assert len(rows_many) == len(rows_few) + 12
    assert few == many
    assert all(r["open_orders"] == 1 for r in rows_many)
