"""The API's lists cost a fixed number of queries, whatever the page holds, and time
figures for the report (printed, never asserted: timing lives in bench/)."""

from __future__ import annotations

import time

from rentals.register import services
from tests.register.test_register_pages import count_queries


def _units(app, session, world, n: int, prefix: str) -> None:  # type: ignore[no-untyped-def]
    rows = [
        services.UnitData(code=f"{prefix}-{i:05d}", area_id=world.area_a.id, address=f"路{i}号")
        for i in range(n)
    ]
    with app.app_context():
        services.create_units(session, actor=None, rows=rows)
        session.commit()


def _statements(api, engine, path: str) -> int:  # type: ignore[no-untyped-def]
    api.get("/me", "manager")  # the token's "last used" note is written once, before
    with count_queries(engine) as statements:
        answer = api.get(path, "manager")
        assert answer.status_code == 200 and answer.get_data()  # a streamed body runs here
    return len([s for s in statements if s.lstrip().upper().startswith("SELECT")])


def test_a_page_of_units_costs_the_same_queries_for_3_or_200_rows(app, api, engine, session, world):
    _units(app, session, world, 3, "FEW")
    few = _statements(api, engine, "/units?q=FEW&limit=200")
    _units(app, session, world, 200, "MANY")
    many = _statements(api, engine, "/units?q=MANY&limit=200")
    assert few == many
    started = time.perf_counter()
    for _ in range(20):
        api.get("/units?limit=200", "manager")
    print(
        "GET /api/v1/units?limit=200 (205 units): "
        f"{(time.perf_counter() - started) / 20 * 1000:.1f} ms"
    )


def test_the_bulk_files_stream_every_unit_in_fixed_queries(app, api, engine, session, world):
    _units(app, session, world, 3, "FEW")
    few = _statements(api, engine, "/public/ratings.json")
    _units(app, session, world, 1500, "BULK")
    many = _statements(api, engine, "/public/ratings.json")
    assert few == many
    started = time.perf_counter()
    body = api.get("/public/ratings.csv").get_data()
    print(
        f"ratings.csv of 1,505 units: {(time.perf_counter() - started) * 1000:.0f} ms, "
        f"{len(body)} bytes"
    )
