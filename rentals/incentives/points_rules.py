"""Versioned points rules (积分制, TOML), checked like the measures catalogue.

Shipped ``catalogues/points-v*.toml`` and the versions managers upload (stored in the
database, ``incentives.versions``; ``<instance>/points/*.toml`` is still read);
the rules applied to an event are the version in force on the event's date, so a new
version changes the points of later events only and never those already written.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

from sqlmodel import Session

from rentals.incentives.catalogue import (
    CatalogueError,
    _text,
    _unknown,
    by_version,
    in_force,
    read_header,
    sources,
)

log = logging.getLogger(__name__)

EVENTS = (
    "three_star_year",
    "order_fixed",
    "tenant_change_on_time",
    "residence_registered",
    "order_overdue",
    "refusal",
    "serious_hazard_veto",
)
HOLDERS = ("landlord", "tenant")
MAX_POINTS = 1000
MAX_RULES = 50


@dataclass(frozen=True)
class Rule:
    event: str
    who: str
    points: int
    zh: str
    bo: str
    en: str

    def text(self, language: str) -> str:
        return {"bo": self.bo, "en": self.en}.get(language) or self.zh


@dataclass(frozen=True)
class PointsRules:
    version: int
    active_from: date
    title: str
    rules: tuple[Rule, ...]

    def rule(self, event: str, who: str) -> Rule | None:
        return next((r for r in self.rules if r.event == event and r.who == who), None)


def parse_rules(text: str) -> PointsRules:
    """Check and load one rules text; CatalogueError lists every problem found."""
    problems: list[str] = []
    header = read_header(text, "rules", "rules file", problems)
    data = header.data
    rows = data.get("rules")
    if not isinstance(rows, list) or not rows or len(rows) > MAX_RULES:
        problems.append(f"rules: 1 to {MAX_RULES} [[rules]] tables")
        rows = []
    rules: list[Rule] = []
    seen: set[tuple[str, str]] = set()
    for n, row in enumerate(rows, start=1):
        where = f"rules[{n}]"
        if not isinstance(row, dict):
            problems.append(f"{where}: must be a table")
            continue
        _unknown(row, {"event", "who", "points", "zh", "bo", "en"}, where, problems)
        event, who, points = row.get("event"), row.get("who", "landlord"), row.get("points")
        if event not in EVENTS:
            problems.append(f"{where}.event: one of {', '.join(EVENTS)}")
        if who not in HOLDERS:
            problems.append(f"{where}.who: landlord or tenant")
        if (event, who) in seen:
            problems.append(f"{where}: {event} for {who} appears twice")
        seen.add((event, who))
        if (
            isinstance(points, bool)
            or not isinstance(points, int)
            or not (points and -MAX_POINTS <= points <= MAX_POINTS)
        ):
            problems.append(
                f"{where}.points: a whole number from -{MAX_POINTS} to {MAX_POINTS}, not 0"
            )
            points = 0
        texts = {
            language: _text(
                row.get(language), f"{where}.{language}", problems, required=language == "zh"
            )
            for language in ("zh", "bo", "en")
        }
        rules.append(Rule(str(event), str(who), int(points), **texts))
    if problems:
        raise CatalogueError(problems)
    return PointsRules(header.version, header.active_from, header.title_zh, tuple(rules))


@lru_cache(maxsize=8)
def _parsed(name: str, text: str) -> PointsRules | None:
    try:
        return parse_rules(text)
    except CatalogueError as err:
        log.warning("points rules %s cannot be used; skipped: %s", name, err)
        return None


def rules_versions(folder: Path | None = None, session: Session | None = None) -> list[PointsRules]:
    """Every usable version (shipped, uploaded) by number; a number claimed twice keeps
    the first."""
    found = sources("points-", folder, "points rules", session)
    return by_version(((name, _parsed(name, text)) for name, text in found), "points rules")


def rules_for(day: date, folder: Path | None = None, session: Session | None = None) -> PointsRules:
    """The version in force on ``day``: the highest whose ``active_from`` has come."""
    return in_force(rules_versions(folder, session), day)
