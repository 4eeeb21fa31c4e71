"""What a landlord must fix to reach the next star.

The advice is the shortest list of failed items that, once met, lift the unit to at least one
star more, counting caps: an item whose cap is below the target must be on the list whatever
its points.  Among lists of that length it gains the most points; remaining ties go to the
items that come first on the card.

Why the direct construction is exact (and ``tests/property/test_scoring_laws.py`` checks it
against every subset): meeting items only adds points and removes caps, so a set S of failed
items works iff it contains every required (capping) item R and gains enough points.  For a
size |R| + k, no set gains more than R plus the k highest-point other items, so the first k
for which that set is enough gives the shortest list, and that set has the most points.  Taking
equal-point items in card order makes it the earliest such list.

Laws: empty at three stars and when vetoed; meeting the listed items reaches the next star; no
shorter list does; no list of the same length gains more points.
"""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction

from scoring.answers import Answer
from scoring.scorecard import Scorecard

__all__ = ["fixes_to_reach", "next_star"]


def next_star(card: Scorecard, answers: Mapping[str, Answer | str], stars: int) -> tuple[str, ...]:
    """Item codes (card order) to fix for ``stars + 1``; empty at three stars or when vetoed.

    ``answers`` must be checked (one per item, see scoring.answers); ``stars`` is the current
    rating, 0 meaning not rated: a veto is lifted by the law, not by points, so no advice.
    """
    if stars == 0 or stars >= card.bands[0].stars:
        return ()
    fixes = fixes_to_reach(card, answers, stars + 1)
    # Meeting every failed item gives a score of 100 and no caps, so a list always exists.
    assert fixes is not None
    return fixes


def fixes_to_reach(
    card: Scorecard, answers: Mapping[str, Answer | str], target: int
) -> tuple[str, ...] | None:
    """Shortest, then highest-point, list of failed items whose fixing gives >= ``target`` stars.

    None when no list does (only if ``target`` is above the top band); n/a items stay n/a.
    """
    if target > card.bands[0].stars:
        return None
    met = sum(item.points for item in card.items if answers[item.code] == Answer.MET)
    applicable = sum(item.points for item in card.items if answers[item.code] != Answer.NA)
    # Score >= minimum  <=>  100 * (met + gained) / applicable >= minimum, kept exact.
    needed = Fraction(card.minimum_score(target) * applicable, 100) - met
    failed = [
        (index, item)
        for index, item in enumerate(card.items)
        if answers[item.code] == Answer.NOT_MET
    ]
    chosen = [(index, item) for index, item in failed if item.cap is not None and item.cap < target]
    others = sorted(
        ((index, item) for index, item in failed if item.cap is None or item.cap >= target),
        key=lambda pair: (-pair[1].points, pair[0]),
    )
    gained = sum(item.points for _, item in chosen)
    for extra in [None, *others]:
        if extra is not None:
            chosen.append(extra)
            gained += extra[1].points
        if gained >= needed:
            return tuple(item.code for _, item in sorted(chosen, key=lambda pair: pair[0]))
    return None
