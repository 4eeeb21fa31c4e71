"""From answers to stars: score, then band, then caps, then vetoes, then public status.

The score is an exact Fraction so that the band edges mean what the card says (88 of 98
points is 89.795..., two stars, although it displays as 89.8).  An Assessment carries its item
breakdown, caps, vetoes, advice and scorecard version, so that any plaque can be explained
later from the stored result alone.

Laws (``tests/property/test_scoring_laws.py``):

- 0 <= score <= 100, and score = 100 * met points / applicable points.
- For one item, met >= n/a >= not met, in score and in stars.
- Meeting one more item never lowers the stars.
- stars <= band_stars, and stars <= the cap of every failed item.
- Any veto gives 0 stars and the NOT_RATED status.
- A visit without item answers (a refusal) is rated only by its vetoes: NOT_RATED, no items,
  no caps, no advice, score 0 of 0 applicable points.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction
from typing import Any

from scoring.advice import next_star
from scoring.answers import Answer, check_inspection, check_vetoes
from scoring.scorecard import Scorecard

__all__ = [
    "Assessment",
    "ItemResult",
    "RatingStatus",
    "assess",
    "assess_without_answers",
    "display_score",
]


class RatingStatus(StrEnum):
    """A unit's public status: every state the brief names, never None for "missing"."""

    NOT_YET_RATED = "not_yet_rated"
    THREE = "three"
    TWO = "two"
    ONE = "one"
    #: Not rated (不予评定): a veto applied.
    NOT_RATED = "not_rated"
    #: A contest of the latest rating is open.
    UNDER_REVIEW = "under_review"

    @classmethod
    def from_stars(cls, stars: int) -> RatingStatus:
        """THREE, TWO, ONE for 3, 2, 1 stars; NOT_RATED for 0."""
        try:
            return _BY_STARS[stars]
        except KeyError:
            raise ValueError(f"no rating status for {stars!r} stars") from None

    @property
    def colour(self) -> str | None:
        """Plaque colour: green, yellow or red for three, two, one star; None otherwise."""
        from scoring.names import RATING_NAMES  # the table imports this enum

        return RATING_NAMES[self.value].plaque_colour


_BY_STARS = {
    3: RatingStatus.THREE,
    2: RatingStatus.TWO,
    1: RatingStatus.ONE,
    0: RatingStatus.NOT_RATED,
}


@dataclass(frozen=True)
class ItemResult:
    """One line of the breakdown; ``points`` are the card's, ``points_earned`` 0 unless met."""

    code: str
    category: str
    answer: Answer
    points: int
    points_earned: int


@dataclass(frozen=True)
class Assessment:
    """The outcome of one inspection against one scorecard version."""

    scorecard_version: int
    #: Exact, 0..100; compare bands against this, never against ``score_display``.
    score: Fraction
    #: Half-up to one decimal, for people: Decimal('89.8').
    score_display: Decimal
    met_points: int
    applicable_points: int
    #: Stars the score's band gives, before caps and vetoes.
    band_stars: int
    #: Final stars: 3, 2, 1, or 0 when vetoed.
    stars: int
    status: RatingStatus
    #: Failed items whose cap lowered the stars below band_stars, in card order.
    caps: tuple[str, ...]
    #: Applied veto codes, in card order.
    vetoes: tuple[str, ...]
    #: Card points lost on each failed item, in card order.
    lost: dict[str, int]
    #: Items to fix for the next star (see scoring.advice).
    next_star: tuple[str, ...]
    items: tuple[ItemResult, ...]

    @property
    def is_vetoed(self) -> bool:
        return bool(self.vetoes)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-safe values; ``Assessment.from_dict`` rebuilds an equal Assessment."""
        return {
            "scorecard_version": self.scorecard_version,
            "score": str(self.score_display),
            "score_exact": f"{self.score.numerator}/{self.score.denominator}",
            "met_points": self.met_points,
            "applicable_points": self.applicable_points,
            "band_stars": self.band_stars,
            "stars": self.stars,
            "status": self.status.value,
            "caps": list(self.caps),
            "vetoes": list(self.vetoes),
            "lost": dict(self.lost),
            "next_star": list(self.next_star),
            "items": [
                {
                    "code": item.code,
                    "category": item.category,
                    "answer": item.answer.value,
                    "points": item.points,
                    "points_earned": item.points_earned,
                }
                for item in self.items
            ],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Assessment:
        """Rebuild a stored Assessment from ``to_dict`` output (the exact score is kept)."""
        return cls(
            scorecard_version=int(data["scorecard_version"]),
            score=Fraction(data["score_exact"]),
            score_display=Decimal(data["score"]),
            met_points=int(data["met_points"]),
            applicable_points=int(data["applicable_points"]),
            band_stars=int(data["band_stars"]),
            stars=int(data["stars"]),
            status=RatingStatus(data["status"]),
            caps=tuple(data["caps"]),
            vetoes=tuple(data["vetoes"]),
            lost={str(code): int(points) for code, points in data["lost"].items()},
            next_star=tuple(data["next_star"]),
            items=tuple(
                ItemResult(
                    code=item["code"],
                    category=item["category"],
                    answer=Answer(item["answer"]),
                    points=int(item["points"]),
                    points_earned=int(item["points_earned"]),
                )
                for item in data["items"]
            ),
        )


def display_score(score: Fraction) -> Decimal:
    """Round a non-negative exact score half-up to one decimal: 440/49 -> Decimal('89.8')."""
    tenths = math.floor(score * 10 + Fraction(1, 2))
    return Decimal(tenths).scaleb(-1)


def assess(
    card: Scorecard, answers: Mapping[str, Answer | str], vetoes: Iterable[str] = ()
) -> Assessment:
    """Rate one inspection: every item answered "met", "not_met" or "na"; vetoes by code.

    Raises AnswerError naming every missing, unknown or invalid answer and unknown veto.
    """
    checked, applied = check_inspection(card, answers, vetoes)
    results = tuple(
        ItemResult(
            code=item.code,
            category=item.category,
            answer=checked[item.code],
            points=item.points,
            points_earned=item.points if checked[item.code] is Answer.MET else 0,
        )
        for item in card.items
    )
    met = sum(result.points_earned for result in results)
    applicable = sum(result.points for result in results if result.answer is not Answer.NA)
    score = Fraction(100 * met, applicable)
    band_stars = card.band_stars(score)
    failed = [item for item in card.items if checked[item.code] is Answer.NOT_MET]
    caps = tuple(item.code for item in failed if item.cap is not None and item.cap < band_stars)
    capped = min([band_stars, *(item.cap for item in failed if item.cap is not None)])
    stars = 0 if applied else capped
    return Assessment(
        scorecard_version=card.version,
        score=score,
        score_display=display_score(score),
        met_points=met,
        applicable_points=applicable,
        band_stars=band_stars,
        stars=stars,
        status=RatingStatus.from_stars(stars),
        caps=caps,
        vetoes=applied,
        lost={item.code: item.points for item in failed},
        next_star=next_star(card, checked, stars),
        items=results,
    )


def assess_without_answers(card: Scorecard, vetoes: Iterable[str]) -> Assessment:
    """Rate a visit that has no item answers (the landlord refused): vetoes only.

    At least one veto is required, since without answers nothing else can decide a rating.
    The breakdown is empty: no item was inspected, so none is reported as met or not met.
    Raises AnswerError for an unknown veto code and ValueError when none is given.
    """
    applied = check_vetoes(card, vetoes)
    if not applied:
        raise ValueError("a rating without answers needs at least one veto")
    return Assessment(
        scorecard_version=card.version,
        score=Fraction(0),
        score_display=display_score(Fraction(0)),
        met_points=0,
        applicable_points=0,
        band_stars=0,
        stars=0,
        status=RatingStatus.NOT_RATED,
        caps=(),
        vetoes=applied,
        lost={},
        next_star=(),
        items=(),
    )
