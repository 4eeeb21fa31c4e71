"""Laws of the scoring core, on random scorecards and answers.

- The score lies in 0..100 and is 100 * met points / applicable points.
- For one item, "met" >= "n/a" >= "not met", in score and in stars.
- Meeting one more failed item never lowers the stars.
- A veto always gives 0 stars; a cap is never exceeded and never raises the band.
- next_star, once met, reaches the next star; no shorter list does, and no list of the same
  length gains more points (checked against brute force over every subset).
- load(dump(card)) == card, and loading independently written TOML gives the card.
- An Assessment survives to_dict -> JSON -> from_dict.
"""

from __future__ import annotations

import json
from fractions import Fraction
from itertools import combinations

from hypothesis import given, settings
from hypothesis import strategies as st

from scoring import (
    Answer,
    Assessment,
    RatingStatus,
    Scorecard,
    assess,
    dump_scorecard,
    load_scorecard,
)
from tests.property.scorecard_strategies import FIXED_TEXTS, answers_for, cards, scorecard_texts

# No example database: the suite must not write into the work tree.
laws = settings(max_examples=75, deadline=None, database=None)


@st.composite
def rated(draw: st.DrawFn) -> tuple[Scorecard, dict[str, Answer]]:
    card = draw(cards(texts=FIXED_TEXTS))
    return card, draw(answers_for(card))


def with_answer(answers: dict[str, Answer], code: str, answer: Answer) -> dict[str, Answer]:
    return {**answers, code: answer}


@laws
@given(rated())
def test_score_is_met_over_applicable_within_0_to_100(case):
    card, answers = case
    result = assess(card, answers)
    met = sum(item.points for item in card.items if answers[item.code] is Answer.MET)
    applicable = sum(item.points for item in card.items if answers[item.code] is not Answer.NA)
    assert result.score == Fraction(100 * met, applicable)
    assert 0 <= result.score <= 100
    # Half-up to one decimal: the shown score is within (-0.05, +0.05] of the exact one.
    assert result.score_display.as_tuple().exponent == -1
    assert -Fraction(1, 20) < Fraction(result.score_display) - result.score <= Fraction(1, 20)


@laws
@given(rated(), st.data())
def test_met_beats_na_beats_not_met_in_score_and_stars(case, data):
    card, answers = case
    optional = [item.code for item in card.items if item.na_allowed]
    if not optional:
        return
    code = data.draw(st.sampled_from(optional))
    met, na, not_met = (
        assess(card, with_answer(answers, code, answer))
        for answer in (Answer.MET, Answer.NA, Answer.NOT_MET)
    )
    assert met.score >= na.score >= not_met.score
    assert met.stars >= na.stars >= not_met.stars


@laws
@given(rated(), st.data())
def test_meeting_a_failed_item_never_lowers_stars(case, data):
    card, answers = case
    failed = [code for code, answer in answers.items() if answer is Answer.NOT_MET]
    if not failed:
        return
    code = data.draw(st.sampled_from(failed))
    before = assess(card, answers)
    after = assess(card, with_answer(answers, code, Answer.MET))
    assert after.score > before.score
    assert after.stars >= before.stars


@laws
@given(rated(), st.data())
def test_a_veto_always_gives_zero_stars(case, data):
    card, answers = case
    if not card.vetoes:
        return
    codes = data.draw(st.lists(st.sampled_from(card.veto_codes), min_size=1))
    result = assess(card, answers, codes)
    assert result.stars == 0
    assert result.status is RatingStatus.NOT_RATED
    assert result.next_star == ()
    assert result.vetoes == tuple(code for code in card.veto_codes if code in codes)
    # The score and band are still computed, so the record explains itself.
    assert result.band_stars == assess(card, answers).band_stars


@laws
@given(rated())
def test_caps_are_never_exceeded_and_never_raise_the_band(case):
    card, answers = case
    result = assess(card, answers)
    failed = [item for item in card.items if answers[item.code] is Answer.NOT_MET]
    caps = [item.cap for item in failed if item.cap is not None]
    assert all(result.stars <= cap for cap in caps)
    assert result.stars <= result.band_stars
    assert result.stars == min([result.band_stars, *caps])
    assert result.caps == tuple(
        item.code for item in failed if item.cap is not None and item.cap < result.band_stars
    )
    assert bool(result.caps) == (result.stars < result.band_stars)
    assert result.status is RatingStatus.from_stars(result.stars)


@laws
@given(rated())
def test_band_is_the_highest_whose_minimum_the_exact_score_reaches(case):
    card, answers = case
    result = assess(card, answers)
    reached = [band.stars for band in card.bands if result.score >= band.minimum]
    assert result.band_stars == max(reached)


def brute_force_next_star(card: Scorecard, answers: dict[str, Answer], stars: int):
    """Every subset of failed items, smallest first; best by (size, -points, card order)."""
    order = {item.code: index for index, item in enumerate(card.items)}
    failed = [item for item in card.items if answers[item.code] is Answer.NOT_MET]
    for size in range(len(failed) + 1):
        working = [
            subset
            for subset in combinations(failed, size)
            if assess(card, {**answers, **{item.code: Answer.MET for item in subset}}).stars
            >= stars + 1
        ]
        if working:
            best = min(
                working,
                key=lambda subset: (
                    -sum(item.points for item in subset),
                    [order[item.code] for item in subset],
                ),
            )
            return tuple(item.code for item in best)
    raise AssertionError("meeting every item must reach the next star")


@settings(max_examples=150, deadline=None, database=None)
@given(rated())
def test_next_star_equals_brute_force_over_all_subsets(case):
    card, answers = case
    result = assess(card, answers)
    if result.stars == 3:
        assert result.next_star == ()
        return
    expected = brute_force_next_star(card, answers, result.stars)
    assert result.next_star == expected
    fixed = assess(card, {**answers, **dict.fromkeys(result.next_star, Answer.MET)})
    assert fixed.stars >= result.stars + 1


@laws
@given(cards())
def test_dump_then_load_gives_the_same_card(card):
    assert load_scorecard(dump_scorecard(card)) == card


@laws
@given(scorecard_texts())
def test_loading_independently_written_toml_gives_the_card(case):
    card, text = case
    assert load_scorecard(text) == card


@laws
@given(rated(), st.data())
def test_assessment_survives_json_and_back(case, data):
    card, answers = case
    vetoes = data.draw(st.lists(st.sampled_from(card.veto_codes))) if card.vetoes else []
    result = assess(card, answers, vetoes)
    stored = json.loads(json.dumps(result.to_dict()))
    assert Assessment.from_dict(stored) == result
