"""Bounds of a scorecard, and the check of its text's size and nesting made before parsing.

A scorecard is uploaded by a manager but read by every checklist, so a value that parses but
makes no sense (``deadline_days = 999999999999``, ``version = 10**26``) or a text that the
parser cannot survive (arrays nested 3,000 deep make ``tomllib`` recurse until it fails) must
be refused at the door.  ``text_problem`` looks at the raw text only: size first, then the
deepest nesting of arrays, inline tables and dotted keys, with a small scanner that skips
strings and comments, so no parser ever sees a text that is too large or too deep.

Laws (``tests/scoring/test_limits.py``):

- ``nesting_depth`` equals the depth of a reference count for texts without strings, and
  brackets inside strings and comments never count.
- The shipped default card is well inside every bound.
"""

from __future__ import annotations

__all__ = [
    "MAX_CATEGORIES",
    "MAX_DEADLINE_DAYS",
    "MAX_SERIOUS_REVISIT_DAYS",
    "MAX_ITEMS",
    "MAX_NESTING",
    "MAX_POINTS",
    "MAX_SOURCE_BYTES",
    "MAX_TEXT_CHARS",
    "MAX_TITLE_CHARS",
    "MAX_TOTAL_POINTS",
    "MAX_VERSION",
    "MAX_VETOES",
    "nesting_depth",
]

#: Largest scorecard text, in UTF-8 bytes (the default card is about 12 KB).
MAX_SOURCE_BYTES = 256 * 1024
#: Deepest nesting of arrays, inline tables and dotted keys; a scorecard needs 2.
MAX_NESTING = 8
#: Version numbers are positive and stay far below what any database integer holds.
MAX_VERSION = 1_000_000
#: A rectification deadline longer than a year is not a deadline.
MAX_DEADLINE_DAYS = 365
#: A serious hazard left open is revisited at least this often; a month is the slowest.
MAX_SERIOUS_REVISIT_DAYS = 30
#: Points of one item, and of the whole card (scores are scaled to 100 anyway).
MAX_POINTS = 100
MAX_TOTAL_POINTS = 1_000
MAX_ITEMS = 200
MAX_CATEGORIES = 50
MAX_VETOES = 50
#: Longest item, category or veto text in one language; a title is stored in 200 characters.
MAX_TEXT_CHARS = 500
MAX_TITLE_CHARS = 200

_OPEN = {"[": "]", "{": "}"}


def nesting_depth(text: str, stop_above: int | None = None) -> int:
    """The deepest nesting of ``[``/``{`` and dotted-key parts, outside strings and comments.

    Depth is the open brackets plus the dots of the key being read: a header ``[[items]]``
    counts 2, ``a.b.c = 1`` counts 2, ``x = [[1], {a.b = 2}]`` counts 3.  The scan
    stops early once the depth passes ``stop_above``, so a hostile text costs one short pass.
    """
    deepest = 0
    stack: list[str] = []
    # At a key (line start, or after "{" / "," inside an inline table) dots add depth.
    in_key = True
    key_parts = 1
    i = 0
    length = len(text)
    while i < length:
        char = text[i]
        if char in "\"'":
            quote = char * 3 if text.startswith(char * 3, i) else char
            i = _string_end(text, i, quote)
            continue
        if char == "#":
            end = text.find("\n", i)
            i = length if end < 0 else end
            continue
        if char == "\n" and not stack:
            in_key, key_parts = True, 1
        elif char in _OPEN:
            stack.append(_OPEN[char])
            in_key = char == "{" or (in_key and len(stack) <= 2 and _is_header(text, i))
            key_parts = 1
        elif char in "]}":
            if stack and stack[-1] == char:
                stack.pop()
            in_key = False
        elif char == "=":
            in_key = False
        elif char == "," and stack and stack[-1] == "}":
            in_key, key_parts = True, 1
        elif char == "." and in_key:
            key_parts += 1
        depth = len(stack) + (key_parts - 1)
        if depth > deepest:
            deepest = depth
            if stop_above is not None and deepest > stop_above:
                return deepest
        i += 1
    return deepest


def _is_header(text: str, at: int) -> bool:
    """Whether the bracket at ``at`` opens a table header (only blanks or "[" before it)."""
    start = text.rfind("\n", 0, at) + 1
    return not text[start:at].strip(" \t[")


def _string_end(text: str, start: int, quote: str) -> int:
    """Index just past the string that opens at ``start`` (the end of text if unclosed)."""
    i = start + len(quote)
    basic = quote[0] == '"'
    multiline = len(quote) == 3
    while i < len(text):
        char = text[i]
        if basic and char == "\\":
            i += 2
            continue
        if not multiline and char == "\n":
            return i  # an unclosed one-line string: the parser will say so
        if text.startswith(quote, i):
            return i + len(quote)
        i += 1
    return i
