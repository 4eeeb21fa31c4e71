"""Scorecard versions: what a card is (items, categories, bands, vetoes), frozen and typed.

A scorecard is data that managers publish and change over time, so each version is a value:
frozen, compared by value, and built by ``scoring.loading`` from TOML text that has been
checked.  Texts are per language with a Chinese fallback (data, not gettext).

Laws, for cards built by the loader (``tests/scoring/test_loading.py``):

- At least one item cannot be "n/a", so any complete set of answers has applicable points.
- Band minimums strictly decrease from the top band (at most 100) to 0, so every score in
  0..100 lies in exactly one band.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

__all__ = [
    "DEFAULT_DEADLINE_DAYS",
    "DEFAULT_SERIOUS_REVISIT_DAYS",
    "LANGUAGES",
    "Band",
    "Category",
    "Item",
    "Scorecard",
    "Texts",
    "Veto",
]

#: Languages a text may be given in; Chinese is required and is the fallback.
LANGUAGES = ("zh", "bo", "en")
#: Rectification deadline of an item that does not name its own.
DEFAULT_DEADLINE_DAYS = 30
#: Days between visits to a unit while a serious hazard's order stays open.
DEFAULT_SERIOUS_REVISIT_DAYS = 3


@dataclass(frozen=True)
class Texts:
    """A text managers type, per language (data, not gettext); Chinese is required."""

    zh: str
    bo: str | None = None
    en: str | None = None

    def get(self, language: str) -> str:
        """The text in ``language`` ("bo", "en", "zh-Hans", "bo_CN"...), else the Chinese."""
        base = language.replace("-", "_").split("_", 1)[0].lower()
        text: str | None = getattr(self, base, None) if base in LANGUAGES else None
        return text if text is not None else self.zh


@dataclass(frozen=True)
class Band:
    """Scores at or above ``minimum`` (and below the next band up) earn ``stars``."""

    stars: int
    minimum: int


@dataclass(frozen=True)
class Category:
    code: str
    texts: Texts


@dataclass(frozen=True)
class Item:
    """One scorecard line: met earns ``points``; failing it caps the stars at ``cap`` if set."""

    code: str
    category: str
    points: int
    texts: Texts
    na_allowed: bool = False
    #: Highest star count a unit can have while this item is not met; None = no cap.
    cap: int | None = None
    #: Default number of days a rectification order for this item gives the landlord.
    deadline_days: int = DEFAULT_DEADLINE_DAYS
    #: A fix the landlord may prove with photos: staff may close its order without a
    #: visit (never an order for a serious hazard).
    remote_proof: bool = False


@dataclass(frozen=True)
class Veto:
    """A not-rated condition (不予评定项): when it applies the unit gets no stars."""

    code: str
    texts: Texts


@dataclass(frozen=True)
class Scorecard:
    """One published version of the scorecard; ``scoring.load_scorecard`` builds checked ones."""

    version: int
    title: Texts
    #: Highest stars first; the last band starts at 0.
    bands: tuple[Band, ...]
    categories: tuple[Category, ...]
    items: tuple[Item, ...]
    vetoes: tuple[Veto, ...] = ()
    #: While an order for a serious hazard is open, the unit is visited again every this
    #: many days (a follow-up task per window), not only on the order's deadline.
    serious_revisit_days: int = DEFAULT_SERIOUS_REVISIT_DAYS
    _items_by_code: dict[str, Item] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_items_by_code", {item.code: item for item in self.items})

    @property
    def total_points(self) -> int:
        return sum(item.points for item in self.items)

    @property
    def item_codes(self) -> tuple[str, ...]:
        return tuple(item.code for item in self.items)

    @property
    def veto_codes(self) -> tuple[str, ...]:
        return tuple(veto.code for veto in self.vetoes)

    def item(self, code: str) -> Item:
        """The item with this code; KeyError if the card has none."""
        return self._items_by_code[code]

    def has_item(self, code: str) -> bool:
        return code in self._items_by_code

    def minimum_score(self, stars: int) -> int:
        """Lowest score (inclusive) that the bands give ``stars`` for."""
        for band in self.bands:
            if band.stars == stars:
                return band.minimum
        raise ValueError(f"the bands have no {stars}-star band")

    def band_stars(self, score: Fraction) -> int:
        """Stars the bands give an exact score, before caps and vetoes."""
        for band in self.bands:
            if score >= band.minimum:
                return band.stars
        raise ValueError(f"score {score} is below every band")
