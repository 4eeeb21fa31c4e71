"""Reading a scorecard from TOML, and checking it before anyone rates with it.

The loader reports *every* problem it finds, each at its line, because a manager fixing a card
by hand should not have to fix it one error at a time.  ``tomllib`` gives no positions, so lines
come from ``scoring.tomltext``.

Laws (``tests/scoring/test_loading.py``, ``tests/property/test_scoring_laws.py``):

- ``load_scorecard(dump_scorecard(card)) == card`` for every valid card.
- A card with any problem raises ScorecardError listing all of them, sorted by line; no
  Scorecard is returned for a card with a problem.
- Unknown keys are problems everywhere, so a misspelt optional key cannot pass silently.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scoring.scorecard import (
    DEFAULT_DEADLINE_DAYS,
    LANGUAGES,
    Band,
    Category,
    Item,
    Scorecard,
    Texts,
    Veto,
)
from scoring.tomltext import KeyLines, Location

__all__ = ["Problem", "ScorecardError", "load_scorecard", "parse_scorecard"]

_CODE = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,31}\Z")
_STAR_NAMES = {3: "three", 2: "two", 1: "one"}


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a scorecard's text, at a 1-based line."""

    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


class ScorecardError(Exception):
    """A scorecard could not be loaded; ``problems`` lists every reason, in line order."""

    def __init__(self, problems: list[Problem], source: str = "scorecard") -> None:
        self.problems = sorted(problems, key=lambda problem: problem.line)
        self.source = source
        count = len(self.problems)
        lines = "\n".join(f"  {problem}" for problem in self.problems)
        noun = "problem" if count == 1 else "problems"
        super().__init__(f"{source} has {count} {noun}:\n{lines}")


def load_scorecard(source: Path | str) -> Scorecard:
    """Load and check a scorecard from a path, or from TOML text.

    A ``str`` that contains a newline or ``=`` is TOML text; any other ``str`` is a path.
    Raises ScorecardError naming every problem, or OSError if the file cannot be read.
    """
    if isinstance(source, str) and ("\n" in source or "=" in source):
        return parse_scorecard(source)
    path = Path(source)
    return parse_scorecard(path.read_text(encoding="utf-8"), source=path.name)


def parse_scorecard(text: str, source: str = "scorecard") -> Scorecard:
    """Check TOML text and build the Scorecard it describes; ``source`` names it in errors."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ScorecardError([_syntax_problem(error, text)], source) from None
    checker = _Checker(KeyLines(text))
    card = checker.scorecard(data)
    if checker.problems or card is None:
        raise ScorecardError(checker.problems, source)
    return card


def _syntax_problem(error: tomllib.TOMLDecodeError, text: str) -> Problem:
    # tomllib (3.11) puts the position only in the message: "... (at line 3, column 7)".
    message = str(error)
    found = re.search(r"\(at line (\d+), column \d+\)$", message)
    if found:
        return Problem(int(found.group(1)), f"TOML syntax error: {message}")
    # "(at end of document)": the last line is the best place to look.
    return Problem(max(1, len(text.splitlines())), f"TOML syntax error: {message}")


_TOP_KEYS = frozenset({"version", "title", "bands", "categories", "items", "vetoes"})
_TEXT_KEYS = frozenset(LANGUAGES)
_BAND_KEYS = frozenset(_STAR_NAMES.values())
_CATEGORY_KEYS = frozenset({"code"}) | _TEXT_KEYS
_ITEM_KEYS = (
    frozenset({"code", "category", "points", "na_allowed", "cap", "deadline_days"}) | _TEXT_KEYS
)
_VETO_KEYS = frozenset({"code"}) | _TEXT_KEYS

_TOML_TYPES: dict[type, str] = {
    str: "a string",
    bool: "a boolean",
    int: "an integer",
    float: "a float",
    dict: "a table",
    list: "an array",
}


def _type_name(value: object) -> str:
    return _TOML_TYPES.get(type(value), "a date or time")


class _Checker:
    """Walks the parsed TOML, collecting problems instead of stopping at the first."""

    def __init__(self, lines: KeyLines) -> None:
        self.lines = lines
        self.problems: list[Problem] = []
        #: How messages name a table: ("items", 2) -> "item F3" once its code is known.
        self.names: dict[Location, str] = {}
        self.category_codes: set[str] = set()

    def report(self, where: Location, message: str) -> None:
        self.problems.append(Problem(self.lines.line_of(where), message))

    def prefix(self, at: Location) -> str:
        """How a message starts: "item F3: ", "items[3]: " (1-based), "bands: ", or ""."""
        if not at:
            return ""
        if at in self.names:
            return f"{self.names[at]}: "
        table = str(at[0]) if len(at) == 1 else f"{at[0]}[{int(at[1]) + 1}]"
        return f"{table}: "

    def scorecard(self, data: dict[str, Any]) -> Scorecard | None:
        self.unknown_keys(data, _TOP_KEYS, ())
        version = self.integer(data, "version", (), minimum=1, required=True)
        title = self.texts_table(data, "title")
        bands = self.bands(data)
        categories = self.categories(data)
        # Codes of categories with other problems still count, to avoid a cascade of errors.
        items = self.items(data, self.category_codes)
        vetoes = self.vetoes(data)
        if self.problems or version is None or title is None or bands is None:
            return None
        return Scorecard(version, title, bands, categories, items, vetoes)

    # -- generic checks ---------------------------------------------------------------

    def unknown_keys(self, table: dict[str, Any], allowed: frozenset[str], at: Location) -> None:
        for key in table:
            if key not in allowed:
                known = ", ".join(sorted(allowed))
                self.report((*at, key), f"{self.prefix(at)}unknown key {key!r} (allowed: {known})")

    def value(
        self, table: dict[str, Any], key: str, at: Location, kind: type, required: bool
    ) -> Any:
        if key not in table:
            if required:
                self.report(at, f"{self.prefix(at)}missing required key {key!r}")
            return None
        value = table[key]
        # bool is an int in Python but not in TOML: `points = true` is a type error.
        if type(value) is not kind:
            self.report(
                (*at, key),
                f"{self.prefix(at)}{key!r} must be {_TOML_TYPES[kind]}, not {_type_name(value)}",
            )
            return None
        return value

    def integer(
        self,
        table: dict[str, Any],
        key: str,
        at: Location,
        *,
        minimum: int,
        maximum: int | None = None,
        required: bool = False,
    ) -> int | None:
        value: int | None = self.value(table, key, at, int, required)
        if value is None:
            return None
        if value < minimum or (maximum is not None and value > maximum):
            allowed = f"at least {minimum}" if maximum is None else f"{minimum} to {maximum}"
            self.report((*at, key), f"{self.prefix(at)}{key!r} must be {allowed}, not {value}")
            return None
        return value

    def code(self, table: dict[str, Any], at: Location, what: str) -> str | None:
        """Check the code first, so that later messages can name the table by it."""
        code: str | None = self.value(table, "code", at, str, required=True)
        if code is not None and not _CODE.match(code):
            self.report(
                (*at, "code"),
                f"{self.prefix(at)}code {code!r} must be a letter followed by at most "
                "31 letters, digits, '_' or '-'",
            )
            return None
        if code is not None:
            self.names[at] = f"{what} {code}"
        return code

    def texts(self, table: dict[str, Any], at: Location) -> Texts | None:
        found: dict[str, str] = {}
        for language in LANGUAGES:
            text = self.value(table, language, at, str, required=language == "zh")
            if text is None:
                continue
            if not text.strip():
                self.report((*at, language), f"{self.prefix(at)}{language!r} must not be blank")
                continue
            found[language] = text
        if "zh" not in found:
            return None
        return Texts(found["zh"], found.get("bo"), found.get("en"))

    def entries(self, data: dict[str, Any], key: str, required: bool) -> list[Any]:
        """The tables of an array of tables, with their indexes."""
        tables = self.value(data, key, (), list, required)
        if tables is None:
            return []
        if required and not tables:
            self.report((key,), f"{key!r} must not be empty")
        good = []
        for index, table in enumerate(tables):
            if isinstance(table, dict):
                good.append((index, table))
            else:
                self.report(
                    (key, index), f"each entry of {key!r} must be a table, not {_type_name(table)}"
                )
        return good

    def unique(self, what: str, codes: list[tuple[str, Location]]) -> None:
        first: dict[str, int] = {}
        for code, at in codes:
            line = self.lines.line_of((*at, "code"))
            if code in first:
                self.report(
                    (*at, "code"),
                    f"duplicate {what} code {code!r} (first used on line {first[code]})",
                )
            else:
                first[code] = line

    # -- sections ---------------------------------------------------------------------

    def texts_table(self, data: dict[str, Any], key: str) -> Texts | None:
        table = self.value(data, key, (), dict, required=True)
        if table is None:
            return None
        self.unknown_keys(table, _TEXT_KEYS, (key,))
        return self.texts(table, (key,))

    def bands(self, data: dict[str, Any]) -> tuple[Band, ...] | None:
        table = self.value(data, "bands", (), dict, required=True)
        if table is None:
            return None
        at: Location = ("bands",)
        self.unknown_keys(table, _BAND_KEYS, at)
        three = self.integer(table, "three", at, minimum=1, maximum=100, required=True)
        two = self.integer(table, "two", at, minimum=1, maximum=100, required=True)
        one = self.integer(table, "one", at, minimum=0, maximum=100)
        gap = one is not None and one != 0
        if gap:
            self.report(
                ("bands", "one"),
                f"bands leave a gap: 'one' must be 0 (or left out), not {one}, "
                f"or scores below {one} would have no band",
            )
        overlap = three is not None and two is not None and three <= two
        if overlap:
            self.report(
                ("bands", "two"),
                f"bands overlap: 'three' ({three}) must be above 'two' ({two})",
            )
        if gap or overlap or three is None or two is None:
            return None
        return (Band(3, three), Band(2, two), Band(1, 0))

    def categories(self, data: dict[str, Any]) -> tuple[Category, ...]:
        categories = []
        codes = []
        for index, table in self.entries(data, "categories", required=True):
            at: Location = ("categories", index)
            code = self.code(table, at, "category")
            self.unknown_keys(table, _CATEGORY_KEYS, at)
            texts = self.texts(table, at)
            if code is not None:
                codes.append((code, at))
                if texts is not None:
                    categories.append(Category(code, texts))
        self.unique("category", codes)
        self.category_codes = {code for code, _ in codes}
        return tuple(categories)

    def items(self, data: dict[str, Any], category_codes: set[str]) -> tuple[Item, ...]:
        items = []
        codes = []
        entries = self.entries(data, "items", required=True)
        for index, table in entries:
            at: Location = ("items", index)
            code = self.code(table, at, "item")
            if code is not None:
                codes.append((code, at))
            self.unknown_keys(table, _ITEM_KEYS, at)
            category = self.value(table, "category", at, str, required=True)
            if category is not None and category not in category_codes:
                self.report(
                    (*at, "category"),
                    f"{self.prefix(at)}unknown category {category!r}",
                )
                category = None
            points = self.integer(table, "points", at, minimum=1, required=True)
            na_allowed = self.value(table, "na_allowed", at, bool, required=False)
            cap = self.integer(table, "cap", at, minimum=1, maximum=3)
            deadline = self.integer(table, "deadline_days", at, minimum=1)
            texts = self.texts(table, at)
            if code is None or category is None or points is None or texts is None:
                continue
            items.append(
                Item(
                    code=code,
                    category=category,
                    points=points,
                    texts=texts,
                    na_allowed=bool(na_allowed),
                    cap=cap,
                    deadline_days=DEFAULT_DEADLINE_DAYS if deadline is None else deadline,
                )
            )
        self.unique("item", codes)
        if entries and all(table.get("na_allowed") is True for _, table in entries):
            self.report(
                ("items", 0),
                "every item allows n/a, so a unit could have no applicable points: "
                "at least one item needs na_allowed = false",
            )
        return tuple(items)

    def vetoes(self, data: dict[str, Any]) -> tuple[Veto, ...]:
        vetoes = []
        codes = []
        for index, table in self.entries(data, "vetoes", required=False):
            at: Location = ("vetoes", index)
            code = self.code(table, at, "veto")
            self.unknown_keys(table, _VETO_KEYS, at)
            texts = self.texts(table, at)
            if code is not None:
                codes.append((code, at))
                if texts is not None:
                    vetoes.append(Veto(code, texts))
        self.unique("veto", codes)
        return tuple(vetoes)
