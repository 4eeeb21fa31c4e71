"""A settable clock for the sign-in views, so delays are tested without sleeping."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest


@dataclass
class Clock:
    now: datetime

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock(app, monkeypatch: pytest.MonkeyPatch) -> Clock:  # type: ignore[no-untyped-def]
    fake = Clock(datetime(2026, 12, 4, 9, 0, tzinfo=UTC))
    monkeypatch.setattr("rentals.auth.views.utcnow", fake)
    # Flask-Limiter raises Retry-After to its own (real-time) window; these tests read
    # the throttle's value, so its headers are off here.
    from rentals.extensions import limiter

    monkeypatch.setattr(limiter, "_headers_enabled", False)
    return fake
