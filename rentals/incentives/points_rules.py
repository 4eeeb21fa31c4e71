"""Versioned points rules (积分制, TOML), checked like the measures catalogue.

Shipped ``catalogues/points-v*.toml`` and a community's own ``<instance>/points/*.toml``;
the rules applied to an event are the version in force on the event's date, so a new
version changes the points of later events only and never those already written.
"""

from __future__ import annotations

import logging
import tomllib
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from importlib import resources
from pathlib import Path

from rentals.incentives.catalogue import (
    MAX_NESTING,
    MAX_SOURCE_BYTES,
    MAX_VERSION,
    CatalogueError,
    _text,
    _unknown,
)
from scoring.limits import nesting_depth

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
    if len(text.encode("utf-8")) > MAX_SOURCE_BYTES:
        raise CatalogueError([f"larger than {MAX_SOURCE_BYTES} bytes"])
    if nesting_depth(text, stop_above=MAX_NESTING) > MAX_NESTING:
        raise CatalogueError([f"nested deeper than {MAX_NESTING}"])
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise CatalogueError([f"not TOML: {err}"]) from None
    problems: list[str] = []
    _unknown(data, {"version", "active_from", "title", "rules"}, "rules file", problems)
    version = data.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or not 1 <= version <= MAX_VERSION:
        problems.append(f"version: a whole number from 1 to {MAX_VERSION}")
        version = 0
    active_from = data.get("active_from")
    if not isinstance(active_from, date) or not 2000 <= active_from.year <= 2100:
        problems.append("active_from: a date such as 2027-01-01")
        active_from = date(2000, 1, 1)
    title = data.get("title", {})
    if not isinstance(title, dict):
        problems.append("title: must be a table of zh, bo, en")
        title = {}
    _unknown(title, {"zh", "bo", "en"}, "title", problems)
    title_zh = _text(title.get("zh"), "title.zh", problems, required=True)
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
    return PointsRules(version, active_from, title_zh, tuple(rules))


@lru_cache(maxsize=8)
def _parsed(name: str, text: str) -> PointsRules | None:
    try:
        return parse_rules(text)
    except CatalogueError as err:
        log.warning("points rules %s cannot be used; skipped: %s", name, err)
        return None


def _sources(folder: Path | None) -> list[tuple[str, str]]:
    shipped = resources.files("rentals.incentives.catalogues")
    found = sorted(
        (f"shipped/{p.name}", p.read_text(encoding="utf-8"))
        for p in shipped.iterdir()
        if p.name.startswith("points-") and p.name.endswith(".toml")
    )
    if folder is not None and folder.is_dir():
        for path in sorted(folder.glob("*.toml")):
            if path.stat().st_size <= MAX_SOURCE_BYTES:
                found.append((str(path), path.read_text(encoding="utf-8", errors="replace")))
            else:
                log.warning("points rules %s: too large; skipped", path)
    return found


def rules_versions(folder: Path | None = None) -> list[PointsRules]:
    """Every usable version by number; a number claimed twice keeps the first file."""
    kept: dict[int, PointsRules] = {}
    for name, text in _sources(folder):
        rules = _parsed(name, text)
        if rules is not None and rules.version not in kept:
            kept[rules.version] = rules
        elif rules is not None:
            log.warning("points rules %s: version %d exists already; skipped", name, rules.version)
    return [kept[v] for v in sorted(kept)]


def rules_for(day: date, folder: Path | None = None) -> PointsRules:
    """The version in force on ``day``: the highest whose ``active_from`` has come."""
    usable = rules_versions(folder)
    started = [r for r in usable if r.active_from <= day]
    return (started or usable)[-1]
