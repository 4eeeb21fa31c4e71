from __future__ import annotations

from datetime import timedelta

import pytest

from rentals.errors import InvalidInput
from rentals.incentives import blacklist as blacklists
from rentals.incentives.blacklist import notify_blacklist
from tests.printing.helpers import NOW, keep_png, make_rating, pages, rate, text


def notified(session, unit, days_before=22):  # type: ignore[no-untyped-def]
    """The landlord was told ``days_before`` days before NOW (21 days must pass)."""
    notify_blacklist(session, actor=None, unit=unit, now=NOW - timedelta(days=days_before))


def test_blacklist_lists_one_star_and_not_rated_with_reasons_and_no_phones(session, world):
    make_rating(session, world.unit_a, stars=1, status="one", failed=("F1", "F3"))
    make_rating(session, world.unit_b, stars=0, status="not_rated", vetoes=("V2",))
    notified(session, world.unit_a)
    notified(session, world.unit_b)
    edition = blacklists.publish_blacklist(session, month="2027-02", now=NOW)
    body = text(edition.pdf)
    assert pages(edition.pdf) == 1
    assert world.unit_a.code in body and world.unit_b.code in body
    assert "F1" in body and "F3" in body and "V2" in body
    assert "不予评定" in body and "如何申诉" in body and "2027-02-20" in body
    assert world.landlord_a.name not in body
    assert world.landlord_a.phone[3:] not in body and world.landlord_a.id_number not in body
    keep_png(edition.pdf, "blacklist")


def test_published_edition_reprints_identically_after_ratings_change(session, world):
    make_rating(session, world.unit_a, stars=1, status="one", failed=("F1",))
    notified(session, world.unit_a)
    first = blacklists.publish_blacklist(session, month="2027-02", now=NOW)
    pdf, data = first.pdf, dict(first.data)
    rate(session, world.unit_a, "three", 3)
    make_rating(session, world.unit_b, stars=1, status="one", failed=("F2",))
    notified(session, world.unit_b, days_before=12)  # its 21 days end before March's edition
    again = blacklists.publish_blacklist(session, month="2027-02", now=NOW + timedelta(days=3))
    assert again.id == first.id and again.pdf == pdf and again.data == data
    march = blacklists.publish_blacklist(session, month="2027-03", now=NOW + timedelta(days=9))
    assert world.unit_b.code in text(march.pdf) and world.unit_a.code not in text(march.pdf)


def test_month_must_be_yyyy_mm():
    with pytest.raises(InvalidInput):
        blacklists.month_key("2027-2-1")


def test_a_unit_is_listed_only_21_days_after_its_landlord_was_notified(session, world):
    make_rating(session, world.unit_a, stars=1, status="one", failed=("F1",))
    make_rating(session, world.unit_b, stars=1, status="one", failed=("F2",))
    notified(session, world.unit_a, days_before=20)  # not yet 21 days
    edition = blacklists.publish_blacklist(session, month="2027-02", now=NOW)
    assert edition.data["rows"] == []
    later = blacklists.publish_blacklist(session, month="2027-03", now=NOW + timedelta(days=2))
    assert [r["unit_code"] for r in later.data["rows"]] == [world.unit_a.code]
