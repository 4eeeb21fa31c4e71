"""Whether a unit is due for re-inspection (待复核): it went a whole period without one.

A task is due by the end of its period and overdue after it. A unit inspected in period
``P`` of its cadence owes its next inspection by the end of ``P.next()``; once that day
has passed, the rating on its plaque is stale. Equivalently, with ``cur`` the period of
today and ``prev`` the one before it, a unit is stale when its last inspection fell
before ``prev.start`` (``stale_before``), which lets a database count stale units with
one cut-off date per cadence.

Laws (tests/schedules/test_staleness.py):
- ``is_stale(s, last, today) == (last < stale_before(cadence_for(s), today))`` for every
  ``last <= today``;
- a unit inspected today, or any day of the current or the previous period, is not stale;
- a unit never inspected is stale.
"""

from __future__ import annotations

from datetime import date, timedelta

from schedules.cadence import Cadence, Stars
from schedules.periods import period_for, period_of

__all__ = ["is_stale", "reinspection_due", "stale_before"]


def reinspection_due(stars: Stars, last_inspected: date) -> date:
    """The day by which the inspection after ``last_inspected`` is due, in the cadence of
    ``stars``: the last day of the period after the one the last inspection fell in."""
    return period_for(stars, last_inspected).next().due


def stale_before(cadence: Cadence, today: date) -> date:
    """A unit of ``cadence`` last inspected before this date is stale on ``today``: the
    first day of the period before today's."""
    current = period_of(cadence, today)
    return period_of(cadence, current.start - timedelta(days=1)).start


def is_stale(stars: Stars, last_inspected: date | None, today: date) -> bool:
    """Past its cadence on ``today``: never inspected, or its re-inspection fell due before."""
    return last_inspected is None or reinspection_due(stars, last_inspected) < today
