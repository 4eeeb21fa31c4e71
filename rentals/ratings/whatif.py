"""What-if: how every unit's current rating would change under a draft scorecard.

Each unit's newest rating is re-assessed from the answers and vetoes of the inspection it
was made from, exactly as ``rate_inspection`` read them (a refusal: the refusal veto alone,
no answers). One query reads the whole register. Items the draft adds have no answer:
those units need a new inspection and are counted apart, never guessed. Items and vetoes the
draft drops are ignored.

Speed: the answers are fetched as their stored JSON text and used as the memo key, so each
distinct answer set is decoded and assessed once (units share few patterns: 17 yes/no items
with a handful failed). The inspection's small answers column is read rather than the rating's
breakdown, whose JSON is five times larger and cost most of the time at 20,000 units.

A city's register does not fit a request: ``rentals.ratings.whatif_jobs`` runs the same
re-assessment on the task queue, streaming the rows to a file instead of keeping them.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import Text, cast, func
from sqlmodel import Session, select

from rentals.inspections.models import Inspection, Outcome
from rentals.ratings.models import Rating, ScorecardVersion
from rentals.ratings.services import REFUSAL_VETO, assess_visit, card_of
from rentals.register.models import Area, Unit
from scoring import AnswerError, Scorecard


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
        return sum(self.counts.values())


def _reassess(
    card: Scorecard, outcome: str, answers: dict[str, str], vetoes: tuple[str, ...]
) -> tuple[int, Decimal] | None:
    """(stars, display score) under ``card``, or None when some item has no valid answer."""
    try:
        result = assess_visit(card, outcome, answers, vetoes)
    except AnswerError:
        return None
    return result.stars, result.score_display


#: Rows fetched from the database at a time when the rows are streamed to a sink.
STREAM_ROWS = 5000


def what_if(
    session: Session,
    *,
    draft: ScorecardVersion,
    sink: Callable[[WhatIfRow], None] | None = None,
) -> WhatIf:
    """Re-assess every rated unit (not withdrawn) under ``draft``; one query.

    The rows are kept on the report, or, with ``sink``, handed to it one by one as they
    are read in batches (the report then holds only the counts), so memory does not grow
    with the register.
    """
    card = card_of(draft)
    codes = set(card.item_codes)
    veto_codes = set(card.veto_codes)
    newest = select(func.max(Rating.id)).group_by(Rating.unit_id)
    stmt = (
        select(
            Unit.code,
            Area.name,
            Rating.status,
            Rating.stars,
            Rating.score,
            Inspection.outcome,
            cast(Inspection.answers, Text),
            cast(Inspection.vetoes, Text),
        )
        .join(Unit, Unit.id == Rating.unit_id)
        .join(Area, Area.id == Unit.area_id)
        .join(Inspection, Inspection.id == Rating.inspection_id)
        .where(Rating.id.in_(newest), Unit.status != "withdrawn")
        .order_by(Area.name, Unit.code)
    )
    report = WhatIf(version=draft.version)
    seen_items: set[str] = set()
    seen_vetoes: set[str] = set()
    memo: dict[tuple[str, str, str], tuple[int, Decimal] | None] = {}
    if sink is None:
        sink = report.rows.append
    else:
        stmt = stmt.execution_options(yield_per=STREAM_ROWS)
    for code, area, status, stars, score, outcome, answers_json, vetoes_json in session.exec(stmt):
        key = (outcome, answers_json, vetoes_json)
        if key not in memo:
            old = json.loads(answers_json)
            old_vetoes = set(json.loads(vetoes_json))
            refused = outcome == Outcome.REFUSED
            if refused:  # rated by the refusal veto alone, as rate_inspection rates it
                old_vetoes.add(REFUSAL_VETO)
            seen_items.update(old)
            seen_vetoes.update(old_vetoes)
            answers = {c: a for c, a in old.items() if c in codes}
            vetoes = tuple(sorted(old_vetoes & veto_codes))
            complete = REFUSAL_VETO in vetoes if refused else codes <= answers.keys()
            memo[key] = _reassess(card, outcome, answers, vetoes) if complete else None
        outcome_ = memo[key]
        if outcome_ is None:
            change, new_stars, new_score = Change.NEEDS_INSPECTION, None, None
        else:
            new_stars, new_score = outcome_
            change = (
                Change.GAIN
                if new_stars > stars
                else Change.LOSE
                if new_stars < stars
                else Change.SAME
            )
        report.counts[change] += 1
        sink(WhatIfRow(code, area, status, stars, Decimal(score), new_stars, new_score, change))
    report.added_items = tuple(c for c in card.item_codes if c not in seen_items)
    report.removed_items = tuple(sorted(seen_items - codes))
    report.dropped_vetoes = tuple(sorted(seen_vetoes - veto_codes))
    return report
