"""Versioned catalogues of measures per rating band (TOML), checked like the scorecard.

A catalogue says which measures each band carries (three stars: recommendation, gift
pack, nomination; one star and not rated: blacklist, parking, evaluation, referral) and
what a manager records when one is carried out. Versions are the shipped
``catalogues/measures-v*.toml`` and those uploaded by managers (``incentive_version``
rows, ``incentives.versions``; ``<instance>/measures/*.toml`` is still read for older
installations);
the version in force on a day is the highest whose ``active_from`` has come. The text is
measured before ``tomllib`` sees it (size, then nesting, with the scorecard's scanner),
then every key and value is checked; one bad file is logged and skipped, never fatal.
"""

from __future__ import annotations

import logging
import re
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Protocol, TypeVar

from sqlmodel import Session, select

from scoring.limits import nesting_depth

log = logging.getLogger(__name__)

MAX_SOURCE_BYTES = 64 * 1024
#: ``[[measures]]`` and ``[title]`` need 2.
MAX_NESTING = 3
MAX_VERSION = 1_000_000
MAX_MEASURES = 60
MAX_TEXT_CHARS = 300
#: Bands a catalogue may give measures to (the rated states; "under review" and "not yet
#: rated" carry none).
BANDS = ("three", "two", "one", "not_rated")
_CODE = re.compile(r"[A-Z][A-Z0-9]{0,7}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class Record(StrEnum):
    """What a manager records when a confirmed measure is carried out."""

    NONE = "none"
    #: Handed over on a date, with a note (gift packs).
    HANDOVER = "handover"
    #: Parking allocation from N to M spaces.
    PARKING = "parking"
    #: Sent on a date, with a note (nominations).
    SENT = "sent"
    #: The referral's number.
    REFERRAL = "referral"
    #: The blacklist notice: confirming the measure notifies the landlord.
    NOTICE = "notice"


@dataclass(frozen=True)
class MeasureSpec:
    code: str
    band: str
    record: Record
    zh: str
    bo: str
    en: str

    def text(self, language: str) -> str:
        return {"bo": self.bo, "en": self.en}.get(language) or self.zh


@dataclass(frozen=True)
class Catalogue:
    version: int
    active_from: date
    title: str
    measures: tuple[MeasureSpec, ...]

    def for_band(self, band: str) -> tuple[MeasureSpec, ...]:
        return tuple(m for m in self.measures if m.band == band)


class CatalogueError(ValueError):
    """A catalogue text that cannot be used; ``problems`` names each problem."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


class _HasVersion(Protocol):
    @property
    def version(self) -> int: ...
    @property
    def active_from(self) -> date: ...


_Versioned = TypeVar("_Versioned", bound=_HasVersion)


def _text(value: Any, where: str, problems: list[str], *, required: bool) -> str:
    if value is None:
        if required:
            problems.append(f"{where}: missing")
        return ""
    if not isinstance(value, str):
        problems.append(f"{where}: must be text")
        return ""
    if len(value) > MAX_TEXT_CHARS:
        problems.append(f"{where}: longer than {MAX_TEXT_CHARS} characters")
    elif _CONTROL.search(value):
        problems.append(f"{where}: control characters")
    elif required and not value.strip():
        problems.append(f"{where}: empty")
    return value.strip()


def _unknown(table: dict[str, Any], allowed: set[str], where: str, problems: list[str]) -> None:
    problems.extend(f"{where}: unknown key {key!r}" for key in sorted(set(table) - allowed))


@dataclass(frozen=True)
class Header:
    """What every versioned file starts with, read once for measures and points alike."""

    data: dict[str, Any]
    version: int
    active_from: date
    title_zh: str


def read_header(text: str, body: str, what: str, problems: list[str]) -> Header:
    """Measure, parse and check a versioned file's text up to its ``body`` array of tables.

    Size and nesting are checked before ``tomllib`` sees the text (CatalogueError at once);
    problems of the header's keys are added to ``problems`` so one report lists them all.
    """
    if len(text.encode("utf-8")) > MAX_SOURCE_BYTES:
        raise CatalogueError([f"larger than {MAX_SOURCE_BYTES} bytes"])
    if nesting_depth(text, stop_above=MAX_NESTING) > MAX_NESTING:
        raise CatalogueError([f"nested deeper than {MAX_NESTING}"])
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise CatalogueError([f"not TOML: {err}"]) from None
    _unknown(data, {"version", "active_from", "title", body}, what, problems)
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
    for language in ("bo", "en"):
        _text(title.get(language), f"title.{language}", problems, required=False)
    return Header(data, version, active_from, title_zh)


def parse_catalogue(text: str) -> Catalogue:
    """Check and load one catalogue text; CatalogueError lists every problem found."""
    problems: list[str] = []
    header = read_header(text, "measures", "catalogue", problems)
    data = header.data
    rows = data.get("measures")
    if not isinstance(rows, list) or not rows:
        problems.append("measures: at least one [[measures]] table")
        rows = []
    elif len(rows) > MAX_MEASURES:
        problems.append(f"measures: at most {MAX_MEASURES}")
        rows = []
    measures: list[MeasureSpec] = []
    seen: set[str] = set()
    for n, row in enumerate(rows, start=1):
        where = f"measures[{n}]"
        if not isinstance(row, dict):
            problems.append(f"{where}: must be a table")
            continue
        _unknown(row, {"code", "band", "record", "zh", "bo", "en"}, where, problems)
        code = row.get("code")
        if not isinstance(code, str) or not _CODE.fullmatch(code):
            problems.append(f"{where}.code: 1-8 capital letters and digits, a letter first")
            code = ""
        elif code in seen:
            problems.append(f"{where}.code: {code} appears twice")
        seen.add(code)
        band = row.get("band")
        if band not in BANDS:
            problems.append(f"{where}.band: one of {', '.join(BANDS)}")
        record = row.get("record", "none")
        if record not in set(Record):
            problems.append(f"{where}.record: one of {', '.join(Record)}")
            record = "none"
        texts = {
            language: _text(
                row.get(language), f"{where}.{language}", problems, required=language == "zh"
            )
            for language in ("zh", "bo", "en")
        }
        measures.append(MeasureSpec(code, str(band), Record(record), **texts))
    if problems:
        raise CatalogueError(problems)
    return Catalogue(header.version, header.active_from, header.title_zh, tuple(measures))


def stored_sources(session: Session | None, kind: str) -> list[tuple[str, str]]:
    """(name, text) of the versions uploaded through the manager's page or the CLI, which
    live in the database so every web node and job reads the same."""
    if session is None:
        return []
    from rentals.incentives.models import IncentiveVersion

    rows = session.exec(
        select(IncentiveVersion.version, IncentiveVersion.source)
        .where(IncentiveVersion.kind == kind)
        .order_by(IncentiveVersion.version)
    )
    return [(f"stored/{kind}-v{version}", text) for version, text in rows]


def sources(
    prefix: str, folder: Path | None, what: str, session: Session | None = None
) -> list[tuple[str, str]]:
    """(name, text) of the shipped ``catalogues/<prefix>*.toml`` files, then of the
    uploaded versions (``session``), then of an older installation's ``folder/*.toml``; a
    file there that is too large is logged and skipped before it is read."""
    shipped = resources.files("rentals.incentives.catalogues")
    found = sorted(
        (f"shipped/{p.name}", p.read_text(encoding="utf-8"))
        for p in shipped.iterdir()
        if p.name.startswith(prefix) and p.name.endswith(".toml")
    )
    found += stored_sources(session, prefix.rstrip("-"))
    if folder is None or not folder.is_dir():
        return found
    for path in sorted(folder.glob("*.toml")):
        if path.stat().st_size > MAX_SOURCE_BYTES:
            log.warning("%s %s: larger than %d bytes; skipped", what, path, MAX_SOURCE_BYTES)
            continue
        found.append((str(path), path.read_text(encoding="utf-8", errors="replace")))
    return found


def by_version(parsed: Iterable[tuple[str, _Versioned | None]], what: str) -> list[_Versioned]:
    """Usable versions by number; when two files claim one number the first (shipped
    before own) is kept and the other logged."""
    kept: dict[int, _Versioned] = {}
    for name, version in parsed:
        if version is None:
            continue
        if version.version in kept:
            log.warning("%s %s: version %d exists already; skipped", what, name, version.version)
            continue
        kept[version.version] = version
    return [kept[v] for v in sorted(kept)]


def in_force(versions: Sequence[_Versioned], day: date) -> _Versioned:
    """The version in force on ``day``: the highest whose ``active_from`` has come (the
    first version when none has)."""
    started = [v for v in versions if v.active_from <= day]
    return (started or list(versions))[-1]


@lru_cache(maxsize=8)
def _parsed(name: str, text: str) -> Catalogue | None:
    try:
        return parse_catalogue(text)
    except CatalogueError as err:
        log.warning("measures catalogue %s cannot be used; skipped: %s", name, err)
        return None


def catalogues(folder: Path | None = None, session: Session | None = None) -> list[Catalogue]:
    """Every usable version, shipped and uploaded, by version."""
    found = sources("measures-", folder, "measures catalogue", session)
    return by_version(((name, _parsed(name, text)) for name, text in found), "measures catalogue")


def catalogue_for(
    today: date, folder: Path | None = None, session: Session | None = None
) -> Catalogue:
    """The version in force on ``today``."""
    return in_force(catalogues(folder, session), today)
