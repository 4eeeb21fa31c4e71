"""Hypothesis strategies for business dates, cadences, ratings and rating histories.

Edge days (month ends, the 15th/16th, the days around New Year where ISO
weeks cross years) are drawn as often as ordinary days, since that is where
period arithmetic breaks.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta

from hypothesis import strategies as st

from schedules import Cadence, Stars

#: Widest range the laws are checked on, leaving a period on either side:
#: ``date`` spans 0001-01-01 to 9999-12-31, and the ISO week holding the
#: last day ends in year 10000.
MIN_DAY = date(1, 2, 1)
MAX_DAY = date(9999, 11, 30)

cadences = st.sampled_from(Cadence)
stars: st.SearchStrategy[Stars] = st.sampled_from([3, 2, 1, 0, None])


@st.composite
def edge_days(draw: st.DrawFn, min_year: int = MIN_DAY.year, max_year: int = 9998) -> date:
    """A day at a month start or end, on the 15th or 16th, or near New Year."""
    year = draw(st.integers(min_year, max_year))
    month = draw(st.integers(1, 12))
    last = calendar.monthrange(year, month)[1]
    near_edges = {1, 2, 3, 4, 14, 15, 16, 17, last - 3, last - 2, last - 1, last}
    day = draw(st.sampled_from(sorted(near_edges)))
    return date(year, month, day)


def days(min_value: date = MIN_DAY, max_value: date = MAX_DAY) -> st.SearchStrategy[date]:
    """Any day in range, half of them edge days."""
    edges = edge_days(min_year=min_value.year, max_year=max_value.year - 1).filter(
        lambda day: min_value <= day <= max_value
    )
    return st.one_of(st.dates(min_value, max_value), edges)


@st.composite
def rating_histories(
    draw: st.DrawFn, max_steps: int = 25, max_gap_days: int = 20
) -> list[tuple[date, Stars, bool]]:
    """Planning runs ``(today, stars, inspected)`` in date order.

    Ratings change at random and ``inspected`` says whether the unit was
    inspected that day before planning (the visit that may change its
    rating). Gaps range from a rerun the same day to several weeks, so rises,
    drops and missed days all occur.
    """
    day = draw(days(date(1990, 1, 1), date(2100, 12, 31)))
    history: list[tuple[date, Stars, bool]] = []
    for _ in range(draw(st.integers(1, max_steps))):
        history.append((day, draw(stars), draw(st.booleans())))
        day += timedelta(days=draw(st.integers(0, max_gap_days)))
    return history
