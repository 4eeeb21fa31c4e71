"""The one clock: the instant now (aware UTC) and the business date in the configured zone.

Stored timestamps are UTC; dates people read (a roster's print date, a task's due day,
"today" on any page) are local to the community, ``TIMEZONE`` in the config
(``RENTALS_TIMEZONE``; the default is ``schedules.BUSINESS_TIMEZONE``, the one name the
pure cores use too). Views, CLI commands, jobs and documents ask this module, never
``date.today()`` or ``datetime.now()``: a roster printed at 07:00 in Lhasa is dated that
day, not the UTC day before. Tests move the clock with time-machine.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

from schedules.periods import BUSINESS_TIMEZONE, local_today


def zone_name() -> str:
    """The app's configured zone; the business default outside an app (a script, a core test)."""
    if has_app_context():
        return str(current_app.config.get("TIMEZONE") or BUSINESS_TIMEZONE)
    return BUSINESS_TIMEZONE


@lru_cache(maxsize=8)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def zone() -> ZoneInfo:
    return _zone(zone_name())


def now() -> datetime:
    """This instant, timezone-aware, in UTC (what timestamps store)."""
    return datetime.now(UTC)


def local_now() -> datetime:
    """This instant on the community's wall clock."""
    return now().astimezone(zone())


def today() -> date:
    """The business date now, in the configured zone."""
    return local_date(now())


def local_date(moment: datetime) -> date:
    """The business date of a stored (aware) instant; a naive one is refused, not guessed."""
    return local_today(moment, zone_name())
