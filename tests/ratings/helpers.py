"""Scorecard texts and rated inspections for the ratings tests."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime

from rentals.inspections.models import Inspection, Outcome
from rentals.ratings.models import Rating
from rentals.ratings.services import ensure_default_scorecard, rate_inspection
from scoring import default_scorecard, default_scorecard_text

NOW = datetime(2027, 2, 3, 9, 0, tzinfo=UTC)
_keys = itertools.count(1)

F1_BLOCK = 'code = "F1"\ncategory = "F"\npoints = 8\n'


def card_text(version: int, *, three: int = 90, f1_points: int = 8, extra: str = "") -> str:
    """The default card renumbered, with the three-star band, F1's points or extra TOML."""
    text = default_scorecard_text()
    assert "version = 1\n" in text and "three = 90" in text and F1_BLOCK in text
    text = text.replace("version = 1\n", f"version = {version}\n", 1)
    text = text.replace("three = 90", f"three = {three}", 1)
    text = text.replace(F1_BLOCK, F1_BLOCK.replace("points = 8", f"points = {f1_points}"), 1)
    return text + extra


NEW_ITEM = """
[[items]]
code = "F7"
category = "F"
points = 4
zh = "楼道配备应急照明"
en = "Emergency lighting in stairways"
"""


def answers(*failed: str, na: tuple[str, ...] = ()) -> dict[str, str]:
    return {
        item.code: "not_met" if item.code in failed else "na" if item.code in na else "met"
        for item in default_scorecard().items
    }


def rate(session, unit, answers_, *, version=None, vetoes=(), now=NOW) -> Rating:  # type: ignore[no-untyped-def]
    """A completed inspection of ``unit`` with these answers, rated (default card unless given)."""
    version = version or ensure_default_scorecard(session, today=date(2026, 1, 1))
    inspection = Inspection(
        unit_id=unit.id,
        scorecard_version_id=version.id,
        client_key=f"t-{next(_keys)}-{unit.id}",
        outcome=Outcome.COMPLETED,
        answers=answers_,
        vetoes=list(vetoes),
        visited_at=now,
    )
    session.add(inspection)
    session.flush()
    return rate_inspection(session, inspection=inspection, now=now)
