"""What the dashboard page costs and how it behaves on odd data: a bounded number of
statements that never count the units themselves, "stale" kept through every change of a
unit's cadence or last inspection, a row per community for a wide scope (its figures
counted here and its links opening lists of that many rows), and kept counts below zero
(a database written around the ORM) shown with a notice, never a 500.

Expected values come from ``tests.dashboard.seed`` (worked out by hand) and from
``test_aggregates.expected`` (plain SQL rows, cut-offs written out by hand)."""

from __future__ import annotations

import re
from datetime import date
from html import unescape

import pytest
from sqlalchemy import event, select, text

from tests.conftest import login
from tests.dashboard import seed as seeding
from tests.dashboard.test_aggregates import _visit, compare, expected, kept_equals_rebuild
from tests.dashboard.test_dashboard import _figures, _list_rows, _page


def _statements(app, client, url: str) -> list[str]:  # type: ignore[no-untyped-def]
    engine = app.extensions["rentals.db"][0]
    seen: list[str] = []

    def record(_conn, _cursor, statement, *_args):  # type: ignore[no-untyped-def]
        seen.append(" ".join(statement.split()))

    event.listen(engine, "before_cursor_execute", record)
    try:
        _page(client, url)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return seen


def test_the_page_reads_aggregates_only_in_a_bounded_number_of_statements(app, client, seeded):  # type: ignore[no-untyped-def]
    login(client, seeded.users["manager"].username)
    _page(client, f"/dashboard/?month={seeding.MONTH}")  # the session's own reads, once
    statements = _statements(app, client, f"/dashboard/?month={seeding.MONTH}")
    selects = [s for s in statements if s.upper().startswith("SELECT")]
    # units, tasks, months (two ranges), visits, fresh periods (two), incidents per area,
    # inspectors' names, orders, areas, communities, the signed-in user: 13 (was 26).
    assert len(selects) <= 13, "\n".join(selects)
    # Nothing counts the units: every figure is a sum of kept rows (open orders are few
    # and read on their own index, joined to their units by key).
    for sql in selects:
        assert not re.search(r"\bFROM unit\b", sql), sql


def test_stale_follows_a_change_of_cadence_and_of_the_last_inspection(app, client, session, world):  # type: ignore[no-untyped-def]
    from rentals.dashboard import aggregates
    from rentals.register.models import Unit

    _seeded, admin, _clock = world
    login(client, admin.username)
    jan = seeding.TODAY.replace(day=1)
    compare(client, session, jan, seeding.TODAY)
    before = _figures(_page(client, f"/dashboard/?month={seeding.MONTH}"))["rates-stale"][0]
    with app.app_context():
        session.expire_all()  # the visits wrote each unit's last inspection below the ORM
        # Three stars (monthly) to one (weekly), with no visit: units inspected since the
        # monthly cut-off but before the weekly one become stale.
        for unit in session.scalars(select(Unit).where(Unit.stars == 3)):
            unit.stars, unit.rating_status = 1, "one"
        session.commit()
    after = _figures(_page(client, f"/dashboard/?month={seeding.MONTH}"))["rates-stale"][0]
    assert after > before
    # Counted over the raw rows with the cut-offs written out by hand (the history follows
    # the ratings, which this shortcut bypasses, so only the unit figures are compared).
    want = expected(session, jan, seeding.TODAY)
    got = _figures(_page(client, f"/dashboard/?month={seeding.MONTH}"))
    for name in ("rates-stale", "units", "stars-one", "stars-three", "planned"):
        assert got[name][0] == want[name], name
    kept_equals_rebuild(session)
    with app.app_context():
        # A last inspection written through the ORM (an import might): the kept rows follow,
        # also through an object loaded before a visit wrote the day below the ORM.
        unit = session.scalars(select(Unit).where(Unit.last_inspected_on.is_(None))).first()
        other = session.scalars(select(Unit).where(Unit.last_inspected_on.is_not(None))).first()
        late = session.scalars(
            select(Unit).where(Unit.last_inspected_on.is_not(None), Unit.id != other.id)
        ).first()
        _visit(session, late, _seeded.users["inspector_S"], seeding.TODAY, "cost-1")
        assert session.scalar(select(Unit.last_inspected_on).where(Unit.id == late.id)) == (
            seeding.TODAY
        )
        unit.last_inspected_on, other.last_inspected_on = seeding.TODAY, None
        late.last_inspected_on = date(2026, 6, 1)
        session.commit()
        kept = aggregates.snapshot(session.connection())["dashboard_month"]
        rows = {k: n for k, n in kept.items() if k[2].startswith("last:")}
        assert rows == {k: n for k, n in aggregates.last_counts(session.connection()).items() if n}


def test_an_upgrade_fills_the_counts_of_last_inspections_once(app, session, world):  # type: ignore[no-untyped-def]
    from rentals.dashboard import aggregates

    with app.app_context():
        conn = session.connection()
        kept = aggregates.snapshot(conn)
        assert any(m.startswith("last:") for _a, _d, m in kept["dashboard_month"])
        conn.execute(text("DELETE FROM dashboard_month WHERE metric LIKE 'last:%'"))
        inspected = conn.execute(
            text(
                "SELECT count(*) FROM unit"
                " WHERE status = 'active' AND last_inspected_on IS NOT NULL"
            )
        ).scalar_one()
        assert inspected > 0
        assert aggregates.rebuild_if_empty(conn) == {"units": 0, "last": inspected}
        assert aggregates.snapshot(conn) == kept
        assert aggregates.rebuild_if_empty(conn) is None  # once only
        session.rollback()


def test_a_wide_scope_shows_a_row_per_community_with_lists_of_that_many_rows(  # type: ignore[no-untyped-def]
    client, seeded, monkeypatch
):
    monkeypatch.setattr("rentals.dashboard.figures.PER_AREA_ROWS", 2)
    login(client, seeded.users["manager"].username)
    html = _page(client, f"/dashboard/?month={seeding.MONTH}")
    assert 'id="per-community"' in html and 'id="inspectors"' not in html
    assert 'id="incidents-by-community"' in html and 'id="incidents-by-area"' not in html
    figures = _figures(html)
    by_area = seeding.incidents_by_area(seeded)
    for keys in (("S", "N"), ("X",)):
        community = seeded.areas[keys[0]].community_id
        want = seeding.expected(seeded, keys)
        for name in ("due", "done", "overdue"):
            count, url = figures[f"community-{name}-{community}"]
            assert count == want[f"tasks-{name}"], (keys, name)
            listing = _page(client, url)
            assert f'data-total="{count}"' in listing and len(_list_rows(listing)) == count
        count, url = figures[f"incidents-community-{community}"]
        assert count == sum(by_area[k] for k in keys)
        assert len(_list_rows(_page(client, url))) == count
        # The community's name opens its own dashboard, with its inspectors and areas.
        link = re.search(rf'<a href="([^"]+community={community}[^"]*)">', html)
        assert link
        inner = _page(client, unescape(link.group(1)))
        assert 'id="inspectors"' in inner or "本期没有分配给巡查员的任务" in inner
        assert 'id="incidents-by-area"' in inner
    # The totals above the tables do not depend on how the rows are cut.
    monkeypatch.setattr("rentals.dashboard.figures.PER_AREA_ROWS", 20)
    narrow = _figures(_page(client, f"/dashboard/?month={seeding.MONTH}"))
    assert all(narrow[k] == v for k, v in figures.items() if k in narrow)


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE dashboard_units SET units = -7",
        "UPDATE dashboard_task SET n = -3",
        "UPDATE dashboard_month SET n = -2 WHERE metric LIKE 'last:%'",
        "DELETE FROM dashboard_units",  # the fresh units' rows remain: stale below zero
    ],
)
def test_kept_counts_below_zero_show_a_notice_and_never_a_500(app, client, session, seeded, sql):  # type: ignore[no-untyped-def]
    """Rows written around the ORM (raw SQL) and never rebuilt can leave a kept count
    below zero; ``four_week_workload`` refuses negative counts (ValueError)."""
    with app.app_context():
        session.execute(text(sql))
        session.commit()
    login(client, seeded.users["manager"].username)
    response = client.get(f"/dashboard/?month={seeding.MONTH}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    # Below zero, or more stale units than units, or fresh units with no units at all.
    assert 'id="needs-rebuild"' in html
    assert re.search(r"= \d+ \+ 2×\d+ \+ 4×\d+", html)  # the workload formula, clamped
    # A rebuild repairs the counts and the notice goes.
    runner = app.test_cli_runner()
    from rentals.cli import main

    assert runner.invoke(main, ["dashboard", "rebuild"], catch_exceptions=False).exit_code == 0
    html = _page(client, f"/dashboard/?month={seeding.MONTH}")
    assert 'id="needs-rebuild"' not in html
    want = seeding.expected(seeded)
    got = _figures(html)
    assert got["rates-stale"][0] == want["rates-stale"]
    assert got["units"][0] == want["units"]
