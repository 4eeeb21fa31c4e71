"""Where a key sits in TOML text, so that scorecard problems can name a line.

``tomllib`` returns plain dicts without positions, so the loader scans the text once for table
headers (``[bands]``, ``[[items]]``) and ``key =`` lines.  The scan understands the layout that
scorecards use (one key per line, tables and arrays of tables); for anything it cannot place
exactly (an inline table, say) it falls back to the nearest enclosing line it knows.

Law: the n-th ``[[items]]`` header in the text is ``("items", n - 1)``, matching tomllib's list.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

__all__ = ["KeyLines", "Location"]

#: A path into the parsed document: ("items", 2, "points") is the third item's points.
Location = tuple[str | int, ...]

_ARRAY_HEADER = re.compile(r"\[\[\s*([^\[\]]+?)\s*\]\]")
_TABLE_HEADER = re.compile(r"\[\s*([^\[\]]+?)\s*\]")
_KEY = re.compile(r"""([A-Za-z0-9_-]+|"[^"]*"|'[^']*')\s*[.=]""")


@dataclass
class _Section:
    line: int
    keys: dict[str, int] = field(default_factory=dict)


class KeyLines:
    """Line numbers (1-based) of the tables and keys of one TOML text."""

    def __init__(self, text: str) -> None:
        self.sections: dict[Location, _Section] = {(): _Section(1)}
        counts: dict[Location, int] = {}
        current: Location = ()
        in_multiline = False
        for number, raw in enumerate(text.splitlines(), start=1):
            line = raw.strip()
            # Lines inside a multi-line string are text, not keys; toggle on each odd """.
            quotes = line.count('"""') + line.count("'''")
            if in_multiline:
                in_multiline = quotes % 2 == 0
                continue
            if quotes % 2:
                in_multiline = True
            if match := _ARRAY_HEADER.match(line):
                name = _dotted(match.group(1))
                index = counts.get(name, 0)
                counts[name] = index + 1
                current = (*name, index)
                self.sections.setdefault(current, _Section(number))
            elif match := _TABLE_HEADER.match(line):
                current = _dotted(match.group(1))
                self.sections.setdefault(current, _Section(number))
            elif match := _KEY.match(line):
                key = match.group(1).strip("\"'")
                self.sections[current].keys.setdefault(key, number)

    def line_of(self, where: Location) -> int:
        """The line of ``where``, else of the nearest enclosing table or key; at worst 1."""
        for end in range(len(where), 0, -1):
            path = where[:end]
            if path in self.sections:
                return self.sections[path].line
            parent, key = path[:-1], path[-1]
            section = self.sections.get(parent)
            if section is not None and isinstance(key, str) and key in section.keys:
                return section.keys[key]
        return 1


def _dotted(name: str) -> Location:
    return tuple(part.strip().strip("\"'") for part in name.split("."))
