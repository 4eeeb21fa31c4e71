"""The default scorecard (version 1), shipped as package data so managers can start from it.

It is the card of the brief: 17 items worth 100 points, F6 and P1 may be n/a, failing F1 or
F3 caps the unit at two stars, vetoes V1-V4.  The text lives in
``scoring/scorecards/default-v1.toml`` in the same format managers publish.
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files

from scoring.loading import parse_scorecard
from scoring.scorecard import Scorecard

__all__ = ["DEFAULT_SCORECARD_FILE", "default_scorecard", "default_scorecard_text"]

DEFAULT_SCORECARD_FILE = "default-v1.toml"


def default_scorecard_text() -> str:
    """The TOML text of the default card, e.g. to store it as the first published version."""
    return files("scoring").joinpath("scorecards", DEFAULT_SCORECARD_FILE).read_text("utf-8")


@cache
def default_scorecard() -> Scorecard:
    """The default card, loaded once per process (a Scorecard is frozen, so sharing is safe)."""
    return parse_scorecard(default_scorecard_text(), source=DEFAULT_SCORECARD_FILE)
