"""Geometry for the dashboard's server-drawn SVG charts (no script, no inline style).

Templates draw rectangles from these numbers with SVG attributes only, since the CSP's
``style-src 'self'`` forbids style attributes. Coordinates are in the viewBox's units.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from scoring.names import RATING_NAMES

#: Fill per rating state, from the one table of rating names.
COLOURS = {status: name.fill for status, name in RATING_NAMES.items()}
BAR_WIDTH = 170  # viewBox width of the longest horizontal bar (the viewBox is 300 wide)
COLUMN_HEIGHT = 120  # viewBox height of the tallest column


@dataclass(frozen=True)
class Bar:
    state: str
    count: int
    length: float
    colour: str


def bars(split: dict[str, int]) -> list[Bar]:
    """One horizontal bar per rating state, the longest ``BAR_WIDTH`` long."""
    top = max(split.values(), default=0) or 1
    return [
        Bar(s, n, round(BAR_WIDTH * n / top, 1), COLOURS.get(s, "#9e9e9e"))
        for s, n in split.items()
    ]


@dataclass(frozen=True)
class Segment:
    state: str
    count: int
    y: float
    height: float
    colour: str


@dataclass(frozen=True)
class Column:
    month: date
    total: int
    segments: list[Segment]


def stacked(history: list[tuple[date, dict[str, int]]]) -> list[Column]:
    """One stacked column per month end, states stacked from the bottom (three stars first)."""
    top = max((sum(c.values()) for _d, c in history), default=0) or 1
    columns = []
    for month, counts in history:
        y = float(COLUMN_HEIGHT)
        segments = []
        for state, n in counts.items():
            if not n:
                continue
            height = round(COLUMN_HEIGHT * n / top, 2)
            y = round(y - height, 2)
            segments.append(Segment(state, n, y, height, COLOURS.get(state, "#9e9e9e")))
        columns.append(Column(month, sum(counts.values()), segments))
    return columns


@dataclass(frozen=True)
class Bin:
    month: date
    count: int
    y: float
    height: float


def columns(counts: list[tuple[date, int]]) -> list[Bin]:
    """One plain column per month (incidents), the tallest ``COLUMN_HEIGHT`` high."""
    top = max((n for _m, n in counts), default=0) or 1
    out = []
    for month, n in counts:
        height = round(COLUMN_HEIGHT * n / top, 2)
        out.append(Bin(month, n, round(COLUMN_HEIGHT - height, 2), height))
    return out
