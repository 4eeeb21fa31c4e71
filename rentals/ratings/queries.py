"""Reads for rating pages: a unit's rating history explained with each rating's own version."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, select

from rentals.ratings.models import Rating, ScorecardVersion
from rentals.ratings.services import card_of
from rentals.register.models import Unit
from scoring import Assessment, Scorecard, Texts


@dataclass(frozen=True)
class ItemLine:
    """One breakdown line, with the texts of the version the rating used."""

    code: str
    category: Texts
    texts: Texts
    answer: str
    points: int
    earned: int
    #: Stars the item caps at while failed (None: no cap).
    cap: int | None
    #: True when this failed item's cap actually lowered the stars.
    capped: bool


@dataclass(frozen=True)
class Advice:
    code: str
    texts: Texts
    points: int


@dataclass(frozen=True)
class RatingView:
    rating: Rating
    version: ScorecardVersion
    card: Scorecard
    assessment: Assessment
    lines: tuple[ItemLine, ...]
    vetoes: tuple[tuple[str, Texts], ...]
    next_star: tuple[Advice, ...]

    @property
    def failed(self) -> tuple[ItemLine, ...]:
        return tuple(line for line in self.lines if line.answer == "not_met")


def _explain(rating: Rating, version: ScorecardVersion) -> RatingView:
    card = card_of(version)
    result = Assessment.from_dict(rating.breakdown)
    categories = {category.code: category.texts for category in card.categories}
    lines = []
    for item in result.items:
        known = card.item(item.code) if card.has_item(item.code) else None
        texts = known.texts if known else Texts(zh=item.code)
        lines.append(
            ItemLine(
                code=item.code,
                category=categories.get(item.category, Texts(zh=item.category)),
                texts=texts,
                answer=item.answer.value,
                points=item.points,
                earned=item.points_earned,
                cap=known.cap if known else None,
                capped=item.code in result.caps,
            )
        )
    by_code = {line.code: line for line in lines}
    vetoes = {veto.code: veto.texts for veto in card.vetoes}
    return RatingView(
        rating=rating,
        version=version,
        card=card,
        assessment=result,
        lines=tuple(lines),
        vetoes=tuple((code, vetoes.get(code, Texts(zh=code))) for code in result.vetoes),
        next_star=tuple(
            Advice(code, by_code[code].texts, by_code[code].points)
            for code in result.next_star
            if code in by_code
        ),
    )


def rating_history(session: Session, unit: Unit, *, limit: int = 50) -> list[RatingView]:
    """The unit's ratings, newest first, each with the scorecard version it was made with."""
    rows = session.exec(
        select(Rating, ScorecardVersion)
        .join(ScorecardVersion, ScorecardVersion.id == Rating.scorecard_version_id)
        .where(Rating.unit_id == unit.id)
        .order_by(Rating.id.desc())
        .limit(limit)
    )
    return [_explain(rating, version) for rating, version in rows]
