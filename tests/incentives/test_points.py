"""Points (积分制): entries from recorded events, by the rules version of the event's date,
written once, never rewritten; balances and rankings.

The expected points are worked out by hand from the brief's example rules (+10 three stars
held a year, +5 order fixed by its deadline, +2 tenant change reported within 3 days, +3
residence registration, −5 order overdue, −10 refusal, −20 veto for a serious hazard).
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlmodel import select

from rentals.incentives import points
from rentals.incentives.models import PointsEntry
from rentals.incentives.points_rules import CatalogueError, parse_rules, rules_for
from rentals.inspections.models import Inspection, RectificationOrder
from rentals.portal.models import TenantDeclaration
from rentals.ratings.services import ensure_default_scorecard
from tests import factories
from tests.portal.helpers import rate

TODAY = date(2027, 3, 1)


def at(day: str) -> datetime:
    """10:00 in Lhasa (02:00 UTC) on ``day``: the local date is ``day``."""
    return datetime.fromisoformat(day).replace(hour=2, tzinfo=UTC)


def refusal(session, unit, day):  # type: ignore[no-untyped-def]
    version = ensure_default_scorecard(session, today=date(2026, 1, 1))
    row = Inspection(
        unit_id=unit.id,
        scorecard_version_id=version.id,
        client_key=f"refusal-{unit.id}-{day}",
        outcome="refused",
        visited_at=at(day),
    )
    session.add(row)
    session.flush()
    return row


def order(session, unit, inspection, deadline, closed=None):  # type: ignore[no-untyped-def]
    row = RectificationOrder(
        unit_id=unit.id,
        inspection_id=inspection.id,
        item_code="F1",
        deadline=date.fromisoformat(deadline),
        status="closed" if closed else "open",
        closed_at=at(closed) if closed else None,
    )
    session.add(row)
    session.flush()
    return row


def declaration(session, world, moved_in, declared, *, registered=False, tenancy=None):  # type: ignore[no-untyped-def]
    row = TenantDeclaration(
        unit_id=world.unit_a.id,
        name="次仁",
        id_number=factories.unique_id_number(),
        moved_in=date.fromisoformat(moved_in),
        registered=registered,
        status="confirmed",
        declared_at=at(declared),
        decided_at=at(declared),
        tenancy_id=tenancy,
    )
    session.add(row)
    session.flush()
    return row


@pytest.fixture
def events(session, world):  # type: ignore[no-untyped-def]
    """landlord_a: +10 +5 −5 −10 +2 = 2; landlord_b: −20; tenant_a: +3."""
    unit_c = factories.make_unit(session, world.area_a, world.landlord_a)
    rate(session, unit_c, now=at("2025-12-01"))  # three stars; a full year on 2026-12-01
    first = refusal(session, world.unit_a, "2027-02-25")  # −10
    order(session, world.unit_a, first, "2027-02-20", closed="2027-02-18")  # +5
    order(session, world.unit_a, first, "2027-02-10")  # open, −5 from 2027-02-11
    order(session, world.unit_a, first, "2027-03-05")  # open, not yet due: nothing
    declaration(session, world, "2027-02-01", "2027-02-03")  # 2 days: +2
    declaration(session, world, "2027-01-01", "2027-01-10")  # 9 days: nothing
    declaration(
        session, world, "2027-01-05", "2027-02-20", registered=True, tenancy=world.tenancy_a.id
    )  # tenant +3
    rate(session, world.unit_b, vetoes=("V1",), now=at("2027-02-15"))  # −20
    return unit_c


def _ledger(session):  # type: ignore[no-untyped-def]
    return sorted(
        (e.person_id, e.event, e.points, e.occurred_on.isoformat(), e.rules_version)
        for e in session.exec(select(PointsEntry))
    )


def test_entries_from_recorded_events_hand_worked(session, world, events):
    assert points.sweep_points(session, today=TODAY) == 7
    a, b, tenant = world.landlord_a.id, world.landlord_b.id, world.tenant_a.id
    assert _ledger(session) == sorted(
        [
            (a, "three_star_year", 10, "2026-12-01", 1),
            (a, "order_fixed", 5, "2027-02-18", 1),
            (a, "order_overdue", -5, "2027-02-11", 1),
            (a, "refusal", -10, "2027-02-25", 1),
            (a, "tenant_change_on_time", 2, "2027-02-03", 1),
            (b, "serious_hazard_veto", -20, "2027-02-15", 1),
            (tenant, "residence_registered", 3, "2027-02-20", 1),
        ]
    )
    assert points.balance(session, a) == 2
    assert points.balance(session, b) == -20
    assert points.balance(session, tenant) == 3
    assert [e.event for e in points.history(session, a)][:2] == ["refusal", "order_fixed"]


def test_a_second_sweep_writes_nothing(session, world, events):
    points.sweep_points(session, today=TODAY)
    before = _ledger(session)
    assert points.sweep_points(session, today=TODAY) == 0
    assert _ledger(session) == before


def test_a_new_rules_version_changes_future_points_only(
    session, world, events, tmp_path, monkeypatch
):
    points.sweep_points(session, today=date(2027, 2, 26))
    first = {e.key: e.points for e in session.exec(select(PointsEntry))}
    assert first["refusal:inspection:" + str(_refusal_id(session, "2027-02-25"))] == -10
    v2 = (
        'version = 2\nactive_from = 2027-02-26\n[title]\nzh = "第2版"\n'
        '[[rules]]\nevent = "refusal"\npoints = -15\nzh = "拒绝检查（第2版）"\n'
    )
    (tmp_path / "v2.toml").write_text(v2, encoding="utf-8")
    monkeypatch.setattr(points, "_folder", lambda: tmp_path)
    later = refusal(session, world.unit_a, "2027-02-27")
    assert points.sweep_points(session, today=TODAY) == 1
    entries = {e.key: e for e in session.exec(select(PointsEntry))}
    assert {k: e.points for k, e in entries.items() if k in first} == first  # never rewritten
    new = entries[f"refusal:inspection:{later.id}"]
    assert (new.points, new.rules_version, new.reason_zh) == (-15, 2, "拒绝检查（第2版）")
    # Version 2 has no rule for orders: an order overdue after its date would earn nothing.
    assert rules_for(date(2027, 2, 27), tmp_path).rule("order_overdue", "landlord") is None
    assert points.balance(session, world.landlord_a.id) == 2 - 15


def _refusal_id(session, day):  # type: ignore[no-untyped-def]
    return session.exec(
        select(Inspection.id).where(Inspection.client_key.like(f"refusal-%-{day}"))
    ).one()


def test_rankings_per_area_and_community(session, world, events):
    points.sweep_points(session, today=TODAY)
    by_area = points.ranking(session, area_id=world.area_a.id)
    assert [(p.id, n) for p, n in by_area] == [(world.landlord_a.id, 2)]
    community = points.ranking(session, community_ids=[world.area_a.community_id])
    assert [(p.id, n) for p, n in community] == [
        (world.landlord_a.id, 2),
        (world.landlord_b.id, -20),
    ]
    tenants = points.ranking(session, holder="tenant", community_ids=[world.area_a.community_id])
    assert [(p.id, n) for p, n in tenants] == [(world.tenant_a.id, 3)]


def test_ways_to_earn_list_the_positive_rules_for_landlords():
    assert [(r.event, r.points) for r in points.ways_to_earn(TODAY)] == [
        ("three_star_year", 10),
        ("order_fixed", 5),
        ("tenant_change_on_time", 2),
    ]


HEAD = 'version = 1\nactive_from = 2027-01-01\n[title]\nzh = "x"\n'


@pytest.mark.parametrize(
    "text",
    [
        HEAD + '[[rules]]\nevent = "refusal"\npoints = 0\nzh = "x"\n',
        HEAD + '[[rules]]\nevent = "bribe"\npoints = 5\nzh = "x"\n',
        HEAD + '[[rules]]\nevent = "refusal"\npoints = 100000\nzh = "x"\n',
        HEAD + '[[rules]]\nevent = "refusal"\npoints = true\nzh = "x"\n',
        HEAD + '[[rules]]\nevent = "refusal"\nwho = "police"\npoints = 1\nzh = "x"\n',
        HEAD + '[[rules]]\nevent = "refusal"\npoints = 1\nzh = "x"\n' * 2,
        "rules = " + "[" * 100 + "]" * 100,
    ],
)
def test_bad_rules_are_refused(text):
    with pytest.raises(CatalogueError):
        parse_rules(text)


def test_the_landlord_sees_points_and_how_to_earn_more(
    app, session, world, events, login_as, client
):
    with app.app_context():
        points.sweep_points(session, today=TODAY)
        session.commit()
    login_as("landlord_a")
    html = client.get("/my/points").get_data(as_text=True)
    assert "当前积分：2 分" in html
    earn = html[html.index('id="earn"') : html.index('id="history"')]
    assert "三星保持满一年 · <strong>+10</strong>" in earn and "拒绝检查" not in earn
    assert "拒绝检查 · <strong>-10</strong>" in html[html.index('id="history"') :]


def test_the_office_ranks_by_area_and_ignores_hostile_filters(
    app, session, world, events, login_as, client
):
    with app.app_context():
        points.sweep_points(session, today=TODAY)
        session.commit()
    login_as("manager")
    html = client.get("/incentives/points").get_data(as_text=True)
    ranking = html[html.index('id="ranking"') :]
    assert ranking.index(world.landlord_a.name) < ranking.index(world.landlord_b.name)
    assert 'data-points="2"' in ranking and 'data-points="-20"' in ranking
    only_b = client.get(f"/incentives/points?area={world.area_b.id}").get_data(as_text=True)
    assert world.landlord_a.name not in only_b[only_b.index('id="ranking"') :]
    for query in ("?area=999999999", "?area=abc", "?holder=<x>", "?area=-1&holder=tenant"):
        assert client.get("/incentives/points" + query).status_code == 200


def test_staff_see_the_landlords_points_on_the_unit_file(
    app, session, world, events, login_as, client
):
    with app.app_context():
        points.sweep_points(session, today=TODAY)
        session.commit()
    login_as("inspector_a")
    html = client.get(f"/units/{world.unit_a.code}").get_data(as_text=True)
    assert '<p id="landlord-points">房东积分：2 分</p>' in html


def test_a_registration_counts_once_per_tenancy_and_tenant_reports_earn_the_landlord_nothing(
    session, world, events
):
    from rentals.selfservice.models import ResidenceRegistration

    # Staff record the registration the tenant declared: the same event, no second +3.
    session.add(
        ResidenceRegistration(tenancy_id=world.tenancy_a.id, registered_on=date(2027, 2, 21))
    )
    # A tenant's own declaration reported on time earns the landlord nothing.
    own = declaration(session, world, "2027-02-10", "2027-02-11")
    own.source = "tenant"
    session.add(own)
    session.flush()
    points.sweep_points(session, today=TODAY)
    assert points.balance(session, world.tenant_a.id) == 3
    assert points.balance(session, world.landlord_a.id) == 2
