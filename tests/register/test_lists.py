"""The register's list at any depth: kept totals, keyset pages, short search terms.

Expected values come from the test's own reading of every unit row (Python sorts and
substring tests), never from the listing code.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, text
from sqlmodel import select

from rentals.register import listing
from rentals.register.importer import ImportKind, run_import
from rentals.register.listing import UnitFilter, unit_page
from rentals.register.models import Unit, UnitTally
from tests import factories
from tests.register.ledgers import fixture

STARS = {"three": 3, "two": 2, "one": 1, "not_rated": 0, "not_yet_rated": None}
STATUSES = ["three", "two", "two", "one", "not_rated", "not_yet_rated", "under_review"]


def _direct(session):  # type: ignore[no-untyped-def]
    """Units per tally key, counted on the unit table itself."""
    rows = session.exec(
        select(Unit.area_id, Unit.status, Unit.rating_status, Unit.stars, func.count()).group_by(
            Unit.area_id, Unit.status, Unit.rating_status, Unit.stars
        )
    ).all()
    return {(a, s, r, -1 if st is None else st): n for a, s, r, st, n in rows}


def _kept(session):  # type: ignore[no-untyped-def]
    rows = session.exec(select(UnitTally).where(UnitTally.n != 0)).all()
    return {(t.area_id, t.status, t.rating_status, t.stars): t.n for t in rows}


def _rate(session, world, unit, answers):  # type: ignore[no-untyped-def]
    from rentals.inspections import services

    return services.record_inspection(
        session,
        unit=unit,
        inspector=world.users["inspector_a"],
        client_key=f"k-{unit.id}-{sum(v == 'met' for v in answers.values())}",
        answers=answers,
        vetoes=[],
        notes={},
        outcome="completed",
        now=datetime(2027, 3, 1, 2, 0, tzinfo=UTC),
    )


def test_kept_totals_equal_direct_counts_after_imports_ratings_and_withdrawals(
    session, world, app_ctx
):
    from tests.inspections.helpers import all_answers

    assert _kept(session) == _direct(session)
    report = run_import(
        session, actor=None, kind=ImportKind.UNITS, data=fixture("units_good.csv"), apply=True
    )
    assert report.ok and report.applied
    session.flush()
    assert _kept(session) == _direct(session)
    _rate(session, world, world.unit_a, all_answers())  # three stars
    _rate(session, world, world.unit_b, all_answers(F1="not_met", S2="not_met", S3="not_met"))
    session.flush()
    assert {world.unit_a.rating_status, world.unit_b.rating_status} >= {"three"}
    assert _kept(session) == _direct(session)
    world.unit_a.status = "withdrawn"  # withdrawal, and a move to another area
    world.unit_b.area_id = world.area_a.id
    session.add_all([world.unit_a, world.unit_b])
    session.flush()
    assert _kept(session) == _direct(session)
    session.delete(session.exec(select(Unit).where(Unit.code == "ZX-N-002")).one())
    session.flush()
    assert _kept(session) == _direct(session)
    # The kept figures are what the page shows.
    page = unit_page(session, world.users["manager"], UnitFilter(status="active"))
    assert page.exact and page.total == sum(
        n for (_a, s, _r, _st), n in _direct(session).items() if s == "active"
    )


@pytest.fixture
def many(session, world):  # type: ignore[no-untyped-def]
    """157 units over two areas with every rating state and varied addresses."""
    streets = ["雪域路", "北京中路", "扎细南巷", "林廓北路", "雪新村"]
    for i in range(157):
        status = STATUSES[i * 5 % len(STATUSES)]
        stars = STARS.get(status, 2 if status == "under_review" else None)
        unit = factories.make_unit(
            session,
            world.area_a if i % 3 else world.area_b,
            code=f"L-{(i * 37) % 1000:04d}",
            address=f"{streets[i % 5]}{i % 11}号",
        )
        unit.rating_status, unit.stars = status, stars
        session.add(unit)
    session.commit()
    return session.exec(select(Unit)).all()


def _expected(units, sort: str, desc: bool):  # type: ignore[no-untyped-def]
    def key(u):  # type: ignore[no-untyped-def]
        # Stars: not yet rated (NULL) first when ascending, on both engines.
        value = {
            "code": (),
            "address": (u.address,),
            "area": (u.area_id,),
            "stars": ((0, 0) if u.stars is None else (1, u.stars),),
        }[sort]
        return (*value, u.code)

    return [u.code for u in sorted(units, key=key, reverse=desc)]


def _codes(page) -> list[str]:  # type: ignore[no-untyped-def]
    return [r["unit"].code for r in page.rows]


@pytest.mark.parametrize("sort", ["code", "address", "area", "stars"])
@pytest.mark.parametrize("desc", [False, True])
def test_cursors_walk_every_sort_both_ways(session, world, many, sort, desc):
    manager = world.users["manager"]
    expected = _expected(many, sort, desc)
    flt = UnitFilter(sort=sort, descending=desc, per_page=10)
    seen, page = [], unit_page(session, manager, flt)
    assert page.exact and page.total == len(expected) and not page.prev_cursor
    while True:
        seen += _codes(page)
        if not page.next_cursor:
            break
        page = unit_page(
            session, manager, UnitFilter(**{**flt.__dict__, "after": page.next_cursor})
        )
    assert seen == expected
    # Backwards from the last page by number (read from the end) through prev cursors.
    page = unit_page(session, manager, UnitFilter(**{**flt.__dict__, "last": True}))
    assert page.page == page.pages and _codes(page) == expected[(page.pages - 1) * 10 :]
    back = _codes(page)
    while page.prev_cursor:
        page = unit_page(
            session, manager, UnitFilter(**{**flt.__dict__, "before": page.prev_cursor})
        )
        back = _codes(page) + back
    assert back == expected


def test_page_numbers_near_either_end_and_deep_ones_refused(session, world, many, monkeypatch):
    manager = world.users["manager"]
    expected = _expected(many, "code", False)
    monkeypatch.setattr(listing, "PAGE_WINDOW", 3)
    for number in (1, 2, 3, 14, 15, 16):  # 16 pages of 10: 1-3 from the start, 14-16 the end
        page = unit_page(session, manager, UnitFilter(per_page=10, page=number))
        assert _codes(page) == expected[(number - 1) * 10 : number * 10], number
        assert not page.too_deep
    deep = unit_page(session, manager, UnitFilter(per_page=10, page=8))
    assert deep.too_deep and deep.page == 3 and _codes(deep) == expected[20:30]


def test_a_cursor_link_stays_on_its_rows_when_units_are_added(session, world, many):
    manager = world.users["manager"]
    first = unit_page(session, manager, UnitFilter(per_page=10))
    second = _codes(unit_page(session, manager, UnitFilter(per_page=10, after=first.next_cursor)))
    factories.make_unit(session, world.area_a, code="A-0000")  # sorts before everything
    session.commit()
    again = _codes(unit_page(session, manager, UnitFilter(per_page=10, after=first.next_cursor)))
    assert again == second


@pytest.mark.parametrize("cursor", ["", "x", "!!!", "W10", "WzAsMV0", "WzksImEiXQ", "a" * 700])
def test_bad_cursors_open_the_first_page(login_as, world, many, cursor):
    client = login_as("manager")
    for name in ("after", "before"):
        response = client.get("/units", query_string={name: cursor, "sort": "stars"})
        assert response.status_code == 200


def test_pages_link_by_cursor_and_deep_numbers_say_so(login_as, world, many, monkeypatch):
    monkeypatch.setattr(listing, "PAGE_WINDOW", 1)
    client = login_as("manager")
    html = client.get("/units").get_data(as_text=True)
    next_link = re.search(r'href="([^"]*after=[^"]+)" rel="next"', html).group(1)
    assert "第 1 / 4 页" in html and 'rel="last"' in html
    html2 = client.get(next_link.replace("&amp;", "&")).get_data(as_text=True)
    assert "第 2 / 4 页" in html2 and 'rel="prev"' in html2
    deep = client.get("/units", query_string={"page": 2}).get_data(as_text=True)
    assert 'id="too-deep"' in deep


# "林廓北路10号": its last four characters (路10号, looked up first) are in three streets.
@pytest.mark.parametrize(
    "term", ["雪", "巷", "路1", "新村", "北京", "号", "雪域路1", "林廓北路10号", "北京中路1"]
)
def test_short_and_long_address_terms_find_exactly_the_substring(session, world, many, term):
    manager = world.users["manager"]
    want = sorted(u.code for u in many if term in u.address)
    got, page = [], unit_page(session, manager, UnitFilter(q=term, per_page=20))
    while True:
        got += _codes(page)
        if not page.next_cursor:
            break
        page = unit_page(session, manager, UnitFilter(q=term, per_page=20, after=page.next_cursor))
    assert sorted(got) == want and page.total == len(want) and page.exact


@pytest.mark.parametrize("term", ["雪", "雪域路1"])
def test_common_terms_match_along_the_list_and_their_total_is_an_estimate(
    session, world, many, monkeypatch, term
):
    monkeypatch.setattr(listing, "HITS_CAP", 3)  # every term is "common"
    monkeypatch.setattr(listing, "COUNT_CAP", 5)
    manager = world.users["manager"]
    want = sorted(u.code for u in many if term in u.address)
    page = unit_page(session, manager, UnitFilter(q=term, per_page=500))
    assert sorted(_codes(page)) == want
    assert not page.exact and page.total > 5


def test_short_terms_follow_address_edits(session, world):
    world.unit_a.address = "羊八井1号"
    session.add(world.unit_a)
    session.commit()
    manager = world.users["manager"]
    assert _codes(unit_page(session, manager, UnitFilter(q="羊八"))) == [world.unit_a.code]
    assert _codes(unit_page(session, manager, UnitFilter(q="井"))) == [world.unit_a.code]
    world.unit_a.address = "幸福路1号"
    session.add(world.unit_a)
    session.commit()
    assert _codes(unit_page(session, manager, UnitFilter(q="井"))) == []
    grams = session.execute(
        text("SELECT count(*) FROM unit_gram WHERE unit_id = :u"), {"u": world.unit_a.id}
    ).scalar()
    assert grams == len({"幸", "福", "路", "号", "幸福", "福路", "路1", "1号"})


def test_estimated_totals_are_marked(login_as, world, many, monkeypatch):
    monkeypatch.setattr(listing, "COUNT_CAP", 5)
    html = login_as("manager").get("/units", query_string={"q": "雪"}).get_data(as_text=True)
    assert re.search(r'data-estimate="1">共约 \d+ 户', html)


def test_inspector_totals_cover_only_their_areas(session, world, many):
    inspector = world.users["inspector_a"]
    page = unit_page(session, inspector, UnitFilter())
    assert page.total == sum(1 for u in many if u.area_id == world.area_a.id)
