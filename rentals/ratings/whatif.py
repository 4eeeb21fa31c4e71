"""What-if: how every unit's current rating would change under a draft scorecard.

Each unit's newest rating is re-assessed from the answers and vetoes stored in its
breakdown (``Assessment.to_dict`` keeps every item's answer), so one query reads the whole
register and no inspection row is touched. Items the draft adds have no answer: those units
need a new inspection and are counted apart, never guessed. Items and vetoes the draft drops
are ignored. Identical answer sets are assessed once, which keeps large registers fast
(most units share a handful of patterns).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import func
from sqlmodel import Session, select

from rentals.ratings.models import Rating, ScorecardVersion
from rentals.ratings.services import card_of
from rentals.register.models import Area, Unit
from scoring import AnswerError, Scorecard, assess


class Change(StrEnum):
    GAIN = "gain"
    LOSE = "lose"
    SAME = "same"
    #: The draft asks something the last inspection did not: no guess is made.
    NEEDS_INSPECTION = "needs"


@dataclass(frozen=True)
class WhatIfRow:
    unit_code: str
    area: str
    status_now: str
    stars_now: int
    score_now: Decimal
    stars_draft: int | None
    score_draft: Decimal | None
    change: Change


@dataclass
class WhatIf:
    version: int
    rows: list[WhatIfRow] = field(default_factory=list)
    added_items: tuple[str, ...] = ()
    removed_items: tuple[str, ...] = ()
    dropped_vetoes: tuple[str, ...] = ()
    counts: dict[Change, int] = field(default_factory=lambda: dict.fromkeys(Change, 0))

    @property
    def units(self) -> int:
        return len(self.rows)


def _reassess(
    card: Scorecard, answers: dict[str, str], vetoes: tuple[str, ...]
) -> tuple[int, Decimal] | None:
    """(stars, display score) under ``card``, or None when some item has no valid answer."""
    try:
        result = assess(card, answers, vetoes)
    except AnswerError:
        return None
    return result.stars, result.score_display


def what_if(session: Session, *, draft: ScorecardVersion) -> WhatIf:
    """Re-assess every rated unit (not withdrawn) under ``draft``; one query, in memory."""
    card = card_of(draft)
    codes = set(card.item_codes)
    veto_codes = set(card.veto_codes)
    newest = select(func.max(Rating.id)).group_by(Rating.unit_id)
    stmt = (
        select(Unit.code, Area.name, Rating.status, Rating.stars, Rating.score, Rating.breakdown)
        .join(Unit, Unit.id == Rating.unit_id)
        .join(Area, Area.id == Unit.area_id)
        .where(Rating.id.in_(newest), Unit.status != "withdrawn")
        .order_by(Area.name, Unit.code)
    )
    report = WhatIf(version=draft.version)
    seen_items: set[str] = set()
    seen_vetoes: set[str] = set()
    memo: dict[tuple[frozenset[tuple[str, str]], tuple[str, ...]], tuple[int, Decimal] | None] = {}
    for code, area, status, stars, score, breakdown in session.exec(stmt):
        old = {item["code"]: item["answer"] for item in breakdown.get("items", ())}
        old_vetoes = tuple(breakdown.get("vetoes", ()))
        seen_items.update(old)
        seen_vetoes.update(old_vetoes)
        answers = {c: a for c, a in old.items() if c in codes}
        vetoes = tuple(v for v in old_vetoes if v in veto_codes)
        key = (frozenset(answers.items()), vetoes)
        if key not in memo:
            memo[key] = _reassess(card, answers, vetoes) if codes <= answers.keys() else None
        outcome = memo[key]
        if outcome is None:
            change, new_stars, new_score = Change.NEEDS_INSPECTION, None, None
        else:
            new_stars, new_score = outcome
            change = (
                Change.GAIN
                if new_stars > stars
                else Change.LOSE
                if new_stars < stars
                else Change.SAME
            )
        report.counts[change] += 1
        report.rows.append(
            WhatIfRow(code, area, status, stars, Decimal(score), new_stars, new_score, change)
        )
    report.added_items = (
        tuple(c for c in card.item_codes if c not in seen_items) if seen_items else ()
    )
    report.removed_items = tuple(sorted(seen_items - codes))
    report.dropped_vetoes = tuple(sorted(seen_vetoes - veto_codes))
    return report
