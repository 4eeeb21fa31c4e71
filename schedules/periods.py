"""Inspection periods: calendar months, half months and ISO weeks.

A period is named by a key that the database stores once per unit:
``2027-02`` (month), ``2027-02-H1`` (1st-15th) / ``2027-02-H2`` (16th to the
month's last day), ``2027-W05`` (ISO week, numbered in its ISO year, so
2027-01-01 lies in ``2026-W53`` and 2024-12-30 in ``2025-W01``).

Laws (tested in tests/property/test_period_laws.py):
- every day lies in exactly one period of each cadence, and that period
  contains it: ``period_of(c, d).contains(d)``;
- periods of one cadence tile time without gap or overlap:
  ``p.next().start == p.due + 1 day``, across month, year and week-53 ends;
- a key names exactly one period: ``period_from_key(p.key) == p``, and two
  different periods never share a key;
- ``due`` is the last day of the period, inclusive; a task is overdue after it.

Dates are business dates in local time; ``local_today`` turns a stored UTC
timestamp into one. Nothing here reads the clock.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from schedules.cadence import Cadence, Stars, cadence_for

__all__ = [
    "BUSINESS_TIMEZONE",
    "Period",
    "local_today",
    "period_for",
    "period_from_key",
    "period_of",
]

BUSINESS_TIMEZONE = "Asia/Shanghai"

_ONE_DAY = timedelta(days=1)

# Digits are spelled [0-9]: \d would also accept other scripts' digits.
_KEY_PATTERN = re.compile(
    r"(?P<year>[0-9]{4})-"
    r"(?:(?P<month>[0-9]{2})(?:-H(?P<half>[12]))?|W(?P<week>[0-9]{2}))"
)


@dataclass(frozen=True, slots=True)
class Period:
    """One inspection period; build it with ``period_of`` or ``period_from_key``."""

    key: str
    start: date
    #: Last day of the period, inclusive.
    due: date
    cadence: Cadence

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.due

    def next(self) -> Period:
        """The period of the same cadence that starts the day after this one ends."""
        return period_of(self.cadence, self.due + _ONE_DAY)


def period_of(cadence: Cadence, day: date) -> Period:
    """The period of ``cadence`` that contains ``day``.

    Raises TypeError for a datetime: a period is chosen by the local business
    date (see ``local_today``), never by a timestamp that may be UTC.
    """
    if isinstance(day, datetime):
        raise TypeError("period_of takes a local date, not a datetime; see local_today")
    if cadence is Cadence.WEEKLY:
        iso_year, iso_week, weekday = day.isocalendar()
        start = day - timedelta(days=weekday - 1)
        return Period(f"{iso_year:04d}-W{iso_week:02d}", start, start + timedelta(days=6), cadence)
    year, month = day.year, day.month
    month_key = f"{year:04d}-{month:02d}"
    first, last = date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])
    if cadence is Cadence.MONTHLY:
        return Period(month_key, first, last, cadence)
    if cadence is Cadence.FORTNIGHTLY:
        if day.day <= 15:
            return Period(f"{month_key}-H1", first, date(year, month, 15), cadence)
        return Period(f"{month_key}-H2", date(year, month, 16), last, cadence)
    raise ValueError(f"not a cadence: {cadence!r}")


def period_for(stars: Stars, day: date) -> Period:
    """The period containing ``day`` in the cadence of a rating (see ``cadence_for``)."""
    return period_of(cadence_for(stars), day)


def period_from_key(key: str) -> Period:
    """Parse a key made by ``period_of`` back into its period.

    Only the canonical spelling is accepted; anything else (``2027-2``,
    ``2027-13``, ``2027-W53`` in a 52-week year, ``2027-02-H3``) is a ValueError.
    """
    match = _KEY_PATTERN.fullmatch(key) if isinstance(key, str) else None
    if match is None:
        raise ValueError(f"not a period key: {key!r}")
    year = int(match["year"])
    try:
        if match["week"] is not None:
            start = date.fromisocalendar(year, int(match["week"]), 1)
            cadence = Cadence.WEEKLY
        else:
            half = match["half"]
            start = date(year, int(match["month"]), 16 if half == "2" else 1)
            cadence = Cadence.MONTHLY if half is None else Cadence.FORTNIGHTLY
        # The pattern and the calendar checks leave one spelling per period,
        # so the period rebuilt from its start carries this very key.
        return period_of(cadence, start)
    except (ValueError, OverflowError):
        raise ValueError(f"not a period key: {key!r}") from None


def local_today(now_utc: datetime, tz: str = BUSINESS_TIMEZONE) -> date:
    """The business date at instant ``now_utc`` in time zone ``tz``.

    Raises ValueError for a naive datetime: it could be UTC or local, and the
    two differ by a whole day for eight hours of every Shanghai morning.
    """
    if now_utc.tzinfo is None or now_utc.utcoffset() is None:
        raise ValueError("now_utc must be timezone-aware (UTC)")
    return now_utc.astimezone(ZoneInfo(tz)).date()
