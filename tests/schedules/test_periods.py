"""Periods and cadences on the calendar's awkward days."""

from __future__ import annotations

from dataclasses import FrozenInstanceError
from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from schedules import (
    Cadence,
    Period,
    cadence_for,
    local_today,
    period_for,
    period_from_key,
    period_of,
)

MONTHLY, FORTNIGHTLY, WEEKLY = Cadence.MONTHLY, Cadence.FORTNIGHTLY, Cadence.WEEKLY


@pytest.mark.parametrize(
    ("stars", "cadence"),
    [(3, MONTHLY), (2, FORTNIGHTLY), (1, WEEKLY), (0, WEEKLY), (None, WEEKLY)],
)
def test_cadence_follows_the_rating(stars: int | None, cadence: Cadence) -> None:
    assert cadence_for(stars) is cadence


@pytest.mark.parametrize("stars", [4, -1, 5, True, False, 2.0, "3"])
def test_cadence_refuses_anything_but_zero_to_three_or_none(stars: object) -> None:
    with pytest.raises(ValueError, match="stars"):
        cadence_for(stars)  # type: ignore[arg-type]


def test_cadence_values_are_stored_text_and_rank_by_inspections() -> None:
    assert [c.value for c in Cadence] == ["monthly", "fortnightly", "weekly"]
    assert Cadence("weekly") is WEEKLY
    assert [c.per_four_weeks for c in Cadence] == [1, 2, 4]


@pytest.mark.parametrize(
    ("day", "key", "start", "due"),
    [
        (date(2027, 1, 31), "2027-01", date(2027, 1, 1), date(2027, 1, 31)),
        (date(2027, 4, 1), "2027-04", date(2027, 4, 1), date(2027, 4, 30)),
        (date(2027, 2, 14), "2027-02", date(2027, 2, 1), date(2027, 2, 28)),
        (date(2024, 2, 29), "2024-02", date(2024, 2, 1), date(2024, 2, 29)),
        (date(2028, 2, 1), "2028-02", date(2028, 2, 1), date(2028, 2, 29)),
        (date(2100, 2, 10), "2100-02", date(2100, 2, 1), date(2100, 2, 28)),
        (date(2026, 12, 31), "2026-12", date(2026, 12, 1), date(2026, 12, 31)),
    ],
)
def test_a_month_ends_on_its_last_day(day: date, key: str, start: date, due: date) -> None:
    assert period_of(MONTHLY, day) == Period(key, start, due, MONTHLY)


@pytest.mark.parametrize(
    ("day", "key", "start", "due"),
    [
        (date(2027, 2, 1), "2027-02-H1", date(2027, 2, 1), date(2027, 2, 15)),
        (date(2027, 2, 15), "2027-02-H1", date(2027, 2, 1), date(2027, 2, 15)),
        (date(2027, 2, 16), "2027-02-H2", date(2027, 2, 16), date(2027, 2, 28)),
        (date(2024, 2, 29), "2024-02-H2", date(2024, 2, 16), date(2024, 2, 29)),
        (date(2028, 2, 16), "2028-02-H2", date(2028, 2, 16), date(2028, 2, 29)),
        (date(2100, 2, 28), "2100-02-H2", date(2100, 2, 16), date(2100, 2, 28)),
        (date(2027, 1, 31), "2027-01-H2", date(2027, 1, 16), date(2027, 1, 31)),
        (date(2027, 4, 30), "2027-04-H2", date(2027, 4, 16), date(2027, 4, 30)),
    ],
)
def test_half_months_split_after_the_fifteenth(day: date, key: str, start: date, due: date) -> None:
    assert period_of(FORTNIGHTLY, day) == Period(key, start, due, FORTNIGHTLY)


@pytest.mark.parametrize(
    ("day", "key", "start"),
    [
        (date(2027, 2, 1), "2027-W05", date(2027, 2, 1)),  # a Monday
        (date(2027, 2, 7), "2027-W05", date(2027, 2, 1)),  # a Sunday
        (date(2026, 12, 31), "2026-W53", date(2026, 12, 28)),
        (date(2027, 1, 1), "2026-W53", date(2026, 12, 28)),
        (date(2027, 1, 3), "2026-W53", date(2026, 12, 28)),
        (date(2027, 1, 4), "2027-W01", date(2027, 1, 4)),
        (date(2024, 12, 30), "2025-W01", date(2024, 12, 30)),
        (date(2020, 12, 31), "2020-W53", date(2020, 12, 28)),
        (date(2021, 1, 3), "2020-W53", date(2020, 12, 28)),
        (date(2021, 1, 4), "2021-W01", date(2021, 1, 4)),
    ],
)
def test_weeks_are_iso_weeks_named_by_iso_year(day: date, key: str, start: date) -> None:
    assert period_of(WEEKLY, day) == Period(key, start, start + timedelta(days=6), WEEKLY)


@pytest.mark.parametrize(
    ("key", "following"),
    [
        ("2026-12", "2027-01"),
        ("2028-02", "2028-03"),
        ("2027-02-H1", "2027-02-H2"),
        ("2027-02-H2", "2027-03-H1"),
        ("2027-12-H2", "2028-01-H1"),
        ("2026-W52", "2026-W53"),
        ("2026-W53", "2027-W01"),
        ("2027-W52", "2028-W01"),
    ],
)
def test_next_is_the_following_period(key: str, following: str) -> None:
    period = period_from_key(key)
    assert period.next().key == following
    assert period.next().start == period.due + timedelta(days=1)


def test_a_period_contains_its_first_and_last_day_only() -> None:
    period = period_from_key("2027-02-H1")
    assert period.contains(date(2027, 2, 1))
    assert period.contains(date(2027, 2, 15))
    assert not period.contains(date(2027, 1, 31))
    assert not period.contains(date(2027, 2, 16))


def test_period_for_uses_the_rating_cadence() -> None:
    day = date(2027, 2, 3)
    assert period_for(3, day).key == "2027-02"
    assert period_for(2, day).key == "2027-02-H1"
    assert period_for(1, day).key == "2027-W05"
    assert period_for(0, day).key == "2027-W05"
    assert period_for(None, day).key == "2027-W05"


@pytest.mark.parametrize(
    "key",
    ["2027-02", "2024-02-H2", "2100-02-H2", "2026-W53", "2020-W53", "2025-W01", "0001-W01"],
)
def test_a_key_round_trips(key: str) -> None:
    period = period_from_key(key)
    assert period.key == key
    assert period_of(period.cadence, period.start) == period
    assert period_of(period.cadence, period.due) == period


@pytest.mark.parametrize(
    "key",
    [
        "",
        "2027",
        "2027-2",
        "27-02",
        "2027-00",
        "2027-13",
        "0000-01",
        "2027-02-H0",
        "2027-02-H3",
        "2027-02-h1",
        "2027-02-H1 ",
        " 2027-02",
        "2027-02\n",
        "2027-W5",
        "2027-W00",
        "2027-W53",  # 2027 has 52 ISO weeks
        "2026-W54",
        "2027-w05",
        "2027-13-H1",
        "2027-W05-H1",
        "٢٠٢٧-02",  # Arabic-Indic digits
        "9999-W52",  # ends in year 10000
    ],
)
def test_bad_keys_are_refused(key: str) -> None:
    with pytest.raises(ValueError, match="not a period key"):
        period_from_key(key)


def test_periods_are_frozen() -> None:
    period = period_from_key("2027-02")
    with pytest.raises(FrozenInstanceError):
        period.due = date(2027, 3, 1)  # type: ignore[misc]


def test_a_datetime_is_refused_where_a_local_date_is_meant() -> None:
    with pytest.raises(TypeError, match="local_today"):
        period_of(WEEKLY, datetime(2027, 2, 1, 12, tzinfo=UTC))


@pytest.mark.parametrize(
    ("now_utc", "today"),
    [
        (datetime(2027, 1, 31, 15, 59, 59, tzinfo=UTC), date(2027, 1, 31)),
        (datetime(2027, 1, 31, 16, 0, tzinfo=UTC), date(2027, 2, 1)),
        (datetime(2026, 12, 31, 16, 0, tzinfo=UTC), date(2027, 1, 1)),
        # An aware time in another zone names the same instant.
        (datetime(2027, 2, 1, 1, 0, tzinfo=timezone(timedelta(hours=9))), date(2027, 2, 1)),
    ],
)
def test_local_today_is_the_shanghai_date(now_utc: datetime, today: date) -> None:
    assert local_today(now_utc) == today


def test_local_today_takes_another_zone() -> None:
    assert local_today(datetime(2027, 1, 31, 16, 0, tzinfo=UTC), "Europe/London") == date(
        2027, 1, 31
    )


def test_local_today_refuses_a_naive_datetime() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        local_today(datetime(2027, 1, 31, 16, 0))
