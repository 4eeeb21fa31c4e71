"""Reading a scorecard from TOML, and checking it before anyone rates with it.

The loader reports *every* problem it finds, each at its line, because a manager fixing a card
by hand should not have to fix it one error at a time.  ``tomllib`` gives no positions, so lines
come from ``scoring.tomltext``.

Laws (``tests/scoring/test_loading.py``, ``tests/property/test_scoring_laws.py``):

- ``load_scorecard(dump_scorecard(card)) == card`` for every valid card.
- A card with any problem raises ScorecardError listing all of them, sorted by line; no
  Scorecard is returned for a card with a problem.
- Unknown keys are problems everywhere, so a misspelt optional key cannot pass silently.
- Any text at all gives a Scorecard or a ScorecardError, never another exception: size and
  nesting are checked before ``tomllib`` runs (``scoring.limits``), and every number, text and
  count has bounds, so a loaded card can be used by every checklist.
- Each Problem carries a ``kind``, the ``place`` it concerns and its ``args``, so the app can
  say it in the user's language; ``message`` is the English text for the command line.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scoring.limits import (
    MAX_CATEGORIES,
    MAX_DEADLINE_DAYS,
    MAX_ITEMS,
    MAX_NESTING,
    MAX_POINTS,
    MAX_SERIOUS_REVISIT_DAYS,
    MAX_SOURCE_BYTES,
    MAX_TEXT_CHARS,
    MAX_TITLE_CHARS,
    MAX_TOTAL_POINTS,
    MAX_VERSION,
    MAX_VETOES,
    nesting_depth,
)
from scoring.scorecard import (
    DEFAULT_DEADLINE_DAYS,
    DEFAULT_SERIOUS_REVISIT_DAYS,
    LANGUAGES,
    Band,
    Category,
    Item,
    Scorecard,
    Texts,
    Veto,
)
from scoring.tomltext import KeyLines, Location

__all__ = ["PROBLEM_KINDS", "Problem", "ScorecardError", "load_scorecard", "parse_scorecard"]

_CODE = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,31}\Z")
_STAR_NAMES = {3: "three", 2: "two", 1: "one"}


#: Every ``Problem.kind`` the loader produces; the app has one translated sentence for each.
PROBLEM_KINDS = frozenset(
    {
        "all_na",
        "bad_code",
        "band_gap",
        "band_overlap",
        "blank",
        "duplicate",
        "empty",
        "missing_key",
        "not_a_table",
        "out_of_range",
        "syntax",
        "too_deep",
        "too_large",
        "too_long",
        "too_many",
        "total_too_high",
        "unknown_category",
        "unknown_key",
        "wrong_type",
    }
)

#: A problem's arguments: (name, value) pairs, for a translated sentence.
Args = tuple[tuple[str, str | int], ...]


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a scorecard's text, at a 1-based line.

    ``kind`` names the sentence (``"unknown_key"``, ``"out_of_range"``...), ``place`` what it
    concerns: ``("item", "F3")`` once the code is known, ``("items", "3")`` (1-based) before,
    ``("bands", "")``, or ``("", "")`` for the whole card.
    """

    line: int
    message: str
    kind: str = "syntax"
    place: tuple[str, str] = ("", "")
    args: Args = ()

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
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > MAX_SOURCE_BYTES:
        problem = Problem(
            1,
            f"the text is {size} bytes; at most {MAX_SOURCE_BYTES} are accepted",
            "too_large",
            args=(("size", size), ("maximum", MAX_SOURCE_BYTES)),
        )
        raise ScorecardError([problem], source)
    if nesting_depth(text, stop_above=MAX_NESTING) > MAX_NESTING:
        problem = Problem(
            _deepest_line(text),
            f"arrays, tables or dotted keys are nested more than {MAX_NESTING} deep",
            "too_deep",
            args=(("maximum", MAX_NESTING),),
        )
        raise ScorecardError([problem], source)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ScorecardError([_syntax_problem(error, text)], source) from None
    except (ValueError, RecursionError) as error:
        # int() refuses numbers of more than 4,300 digits with a plain ValueError.
        problem = Problem(1, f"TOML syntax error: {error}", "syntax", args=(("detail", ""),))
        raise ScorecardError([problem], source) from None
    checker = _Checker(KeyLines(text))
    card = checker.scorecard(data)
    if checker.problems or card is None:
        raise ScorecardError(checker.problems, source)
    return card


def _syntax_problem(error: tomllib.TOMLDecodeError, text: str) -> Problem:
    # tomllib (3.11) puts the position only in the message: "... (at line 3, column 7)".
    message = str(error)
    args: Args = (("detail", re.sub(r"\s*\(at [^()]*\)$", "", message)[:200]),)
    found = re.search(r"\(at line (\d+), column \d+\)$", message)
    if found:
        return Problem(int(found.group(1)), f"TOML syntax error: {message}", "syntax", args=args)
    # "(at end of document)": the last line is the best place to look.
    line = max(1, len(text.splitlines()))
    return Problem(line, f"TOML syntax error: {message}", "syntax", args=args)


def _deepest_line(text: str) -> int:
    """The first line at which the nesting passes the limit (only called when it does)."""
    lines = text.split("\n")
    low, high = 1, len(lines)
    # Depth over a prefix only grows with the prefix, so the first such line is found by halving.
    while low < high:
        middle = (low + high) // 2
        if nesting_depth("\n".join(lines[:middle]), stop_above=MAX_NESTING) > MAX_NESTING:
            high = middle
        else:
            low = middle + 1
    return low


_TOP_KEYS = frozenset(
    {"version", "title", "bands", "categories", "items", "vetoes", "serious_revisit_days"}
)
_TEXT_KEYS = frozenset(LANGUAGES)
_BAND_KEYS = frozenset(_STAR_NAMES.values())
_CATEGORY_KEYS = frozenset({"code"}) | _TEXT_KEYS
_ITEM_KEYS = (
    frozenset({"code", "category", "points", "na_allowed", "cap", "deadline_days", "remote_proof"})
    | _TEXT_KEYS
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


#: The same types as short words, for the app's translated messages.
_TYPE_KINDS: dict[type, str] = {
    str: "string",
    bool: "boolean",
    int: "integer",
    float: "float",
    dict: "table",
    list: "array",
}


def _type_name(value: object) -> str:
    return _TOML_TYPES.get(type(value), "a date or time")


class _Checker:
    """Walks the parsed TOML, collecting problems instead of stopping at the first."""

    def __init__(self, lines: KeyLines) -> None:
        self.lines = lines
        self.problems: list[Problem] = []
        #: How messages name a table: ("items", 2) -> ("item", "F3") once its code is known.
        self.names: dict[Location, tuple[str, str]] = {}
        self.category_codes: set[str] = set()

    def place(self, at: Location) -> tuple[str, str]:
        """("item", "F3"), ("items", "3") (1-based), ("bands", ""), or ("", "")."""
        if not at:
            return ("", "")
        if at in self.names:
            return self.names[at]
        if len(at) == 1:
            return (str(at[0]), "")
        return (str(at[0]), str(int(at[1]) + 1))

    def report(self, where: Location, at: Location, kind: str, message: str, **args: Any) -> None:
        """A problem found at ``where`` (for its line), concerning the table ``at``."""
        place = self.place(at)
        prefix = ""
        if place[0]:
            prefix = f"{place[0]} {place[1]}: " if place[0] in self.NAMED else _plain(place)
        self.problems.append(
            Problem(
                self.lines.line_of(where),
                prefix + message,
                kind,
                place,
                tuple((name, value) for name, value in args.items()),
            )
        )

    NAMED = frozenset({"item", "category", "veto"})

    # -- generic checks ---------------------------------------------------------------

    def unknown_keys(self, table: dict[str, Any], allowed: frozenset[str], at: Location) -> None:
        for key in table:
            if key not in allowed:
                known = ", ".join(sorted(allowed))
                self.report(
                    (*at, key),
                    at,
                    "unknown_key",
                    f"unknown key {_short(key)!r} (allowed: {known})",
                    key=_short(key),
                    allowed=known,
                )

    def value(
        self, table: dict[str, Any], key: str, at: Location, kind: type, required: bool
    ) -> Any:
        if key not in table:
            if required:
                self.report(at, at, "missing_key", f"missing required key {key!r}", key=key)
            return None
        value = table[key]
        # bool is an int in Python but not in TOML: `points = true` is a type error.
        if type(value) is not kind:
            self.report(
                (*at, key),
                at,
                "wrong_type",
                f"{key!r} must be {_TOML_TYPES[kind]}, not {_type_name(value)}",
                key=key,
                expected=_TYPE_KINDS[kind],
                found=_TYPE_KINDS.get(type(value), "datetime"),
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
        maximum: int,
        required: bool = False,
    ) -> int | None:
        value: int | None = self.value(table, key, at, int, required)
        if value is None:
            return None
        if value < minimum or value > maximum:
            # A 4,000-digit number is shown by its first digits only.
            shown = str(value) if abs(value) < 10**15 else f"{str(value)[:12]}…"
            self.report(
                (*at, key),
                at,
                "out_of_range",
                f"{key!r} must be {minimum} to {maximum}, not {shown}",
                key=key,
                minimum=minimum,
                maximum=maximum,
                value=shown,
            )
            return None
        return value

    def code(self, table: dict[str, Any], at: Location, what: str) -> str | None:
        """Check the code first, so that later messages can name the table by it."""
        code: str | None = self.value(table, "code", at, str, required=True)
        if code is not None and not _CODE.match(code):
            self.report(
                (*at, "code"),
                at,
                "bad_code",
                f"code {_short(code)!r} must be a letter followed by at most "
                "31 letters, digits, '_' or '-'",
                code=_short(code),
            )
            return None
        if code is not None:
            self.names[at] = (what, code)
        return code

    def texts(self, table: dict[str, Any], at: Location, maximum: int) -> Texts | None:
        found: dict[str, str] = {}
        for language in LANGUAGES:
            text = self.value(table, language, at, str, required=language == "zh")
            if text is None:
                continue
            if not text.strip():
                self.report(
                    (*at, language),
                    at,
                    "blank",
                    f"{language!r} must not be blank",
                    key=language,
                )
                continue
            if len(text) > maximum:
                self.report(
                    (*at, language),
                    at,
                    "too_long",
                    f"{language!r} is {len(text)} characters long; at most {maximum}",
                    key=language,
                    length=len(text),
                    maximum=maximum,
                )
                continue
            found[language] = text
        if "zh" not in found:
            return None
        return Texts(found["zh"], found.get("bo"), found.get("en"))

    def entries(self, data: dict[str, Any], key: str, required: bool, most: int) -> list[Any]:
        """The tables of an array of tables, with their indexes; at most ``most`` of them."""
        tables = self.value(data, key, (), list, required)
        if tables is None:
            return []
        if required and not tables:
            self.report((key,), (), "empty", f"{key!r} must not be empty", key=key)
        if len(tables) > most:
            self.report(
                (key,),
                (),
                "too_many",
                f"{key!r} has {len(tables)} entries; at most {most}",
                key=key,
                count=len(tables),
                maximum=most,
            )
            return []
        good = []
        for index, table in enumerate(tables):
            if isinstance(table, dict):
                good.append((index, table))
            else:
                self.report(
                    (key, index),
                    (key, index),
                    "not_a_table",
                    f"each entry of {key!r} must be a table, not {_type_name(table)}",
                    key=key,
                )
        return good

    def unique(self, what: str, codes: list[tuple[str, Location]]) -> None:
        first: dict[str, int] = {}
        for code, at in codes:
            line = self.lines.line_of((*at, "code"))
            if code in first:
                self.report(
                    (*at, "code"),
                    (),
                    "duplicate",
                    f"duplicate {what} code {code!r} (first used on line {first[code]})",
                    what=what,
                    code=code,
                    first=first[code],
                )
            else:
                first[code] = line

    # -- sections ---------------------------------------------------------------------

    def scorecard(self, data: dict[str, Any]) -> Scorecard | None:
        self.unknown_keys(data, _TOP_KEYS, ())
        version = self.integer(data, "version", (), minimum=1, maximum=MAX_VERSION, required=True)
        title = self.texts_table(data, "title")
        bands = self.bands(data)
        categories = self.categories(data)
        # Codes of categories with other problems still count, to avoid a cascade of errors.
        items = self.items(data, self.category_codes)
        vetoes = self.vetoes(data)
        revisit = self.integer(
            data, "serious_revisit_days", (), minimum=1, maximum=MAX_SERIOUS_REVISIT_DAYS
        )
        if self.problems or version is None or title is None or bands is None:
            return None
        return Scorecard(
            version,
            title,
            bands,
            categories,
            items,
            vetoes,
            DEFAULT_SERIOUS_REVISIT_DAYS if revisit is None else revisit,
        )

    def texts_table(self, data: dict[str, Any], key: str) -> Texts | None:
        table = self.value(data, key, (), dict, required=True)
        if table is None:
            return None
        self.unknown_keys(table, _TEXT_KEYS, (key,))
        return self.texts(table, (key,), MAX_TITLE_CHARS)

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
                (),
                "band_gap",
                f"bands leave a gap: 'one' must be 0 (or left out), not {one}, "
                f"or scores below {one} would have no band",
                one=int(one or 0),
            )
        overlap = three is not None and two is not None and three <= two
        if overlap:
            self.report(
                ("bands", "two"),
                (),
                "band_overlap",
                f"bands overlap: 'three' ({three}) must be above 'two' ({two})",
                three=int(three or 0),
                two=int(two or 0),
            )
        if gap or overlap or three is None or two is None:
            return None
        return (Band(3, three), Band(2, two), Band(1, 0))

    def categories(self, data: dict[str, Any]) -> tuple[Category, ...]:
        categories = []
        codes = []
        for index, table in self.entries(data, "categories", True, MAX_CATEGORIES):
            at: Location = ("categories", index)
            code = self.code(table, at, "category")
            self.unknown_keys(table, _CATEGORY_KEYS, at)
            texts = self.texts(table, at, MAX_TEXT_CHARS)
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
        entries = self.entries(data, "items", True, MAX_ITEMS)
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
                    at,
                    "unknown_category",
                    f"unknown category {_short(category)!r}",
                    category=_short(category),
                )
                category = None
            points = self.integer(table, "points", at, minimum=1, maximum=MAX_POINTS, required=True)
            na_allowed = self.value(table, "na_allowed", at, bool, required=False)
            remote_proof = self.value(table, "remote_proof", at, bool, required=False)
            cap = self.integer(table, "cap", at, minimum=1, maximum=3)
            deadline = self.integer(
                table, "deadline_days", at, minimum=1, maximum=MAX_DEADLINE_DAYS
            )
            texts = self.texts(table, at, MAX_TEXT_CHARS)
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
                    remote_proof=bool(remote_proof),
                )
            )
        self.unique("item", codes)
        if entries and all(table.get("na_allowed") is True for _, table in entries):
            self.report(
                ("items", 0),
                (),
                "all_na",
                "every item allows n/a, so a unit could have no applicable points: "
                "at least one item needs na_allowed = false",
            )
        total = sum(item.points for item in items)
        if total > MAX_TOTAL_POINTS:
            self.report(
                ("items", 0),
                (),
                "total_too_high",
                f"the items add up to {total} points; at most {MAX_TOTAL_POINTS}",
                total=total,
                maximum=MAX_TOTAL_POINTS,
            )
        return tuple(items)

    def vetoes(self, data: dict[str, Any]) -> tuple[Veto, ...]:
        vetoes = []
        codes = []
        for index, table in self.entries(data, "vetoes", False, MAX_VETOES):
            at: Location = ("vetoes", index)
            code = self.code(table, at, "veto")
            self.unknown_keys(table, _VETO_KEYS, at)
            texts = self.texts(table, at, MAX_TEXT_CHARS)
            if code is not None:
                codes.append((code, at))
                if texts is not None:
                    vetoes.append(Veto(code, texts))
        self.unique("veto", codes)
        return tuple(vetoes)


def _plain(place: tuple[str, str]) -> str:
    """ "items[3]: " or "bands: " for a table not yet named by its code."""
    return f"{place[0]}[{place[1]}]: " if place[1] else f"{place[0]}: "


def _short(text: str) -> str:
    """A key or code as a message shows it: a hostile 100 KB key is cut to 40 characters."""
    return text if len(text) <= 40 else f"{text[:40]}…"
