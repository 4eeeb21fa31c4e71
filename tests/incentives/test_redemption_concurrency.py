"""Two redemptions at once never spend the same points: a balance of 10 pays for one
measure of 8, not two; the same request from two processes redeems once. Runs on a
database of its own (SQLite by default, PostgreSQL under ``python -m tests.pgserver``),
with the balance read slowed so that, unlocked, both would read 10 before either writes."""

from __future__ import annotations

import threading
import time
from datetime import UTC, date, datetime

import pytest
from sqlmodel import func, select

from rentals import create_app, db
from rentals.auth.models import User
from rentals.config import TestConfig
from rentals.errors import Conflict
from rentals.incentives import points, redemptions
from rentals.incentives.models import Measure, PointsEntry
from rentals.migrate import upgrade
from rentals.register.models import Unit
from tests import factories
from tests.conftest import fresh_database_url

NOW = datetime(2027, 3, 1, 2, 0, tzinfo=UTC)


@pytest.fixture
def setup(tmp_path_factory, monkeypatch):  # type: ignore[no-untyped-def]
    url = fresh_database_url(tmp_path_factory)
    engine = db.build_engine(url)
    upgrade(engine)
    engine.dispose()
    app = create_app({"DATABASE_URL": url}, base=TestConfig)
    with app.app_context(), db.unit_of_work() as session:
        world = factories.make_world(session)
        session.add(
            PointsEntry(
                key="test:credit",
                person_id=world.landlord_a.id,
                holder="landlord",
                unit_id=world.unit_a.id,
                area_id=world.area_a.id,
                community_id=world.area_a.community_id,
                event="order_fixed",
                points=10,
                rules_version=1,
                reason_zh="测试",
                source_type="order",
                source_id=1,
                occurred_on=date(2027, 2, 1),
            )
        )
        redemptions.set_redeemable(
            session,
            actor=world.users["manager"],
            community_id=world.area_a.community_id,
            code="R2",
            cost=8,
            today=date(2027, 3, 1),
        )
        ids = (world.users["landlord_a"].id, world.unit_a.id, world.landlord_a.id)
    slow = redemptions.balance

    def slowed(session, person_id):  # type: ignore[no-untyped-def]
        value = slow(session, person_id)
        time.sleep(0.3)
        return value

    monkeypatch.setattr(redemptions, "balance", slowed)
    return app, ids


def _race(app, ids, keys):  # type: ignore[no-untyped-def]
    user_id, unit_id, _person = ids
    start = threading.Barrier(len(keys))
    outcomes: list[str] = []

    def one(key: str) -> None:
        with app.app_context():
            start.wait()
            try:
                with db.unit_of_work() as session:
                    redemptions.redeem(
                        session,
                        actor=session.get(User, user_id),
                        unit=session.get(Unit, unit_id),
                        code="R2",
                        request_key=key,
                        now=NOW,
                    )
                outcomes.append("redeemed")
            except Conflict as err:
                outcomes.append(str(err.message))

    threads = [threading.Thread(target=one, args=(k,)) for k in keys]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return sorted(outcomes)


def _state(app, person_id):  # type: ignore[no-untyped-def]
    with app.app_context(), db.unit_of_work(write=False) as session:
        return (
            points.balance(session, person_id),
            session.exec(select(func.count()).select_from(Measure)).one(),
        )


@pytest.mark.slow
def test_two_redemptions_at_once_cannot_both_spend_the_points(setup):
    app, ids = setup
    outcomes = _race(app, ids, ["a" * 20, "b" * 20])
    assert outcomes == ["redeemed", "积分不足：需要 8 分，现有 2 分。"]
    assert _state(app, ids[2]) == (2, 1)


@pytest.mark.slow
def test_one_request_sent_twice_at_once_redeems_once(setup):
    app, ids = setup
    assert _race(app, ids, ["c" * 20, "c" * 20]) == ["redeemed", "redeemed"]
    assert _state(app, ids[2]) == (2, 1)
