"""Points redeemed against the measures a community chooses: the settings keep their
history, a redemption is one keyed negative entry and a measure to hand over, refused in
words when the balance is short or the measure is not offered, and never twice.

Balances are hand-worked from credits written in each test (+12, +3 …) and the costs set.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
from sqlmodel import func, select

from rentals.errors import Conflict, InvalidInput, NotAllowed, NotFound
from rentals.incentives import points, redemptions
from rentals.incentives.models import (
    Measure,
    MeasureEvent,
    PointsEntry,
    RedeemableMeasure,
)
from tests import factories
from tests.conftest import csrf_token
from tests.portal.helpers import ONE_STAR, rate

NOW = datetime(2027, 3, 1, 2, 0, tzinfo=UTC)  # 10:00 in Lhasa
TODAY = date(2027, 3, 1)
KEY = "k" * 20


def credit(session, world, person, n, key):  # type: ignore[no-untyped-def]
    """A ledger line of ``n`` points for ``person`` (as the sweep writes them)."""
    session.add(
        PointsEntry(
            key=f"test:{key}",
            person_id=person.id,
            holder="landlord",
            unit_id=world.unit_a.id,
            area_id=world.area_a.id,
            community_id=world.area_a.community_id,
            event="order_fixed",
            points=n,
            rules_version=1,
            reason_zh="测试",
            source_type="order",
            source_id=1,
            occurred_on=date(2027, 2, 1),
        )
    )
    session.flush()


def offer(session, world, code="R2", cost=5, community=None):  # type: ignore[no-untyped-def]
    return redemptions.set_redeemable(
        session,
        actor=world.users["manager"],
        community_id=community or world.area_a.community_id,
        code=code,
        cost=cost,
        today=TODAY,
    )


def entries(session, person):  # type: ignore[no-untyped-def]
    return sorted(
        (e.points, e.event)
        for e in session.exec(select(PointsEntry).where(PointsEntry.person_id == person.id))
    )


def redeem(session, world, *, key=KEY, code="R2", unit=None, actor="landlord_a"):  # type: ignore[no-untyped-def]
    return redemptions.redeem(
        session,
        actor=world.users[actor],
        unit=unit or world.unit_a,
        code=code,
        request_key=key,
        now=NOW,
    )


def test_a_redemption_is_a_keyed_negative_entry_and_a_measure_to_hand_over(app_ctx, session, world):
    credit(session, world, world.landlord_a, 12, "a")
    offer(session, world, cost=5)
    measure = redeem(session, world)
    assert points.balance(session, world.landlord_a.id) == 7
    entry = session.get(PointsEntry, measure.points_entry_id)
    assert (entry.points, entry.event, entry.source_type, entry.source_id) == (
        -5,
        "redemption",
        "measure",
        measure.id,
    )
    assert entry.key == f"redeem:{world.landlord_a.id}:{KEY}"
    assert entry.reason_zh == "积分兑换：发放消防器材和日用品礼包"
    assert (measure.rating_id, measure.code, measure.status, measure.record) == (
        None,
        "R2",
        "confirmed",
        "handover",
    )
    assert measure.landlord_id == world.landlord_a.id
    kinds = session.exec(select(MeasureEvent.kind).where(MeasureEvent.measure_id == measure.id))
    assert list(kinds) == ["redeemed"]
    # The same request again (a double submit): the same measure, no second entry.
    assert redeem(session, world).id == measure.id
    assert entries(session, world.landlord_a) == [(-5, "redemption"), (12, "order_fixed")]
    # A new request spends again: 7 - 5 = 2.
    redeem(session, world, key="m" * 20)
    assert points.balance(session, world.landlord_a.id) == 2


def test_a_short_balance_or_an_unoffered_measure_is_refused_and_nothing_is_written(
    app_ctx, session, world
):
    credit(session, world, world.landlord_a, 3, "a")
    offer(session, world, cost=5)
    with pytest.raises(Conflict) as short:
        redeem(session, world)
    assert str(short.value.message) == "积分不足：需要 5 分，现有 3 分。"
    with pytest.raises(Conflict) as unoffered:
        redeem(session, world, code="R3")  # a reward this community does not offer
    assert str(unoffered.value.message) == "这项措施在本社区不能用积分兑换。"
    # Another community's unit of the same landlord: that community offers nothing.
    other = factories.make_community(session, name="其他社区")
    far = factories.make_unit(
        session, factories.make_area(session, other, "丙区"), world.landlord_a
    )
    credit(session, world, world.landlord_a, 10, "b")
    with pytest.raises(Conflict):
        redeem(session, world, unit=far)
    assert session.exec(select(func.count()).select_from(Measure)).one() == 0
    assert entries(session, world.landlord_a) == [(3, "order_fixed"), (10, "order_fixed")]


def test_only_the_landlord_or_the_office_redeems_and_a_bad_key_is_refused(app_ctx, session, world):
    credit(session, world, world.landlord_a, 20, "a")
    offer(session, world, cost=5)
    with pytest.raises(NotAllowed):
        redeem(session, world, actor="landlord_b")  # not their unit
    with pytest.raises(NotAllowed):
        redeem(session, world, actor="inspector_a")
    for bad in ("", "short", "x" * 65, "bad key with spaces!", None):
        with pytest.raises(InvalidInput):
            redeem(session, world, key=bad)
    # The office on the landlord's behalf: the landlord's points, the landlord's measure.
    measure = redeem(session, world, actor="manager")
    assert measure.landlord_id == world.landlord_a.id
    assert points.balance(session, world.landlord_a.id) == 15


def test_settings_are_appended_and_the_newest_is_in_force(app_ctx, session, world):
    community = world.area_a.community_id
    assert offer(session, world, cost=5) is not None
    assert offer(session, world, cost=5) is None  # unchanged: no row
    offer(session, world, cost=8)
    offer(session, world, cost=None)  # no longer redeemable
    rows = session.exec(
        select(RedeemableMeasure.cost, RedeemableMeasure.active).order_by(RedeemableMeasure.id)
    )
    assert list(rows) == [(5, True), (8, True), (8, False)]
    assert redemptions.offers(session, [community], today=TODAY) == {community: []}
    offer(session, world, cost=6)
    [only] = redemptions.offers(session, [community], today=TODAY)[community]
    assert (only.spec.code, only.cost) == ("R2", 6)
    # Penalties and the recommendation list are not for sale; costs are bounded.
    for code, cost in (("P2", 5), ("N1", 5), ("ZZ", 5), ("R2", 0), ("R2", 10001), ("R2", -1)):
        with pytest.raises(InvalidInput):
            offer(session, world, code=code, cost=cost)
    with pytest.raises(NotAllowed):
        redemptions.set_redeemable(
            session, actor=world.users["inspector_a"], community_id=community, code="R2", cost=1,
            today=TODAY,
        )  # fmt: skip


def test_a_rating_change_does_not_end_a_redeemed_measure(app_ctx, session, world):
    credit(session, world, world.landlord_a, 20, "a")
    offer(session, world, cost=5)
    measure = redeem(session, world)
    rate(session, world.unit_a, failed=ONE_STAR, now=NOW)
    session.refresh(measure)
    assert measure.ended_at is None and measure.status == "confirmed"


# -- pages ---------------------------------------------------------------------------------------


def _key(html: str) -> str:
    return re.search(r'name="request_key" value="([^"]+)"', html).group(1)


def test_the_landlord_redeems_on_the_points_page_once_per_submit(
    app, session, world, login_as, client
):
    with app.app_context():
        credit(session, world, world.landlord_a, 12, "a")
        offer(session, world, cost=5)
        offer(session, world, code="R3", cost=50)
        session.commit()
    login_as("landlord_a")
    html = client.get("/my/points").get_data(as_text=True)
    redeem_part = html[html.index('id="redeem"') : html.index('id="earn"')]
    assert "发放消防器材和日用品礼包 · <strong>5 分</strong>" in redeem_part
    assert "还差 38 分" in redeem_part  # R3 costs 50, the balance is 12
    tibetan = client.get("/my/points?lang=bo").get_data(as_text=True)
    offered = tibetan[tibetan.index('id="redeem"') : tibetan.index('id="earn"')]
    assert "མེ་གསོད་ཡོ་བྱད་དང་འཚོ་བའི་དགོས་ཆས་ཀྱི་ལེགས་སྐྱེས་སྤྲོད།" in offered
    assert "བརྗེ་ལེན།</button>" in offered and "ད་དུང་ 38 མི་འདང་།" in offered
    client.get("/my/points?lang=zh")
    data = {
        "csrf_token": csrf_token(client, "/my/points"),
        "unit": world.unit_a.code,
        "code": "R2",
        "request_key": _key(html),
    }
    first = client.post("/my/points/redeem", data=data)
    again = client.post("/my/points/redeem", data=data)  # the double submit
    assert first.status_code == again.status_code == 303
    after = client.get("/my/points").get_data(as_text=True)
    assert "当前积分：7 分" in after
    assert "积分兑换：发放消防器材和日用品礼包 · <strong>-5</strong>" in after
    with app.app_context():
        assert (
            session.exec(
                select(func.count())
                .select_from(Measure)
                .where(Measure.points_entry_id.is_not(None))
            ).one()
            == 1
        )
    # The measure shows on the landlord's unit page like any other.
    unit_page = client.get(f"/my/units/{world.unit_a.code}").get_data(as_text=True)
    assert "用 5 积分兑换，待发放" in unit_page


def test_hostile_redemptions_change_nothing(app, session, world, login_as, client):
    with app.app_context():
        credit(session, world, world.landlord_a, 12, "a")
        offer(session, world, cost=5)
        session.commit()
    login_as("landlord_a")
    token = csrf_token(client, "/my/points")
    base = {"csrf_token": token, "unit": world.unit_a.code, "code": "R2", "request_key": KEY}
    for changes, status in (
        ({"unit": world.unit_b.code}, 404),  # another landlord's unit
        ({"unit": "NOPE"}, 404),
        ({"unit": "x" * 5000}, 303),
        ({"code": "P2"}, 303),
        ({"code": "<script>"}, 303),
        ({"request_key": "short"}, 303),
        ({"request_key": "x" * 5000}, 303),
        ({"csrf_token": "bad"}, 303),
    ):
        answer = client.post("/my/points/redeem", data={**base, **changes})
        assert answer.status_code in (status, 400), (changes, answer.status_code)
    with app.app_context():
        assert points.balance(session, world.landlord_a.id) == 12
        assert session.exec(select(func.count()).select_from(Measure)).one() == 0


def test_the_office_sets_costs_and_redeems_for_the_landlord(app, session, world, login_as, client):
    with app.app_context():
        credit(session, world, world.landlord_a, 12, "a")
        session.commit()
    login_as("manager")
    page = client.get("/incentives/redeemable").get_data(as_text=True)
    assert f'id="redeemable-{world.area_a.community_id}-R2"' in page
    assert 'id="redeemable-' + str(world.area_a.community_id) + '-P2"' not in page
    token = csrf_token(client, "/incentives/redeemable")
    community = world.area_a.community_id
    for cost in ("0", "10001", "abc", "-3"):
        bad = client.post(
            "/incentives/redeemable",
            data={"csrf_token": token, "community": community, "code": "R2", "cost": cost},
        )
        assert bad.status_code == 422
    unknown = client.post(
        "/incentives/redeemable",
        data={"csrf_token": token, "community": 999999, "code": "R2", "cost": "4"},
    )
    assert unknown.status_code == 404
    saved = client.post(
        "/incentives/redeemable",
        data={"csrf_token": token, "community": community, "code": "R2", "cost": "4"},
    )
    assert saved.status_code == 303
    with app.app_context():
        assert session.exec(select(func.count()).select_from(RedeemableMeasure)).one() == 1
    html = client.get(f"/incentives/units/{world.unit_a.code}/points").get_data(as_text=True)
    assert "当前积分：12 分" in html
    done = client.post(
        f"/incentives/units/{world.unit_a.code}/redeem",
        data={
            "csrf_token": token,
            "unit": world.unit_a.code,
            "code": "R2",
            "request_key": _key(html),
        },
    )
    assert done.status_code == 303
    assert "当前积分：8 分" in client.get(f"/incentives/units/{world.unit_a.code}/points").get_data(
        as_text=True
    )
    # The unit file shows the redeemed measure to record its handover.
    assert "积分兑换" in client.get(f"/units/{world.unit_a.code}").get_data(as_text=True)


def test_another_communitys_manager_cannot_set_costs(app, session, world):
    with app.app_context():
        other = factories.make_community(session, name="别的社区")
        outsider = factories.make_user(session, "manager", communities=(other,))
        with pytest.raises(NotFound):
            redemptions.set_redeemable(
                session, actor=outsider, community_id=world.area_a.community_id, code="R2",
                cost=1, today=TODAY,
            )  # fmt: skip
        assert session.exec(select(func.count()).select_from(RedeemableMeasure)).one() == 0
