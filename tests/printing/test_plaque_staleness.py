"""The plaque check shows the last inspection's date, and "待复核 / due for re-inspection"
once the unit went a whole period of its cadence without one (dates worked by hand)."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest
import time_machine

from rentals.inspections.models import Inspection
from rentals.printing.models import Plaque
from rentals.ratings.services import ensure_default_scorecard
from tests.inspections.helpers import all_answers

LHASA = ZoneInfo("Asia/Shanghai")
STATE = {3: "three", 2: "two", 1: "one"}
_keys = itertools.count(1)


def _lhasa(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), LHASA).astimezone(UTC)


@pytest.fixture
def plaque_of(world, session):  # type: ignore[no-untyped-def]
    version = ensure_default_scorecard(session, today=date(2026, 1, 1))

    def make(stars: int, visits: list[tuple[datetime, str]]) -> str:
        unit = world.unit_a
        unit.stars, unit.rating_status = stars, STATE[stars]
        session.add(unit)
        for at, outcome in visits:
            session.add(
                Inspection(
                    unit_id=unit.id,
                    inspector_id=world.users["inspector_a"].id,
                    scorecard_version_id=version.id,
                    client_key=f"stale-{next(_keys)}",
                    outcome=outcome,
                    answers=all_answers() if outcome == "completed" else {},
                    visited_at=at,
                    created_at=at,
                )
            )
        serial = f"STALE{next(_keys):04d}"
        session.add(
            Plaque(
                unit_id=unit.id,
                serial=serial,
                stars=stars,
                rating_status=STATE[stars],
                valid_until=date(2027, 12, 31),
            )
        )
        session.commit()
        return serial

    return make


def _check(client, serial: str, now: datetime, lang: str = "zh") -> str:  # type: ignore[no-untyped-def]
    with time_machine.travel(now, tick=False):
        response = client.get(f"/p/{serial}?lang={lang}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _facts(html: str) -> str:
    return html.split('class="plaque-facts"', 1)[1].split("</dl>", 1)[0]


def test_a_fortnightly_unit_is_due_after_the_end_of_the_next_half_month(client, plaque_of):  # type: ignore[no-untyped-def]
    # Inspected at 07:00 on 16 January in Lhasa, which is still 15 January in UTC: the
    # business date puts it in H2 (16th-31st), so the next one is due by 15 February.
    serial = plaque_of(2, [(_lhasa(date(2027, 1, 16), 7), "completed")])
    on_time = _check(client, serial, _lhasa(date(2027, 2, 15), 22))
    assert "此牌有效" in on_time and "待复核" not in on_time
    assert "2027-01-16" in _facts(on_time)
    # 00:30 on 16 February in Lhasa (still the 15th in UTC): past its cadence.
    late = _check(client, serial, _lhasa(date(2027, 2, 16), 0, 30))
    assert "此牌有效" not in late
    assert "待复核" in late and "བསྐྱར་ཞིབ་དགོས།" in late
    facts = _facts(late)
    assert "待复核" in facts and "上次评定" in facts and "2027-01-16" in facts


def test_a_refusal_does_not_count_as_an_inspection(client, plaque_of):  # type: ignore[no-untyped-def]
    serial = plaque_of(
        2,
        [
            (_lhasa(date(2027, 1, 3), 10), "completed"),
            (_lhasa(date(2027, 1, 20), 10), "refused"),
            (_lhasa(date(2027, 1, 25), 10), "no_access"),
        ],
    )
    # Inspected in H1 of January: due by 31 January, whatever visits came after.
    html = _check(client, serial, _lhasa(date(2027, 2, 1), 9))
    assert "待复核" in html and "2027-01-03" in _facts(html)


@pytest.mark.parametrize(
    "stars, inspected, last_fine, first_due",
    [
        # Monthly: any day of January -> due by 28 February.
        (3, date(2027, 1, 2), date(2027, 2, 28), date(2027, 3, 1)),
        # Weekly: Thursday 31 December 2026 is in 2026-W53; 2027-W01 ends Sunday 10 January.
        (1, date(2026, 12, 31), date(2027, 1, 10), date(2027, 1, 11)),
    ],
)
def test_monthly_and_weekly_cadences(client, plaque_of, stars, inspected, last_fine, first_due):  # type: ignore[no-untyped-def]
    serial = plaque_of(stars, [(_lhasa(inspected, 10), "completed")])
    assert "待复核" not in _check(client, serial, _lhasa(last_fine, 20))
    assert "待复核" in _check(client, serial, _lhasa(first_due, 8))


def test_the_warning_is_bilingual_and_english_for_english_readers(client, plaque_of):  # type: ignore[no-untyped-def]
    serial = plaque_of(3, [(_lhasa(date(2026, 10, 5), 10), "completed")])
    html = _check(client, serial, _lhasa(date(2027, 1, 5), 10), lang="en")
    assert "due for re-inspection" in html.lower() and "བསྐྱར་ཞིབ་དགོས།" in html
    assert "2026-10-05" in _facts(html)


def test_the_units_public_page_says_the_same(client, plaque_of, world):  # type: ignore[no-untyped-def]
    plaque_of(2, [(_lhasa(date(2027, 1, 16), 7), "completed")])
    url = f"/public/units/{world.unit_a.code}"
    with time_machine.travel(_lhasa(date(2027, 2, 15), 22), tick=False):
        on_time = client.get(url).get_data(as_text=True)
    assert "待复核" not in on_time and "2027-01-16" in on_time
    with time_machine.travel(_lhasa(date(2027, 2, 16), 0, 30), tick=False):
        late = client.get(url).get_data(as_text=True)
    assert "待复核" in late and "བསྐྱར་ཞིབ་དགོས།" in late and "2027-01-16" in late


def test_a_unit_not_yet_rated_is_never_called_due(client, world, session):  # type: ignore[no-untyped-def]
    html = client.get(f"/public/units/{world.unit_a.code}").get_data(as_text=True)
    assert "待复核" not in html and "尚无检查记录" in html
