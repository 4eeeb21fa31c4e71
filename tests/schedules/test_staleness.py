"""Due for re-inspection (待复核), on dates worked out by hand from the brief's periods:
months, half months (1st-15th, 16th-end) and ISO weeks, each due by its last day."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given

from schedules import cadence_for, is_stale, reinspection_due, stale_before
from schedules.cadence import Cadence
from tests.property.date_strategies import days, stars

D = date


@pytest.mark.parametrize(
    "stars, last, due",
    [
        # Monthly: inspected any day of January, the next one is due by 28 February.
        (3, D(2027, 1, 1), D(2027, 2, 28)),
        (3, D(2027, 1, 31), D(2027, 2, 28)),
        (3, D(2027, 12, 5), D(2028, 1, 31)),
        (3, D(2028, 1, 10), D(2028, 2, 29)),  # leap year
        # Half months: H1 (1st-15th) -> due by the month's end; H2 -> by the next 15th.
        (2, D(2027, 1, 15), D(2027, 1, 31)),
        (2, D(2027, 1, 16), D(2027, 2, 15)),
        (2, D(2027, 2, 1), D(2027, 2, 28)),
        (2, D(2027, 12, 31), D(2028, 1, 15)),
        # ISO weeks: 2026-12-31 is a Thursday of 2026-W53 (28 Dec - 3 Jan), so the next
        # week is 2027-W01, Monday 4 to Sunday 10 January.
        (1, D(2026, 12, 31), D(2027, 1, 10)),
        (1, D(2027, 1, 4), D(2027, 1, 17)),
        (0, D(2027, 1, 10), D(2027, 1, 17)),  # not rated: weekly
        (None, D(2027, 1, 9), D(2027, 1, 17)),  # not yet rated: weekly
    ],
)
def test_the_next_inspection_is_due_by_the_end_of_the_following_period(stars, last, due):  # type: ignore[no-untyped-def]
    assert reinspection_due(stars, last) == due
    assert not is_stale(stars, last, due)
    assert is_stale(stars, last, D.fromordinal(due.toordinal() + 1))


@pytest.mark.parametrize(
    "cadence, today, cutoff",
    [
        (Cadence.MONTHLY, D(2027, 3, 1), D(2027, 2, 1)),
        (Cadence.MONTHLY, D(2027, 1, 20), D(2026, 12, 1)),
        (Cadence.FORTNIGHTLY, D(2027, 1, 20), D(2027, 1, 1)),
        (Cadence.FORTNIGHTLY, D(2027, 2, 1), D(2027, 1, 16)),
        (Cadence.FORTNIGHTLY, D(2027, 1, 15), D(2026, 12, 16)),
        (Cadence.WEEKLY, D(2027, 1, 20), D(2027, 1, 11)),
        (Cadence.WEEKLY, D(2027, 1, 3), D(2026, 12, 21)),
        (Cadence.WEEKLY, D(2027, 1, 4), D(2026, 12, 28)),
    ],
)
def test_the_cut_off_is_the_start_of_the_period_before_today(cadence, today, cutoff):  # type: ignore[no-untyped-def]
    assert stale_before(cadence, today) == cutoff


def test_never_inspected_is_stale_and_today_is_not():  # type: ignore[no-untyped-def]
    for s in (3, 2, 1, 0, None):
        assert is_stale(s, None, D(2027, 1, 20))
        assert not is_stale(s, D(2027, 1, 20), D(2027, 1, 20))


@given(stars, days(), days())
def test_the_cut_off_and_the_rule_agree(s, a, b):  # type: ignore[no-untyped-def]
    last, today = min(a, b), max(a, b)
    assert is_stale(s, last, today) == (last < stale_before(cadence_for(s), today))
