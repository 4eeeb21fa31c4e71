"""Side-by-side differences between two scorecard versions (pure: two Scorecards in), and
between two inspections' answers ("what changed since last time").

Items, categories and vetoes are matched by code: a code only in the newer card is added,
only in the older one removed, in both with any field different is changed (each field
listed with its old and new value). Bands are compared star by star.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from scoring import Category, Item, Scorecard, Texts, Veto

ITEM_FIELDS = ("category", "points", "na_allowed", "cap", "deadline_days")
LANGUAGES = ("zh", "bo", "en")


class Kind(StrEnum):
    ADDED = "added"
    REMOVED = "removed"
    CHANGED = "changed"


@dataclass(frozen=True)
class FieldChange:
    field: str
    old: object
    new: object


@dataclass(frozen=True)
class EntryDiff:
    """One item, category or veto that differs; ``old``/``new`` are None when absent."""

    code: str
    kind: Kind
    old: Item | Category | Veto | None
    new: Item | Category | Veto | None
    changes: tuple[FieldChange, ...] = ()


@dataclass(frozen=True)
class ScorecardDiff:
    old_version: int
    new_version: int
    items: tuple[EntryDiff, ...]
    categories: tuple[EntryDiff, ...]
    vetoes: tuple[EntryDiff, ...]
    #: (stars, old minimum, new minimum) for every band whose minimum differs.
    bands: tuple[tuple[int, int | None, int | None], ...]
    title: tuple[FieldChange, ...]
    unchanged_items: int

    @property
    def is_empty(self) -> bool:
        return not (self.items or self.categories or self.vetoes or self.bands or self.title)


def _text_changes(old: Texts, new: Texts) -> list[FieldChange]:
    return [
        FieldChange(lang, getattr(old, lang), getattr(new, lang))
        for lang in LANGUAGES
        if getattr(old, lang) != getattr(new, lang)
    ]


def _entries(
    old: tuple[Item, ...] | tuple[Category, ...] | tuple[Veto, ...],
    new: tuple[Item, ...] | tuple[Category, ...] | tuple[Veto, ...],
    fields: tuple[str, ...],
) -> tuple[list[EntryDiff], int]:
    before = {entry.code: entry for entry in old}
    after = {entry.code: entry for entry in new}
    diffs: list[EntryDiff] = []
    unchanged = 0
    # Newer card's order first, then what it dropped, in the older card's order.
    for code, entry in after.items():
        if code not in before:
            diffs.append(EntryDiff(code, Kind.ADDED, None, entry))
            continue
        prior = before[code]
        changes = [
            FieldChange(name, getattr(prior, name), getattr(entry, name))
            for name in fields
            if getattr(prior, name) != getattr(entry, name)
        ] + _text_changes(prior.texts, entry.texts)
        if changes:
            diffs.append(EntryDiff(code, Kind.CHANGED, prior, entry, tuple(changes)))
        else:
            unchanged += 1
    diffs += [
        EntryDiff(code, Kind.REMOVED, e, None) for code, e in before.items() if code not in after
    ]
    return diffs, unchanged


def diff_scorecards(old: Scorecard, new: Scorecard) -> ScorecardDiff:
    items, unchanged = _entries(old.items, new.items, ITEM_FIELDS)
    categories, _ = _entries(old.categories, new.categories, ())
    vetoes, _ = _entries(old.vetoes, new.vetoes, ())
    old_bands = {band.stars: band.minimum for band in old.bands}
    new_bands = {band.stars: band.minimum for band in new.bands}
    bands = tuple(
        (stars, old_bands.get(stars), new_bands.get(stars))
        for stars in sorted(old_bands.keys() | new_bands.keys(), reverse=True)
        if old_bands.get(stars) != new_bands.get(stars)
    )
    return ScorecardDiff(
        old_version=old.version,
        new_version=new.version,
        items=tuple(items),
        categories=tuple(categories),
        vetoes=tuple(vetoes),
        bands=bands,
        title=tuple(_text_changes(old.title, new.title)),
        unchanged_items=unchanged,
    )


@dataclass(frozen=True)
class AnswerChange:
    """One item whose answer differs between two inspections' breakdowns."""

    code: str
    old: str
    new: str


def answer_changes(
    before: Mapping[str, Any] | None, after: Mapping[str, Any] | None
) -> tuple[AnswerChange, ...]:
    """What changed since the last inspection: items in both breakdowns, answer differs.

    Takes two stored breakdowns (``Assessment.to_dict()``) in the newer card's order. Give
    it inspections only: a refusal's breakdown has no items, so it has nothing to compare
    and yields no change (never "every item changed").
    """
    if not before or not after:
        return ()
    old = {item["code"]: item["answer"] for item in before.get("items", [])}
    return tuple(
        AnswerChange(item["code"], old[item["code"]], item["answer"])
        for item in after.get("items", [])
        if item["code"] in old and old[item["code"]] != item["answer"]
    )
