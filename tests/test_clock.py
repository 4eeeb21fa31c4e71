"""The one clock: business dates in the community's zone, for pages, prints and exports.

The instant used throughout is 2026-12-04 23:30 UTC, which is 07:30 on 2026-12-05 in
Lhasa (UTC+8, no daylight saving): the expected dates below are worked out by hand.
"""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from urllib.parse import unquote

import time_machine

from rentals import clock
from tests.conftest import csrf_token
from tests.printing.helpers import make_task, text

ROOT = Path(__file__).resolve().parent.parent
EARLY_MORNING = datetime(2026, 12, 4, 23, 30, tzinfo=UTC)


def test_today_is_the_business_date_not_the_utc_date(app):
    with time_machine.travel(EARLY_MORNING, tick=False), app.app_context():
        assert clock.now() == EARLY_MORNING and clock.now().utcoffset() == timedelta(0)
        assert clock.today() == date(2026, 12, 5)
        local = clock.local_now()
        assert (local.date(), local.hour, local.minute) == (date(2026, 12, 5), 7, 30)
        assert local.utcoffset() == timedelta(hours=8)


def test_the_configured_zone_decides_the_date(app):
    app.config["TIMEZONE"] = "Europe/London"  # UTC+0 in December
    with time_machine.travel(EARLY_MORNING, tick=False), app.app_context():
        assert clock.zone_name() == "Europe/London"
        assert clock.today() == date(2026, 12, 4)


def test_local_date_refuses_a_naive_instant(app):
    import pytest

    with app.app_context(), pytest.raises(ValueError):
        clock.local_date(datetime(2026, 12, 4, 23, 30))


def test_a_roster_printed_from_the_page_at_0730_is_dated_that_day(login_as, session, world):
    make_task(session, world.unit_a, date(2026, 12, 10))
    session.commit()
    with time_machine.travel(EARLY_MORNING, tick=False):
        client = login_as("manager")
        token = csrf_token(client, "/print")
        response = client.post(
            "/print/roster",
            data={
                "r-csrf_token": token,
                "r-area": "甲区",
                "r-start": "2026-12-07",
                "r-end": "2026-12-13",
            },
        )
    assert response.status_code == 200, response.get_data(as_text=True)[:400]
    printed = text(response.data)
    assert world.unit_a.code in printed
    assert "2026-12-05" in printed
    assert "2026-12-04" not in printed


def test_a_ledger_export_at_0730_is_named_for_that_day(login_as):
    with time_machine.travel(EARLY_MORNING, tick=False):
        client = login_as("manager")
        response = client.get("/units/export.csv")
    assert response.status_code == 200
    disposition = unquote(response.headers["Content-Disposition"])
    assert "2026-12-05" in disposition, disposition


def test_no_module_derives_today_or_a_zone_of_its_own():
    """The app asks rentals.clock; only the clock and the pure core's default name a zone."""
    pattern = r"date\.today()\|datetime\.now(\|datetime\.utcnow\|ZoneInfo(\"\|Asia/Shanghai"
    found = subprocess.run(
        ["grep", "-rn", pattern, "rentals", "schedules", "scoring", "--include=*.py"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    ).stdout.splitlines()
    allowed = ("rentals/clock.py:", "schedules/periods.py:")
    assert [line for line in found if not line.startswith(allowed)] == [], sys.version
