"""Measures follow ratings: a change proposes the new band's measures and ends the old
ones; confirming, declining, recording and ending are kept as appended history.

Expected codes and texts come from the brief's list of rewards and penalties, written
out here, not read from the catalogue.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlmodel import select

from rentals.audit.models import AuditEvent
from rentals.errors import Conflict, InvalidInput, NotAllowed
from rentals.incentives import measures
from rentals.incentives.blacklist import notice_for
from rentals.incentives.models import Measure, MeasureEvent
from rentals.incentives.queries import open_measures, unit_measures
from rentals.ratings.services import latest_rating
from tests.portal.helpers import NOW, ONE_STAR, TWO_STAR, rate

#: The brief: three stars → recommendation, gift packs, 优秀双联户 nomination; one star →
#: blacklist, fewer parking spaces, no 双联户 evaluation; not rated → referral under law.
THREE = {"R1": "推荐", "R2": "礼包", "R3": "优秀双联户"}
ONE = {"P1": "黑榜", "P2": "停车位", "P3": "双联户"}
NOT_RATED = {"N1": "依法", "N2": "黑榜", "N3": "停车位", "N4": "双联户"}


def _open(session, unit):  # type: ignore[no-untyped-def]
    return {
        m.code: m
        for m in session.exec(
            select(Measure).where(Measure.unit_id == unit.id, Measure.ended_at.is_(None))
        )
    }


def _history(session, measure):  # type: ignore[no-untyped-def]
    return [
        (e.kind, e.data)
        for e in session.exec(
            select(MeasureEvent)
            .where(MeasureEvent.measure_id == measure.id)
            .order_by(MeasureEvent.id)
        )
    ]


@pytest.mark.parametrize(
    ("failed", "vetoes", "expected"),
    [((), (), THREE), (ONE_STAR, (), ONE), ((), ("V1",), NOT_RATED), (TWO_STAR, (), {})],
)
def test_a_rating_proposes_the_measures_of_its_band(session, world, failed, vetoes, expected):
    rate(session, world.unit_a, failed=failed, vetoes=vetoes)
    found = _open(session, world.unit_a)
    assert set(found) == set(expected)
    for code, word in expected.items():
        assert word in found[code].text_zh
        assert found[code].status == "proposed" and found[code].landlord_id == world.landlord_a.id
        assert [kind for kind, _ in _history(session, found[code])] == ["proposed"]


def test_the_same_status_again_keeps_the_measures_in_force(session, world):
    rate(session, world.unit_a)
    first = _open(session, world.unit_a)
    rate(session, world.unit_a, now=NOW + timedelta(days=30))
    assert _open(session, world.unit_a) == first
    assert session.exec(select(Measure)).all() == list(first.values())


def test_a_second_call_for_one_rating_changes_nothing(session, world):
    rating = rate(session, world.unit_a, failed=ONE_STAR)
    before = {(m.id, m.ended_at) for m in session.exec(select(Measure))}
    assert measures.rating_changed(session, rating=rating, now=NOW) == []
    assert {(m.id, m.ended_at) for m in session.exec(select(Measure))} == before
    assert len(session.exec(select(MeasureEvent)).all()) == 3


def test_confirm_record_and_end_are_kept_in_history(session, world):
    manager = world.users["manager"]
    rate(session, world.unit_a, failed=ONE_STAR)
    parking = _open(session, world.unit_a)["P2"]
    measures.confirm_measure(session, actor=manager, measure=parking, now=NOW)
    assert parking.status == "confirmed"
    done = measures.Done(parking_from=4, parking_to=2, note="按一星标准")
    measures.record_measure(session, actor=manager, measure=parking, done=done, now=NOW)
    assert parking.status == "done"
    # The rating rises: the one-star measures end, history stays, three-star ones come.
    later = NOW + timedelta(days=40)
    rising = rate(session, world.unit_a, now=later)
    assert parking.ended_at == later
    assert _history(session, parking) == [
        ("proposed", {"version": 1}),
        ("confirmed", {}),
        ("recorded", {"from": 4, "to": 2, "note": "按一星标准"}),
        ("ended", {"rating": rising.id}),
    ]
    assert set(_open(session, world.unit_a)) == set(THREE)
    with pytest.raises(Conflict):
        measures.record_measure(session, actor=manager, measure=parking, done=done, now=later)
    actions = session.exec(
        select(AuditEvent.action).where(
            AuditEvent.subject_type == "unit", AuditEvent.subject_id == str(world.unit_a.id)
        )
    ).all()
    for action in ("measure.proposed", "measure.confirmed", "measure.recorded"):
        assert action in actions


def test_decline_needs_a_reason_and_is_final(session, world):
    manager = world.users["manager"]
    rate(session, world.unit_a)
    gift = _open(session, world.unit_a)["R2"]
    with pytest.raises(InvalidInput):
        measures.decline_measure(session, actor=manager, measure=gift, reason="  ", now=NOW)
    measures.decline_measure(session, actor=manager, measure=gift, reason="礼包已发完", now=NOW)
    assert gift.status == "declined"
    with pytest.raises(Conflict):
        measures.confirm_measure(session, actor=manager, measure=gift, now=NOW)
    assert [k for k, _ in _history(session, gift)] == ["proposed", "declined"]


def test_only_the_office_decides_measures(session, world):
    rate(session, world.unit_a)
    gift = _open(session, world.unit_a)["R2"]
    for role in ("inspector_a", "landlord_a"):
        with pytest.raises(NotAllowed):
            measures.confirm_measure(session, actor=world.users[role], measure=gift, now=NOW)
    assert gift.status == "proposed"


@pytest.mark.parametrize(
    ("code", "done", "field"),
    [
        ("P2", measures.Done(parking_from=2, parking_to=2), "parking_to"),  # not fewer
        ("P2", measures.Done(parking_from=3, parking_to=5), "parking_to"),
        ("P2", measures.Done(parking_from=10**6, parking_to=1), "parking_to"),
        ("P2", measures.Done(parking_from=None, parking_to=1), "parking_to"),
        ("P2", measures.Done(parking_from=4, parking_to=2, note="长" * 501), "note"),
    ],
)
def test_parking_records_are_checked(session, world, code, done, field):
    manager = world.users["manager"]
    rate(session, world.unit_a, failed=ONE_STAR)
    measure = _open(session, world.unit_a)[code]
    measures.confirm_measure(session, actor=manager, measure=measure, now=NOW)
    with pytest.raises(InvalidInput) as err:
        measures.record_measure(session, actor=manager, measure=measure, done=done, now=NOW)
    assert err.value.field == field and measure.status == "confirmed"


def test_a_handover_is_dated_between_the_proposal_and_today(session, world):
    manager = world.users["manager"]
    rate(session, world.unit_a)  # proposed 2027-03-01 (NOW, local date)
    gift = _open(session, world.unit_a)["R2"]
    measures.confirm_measure(session, actor=manager, measure=gift, now=NOW)
    today = NOW + timedelta(days=5)
    for wrong in (date(2027, 2, 28), date(2027, 3, 7), None):
        with pytest.raises(InvalidInput):
            measures.record_measure(
                session, actor=manager, measure=gift, done=measures.Done(on=wrong), now=today
            )
    done = measures.Done(on=date(2027, 3, 6), note="灭火器两具、米面油一套")
    measures.record_measure(session, actor=manager, measure=gift, done=done, now=today)
    assert _history(session, gift)[-1] == (
        "recorded",
        {"on": "2027-03-06", "note": "灭火器两具、米面油一套"},
    )


def test_a_referral_records_its_number_and_a_blacklist_measure_notifies(session, world):
    manager = world.users["manager"]
    rating = rate(session, world.unit_a, vetoes=("V1",))
    found = _open(session, world.unit_a)
    measures.confirm_measure(session, actor=manager, measure=found["N1"], now=NOW)
    with pytest.raises(InvalidInput):
        measures.record_measure(
            session, actor=manager, measure=found["N1"], done=measures.Done(number="<x>"), now=NOW
        )
    number = "拉城公(治)移字〔2027〕15号"
    measures.record_measure(
        session, actor=manager, measure=found["N1"], done=measures.Done(number=number), now=NOW
    )
    assert _history(session, found["N1"])[-1] == ("recorded", {"number": number, "note": ""})
    assert notice_for(session, rating) is None
    measures.confirm_measure(session, actor=manager, measure=found["N2"], now=NOW)
    assert found["N2"].status == "done" and notice_for(session, rating) is not None
    measures.confirm_measure(session, actor=manager, measure=found["N4"], now=NOW)
    assert found["N4"].status == "done"  # nothing to record
    with pytest.raises(Conflict):
        measures.record_measure(
            session, actor=manager, measure=found["N4"], done=measures.Done(), now=NOW
        )


def test_landlords_see_only_decided_measures_and_the_office_its_own_scope(session, world):
    manager = world.users["manager"]
    rate(session, world.unit_a)
    rate(session, world.unit_b, failed=ONE_STAR)
    gift = _open(session, world.unit_a)["R2"]
    measures.confirm_measure(session, actor=manager, measure=gift, now=NOW)
    assert [
        line.measure.code for line in unit_measures(session, world.unit_a, landlord_view=True)
    ] == ["R2"]
    assert len(unit_measures(session, world.unit_a)) == 3
    rows, total = open_measures(session, manager, state="proposed")
    assert total == 5 and len(rows) == 5  # R1, R3 of unit_a; P1-P3 of unit_b
    rows, total = open_measures(session, world.users["inspector_b"], state="proposed")
    assert total == 3 and {u.id for _line, u, _a in rows} == {world.unit_b.id}
    rows, total = open_measures(session, manager, state="confirmed")
    assert [line.measure.code for line, _u, _a in rows] == ["R2"]


def test_the_latest_rating_is_what_the_measures_point_at(session, world):
    rate(session, world.unit_a, failed=ONE_STAR)
    rating = latest_rating(session, world.unit_a)
    assert {m.rating_id for m in _open(session, world.unit_a).values()} == {rating.id}
