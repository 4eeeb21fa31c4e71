"""The shipped default scorecard, rated by hand: band edges, caps, vetoes, n/a, advice, errors."""

from __future__ import annotations

import json
from decimal import Decimal
from fractions import Fraction

import pytest

from scoring import (
    Answer,
    AnswerError,
    Assessment,
    ProblemKind,
    RatingStatus,
    assess,
    default_scorecard,
    display_score,
    dump_scorecard,
    load_scorecard,
)

CARD = default_scorecard()

BRIEF_POINTS = {
    "F1": 8, "F2": 6, "F3": 8, "F4": 6, "F5": 6, "F6": 6,
    "S1": 5, "S2": 10, "S3": 8, "S4": 4, "S5": 3,
    "M1": 6, "M2": 6, "M3": 8,
    "L1": 6, "L2": 2,
    "P1": 2,
}  # fmt: skip


def answers(failed: tuple[str, ...] = (), na: tuple[str, ...] = ()) -> dict[str, str]:
    """Every item met except those named."""
    given = dict.fromkeys(CARD.item_codes, "met")
    given.update(dict.fromkeys(failed, "not_met"))
    given.update(dict.fromkeys(na, "na"))
    return given


def rate(failed: tuple[str, ...] = (), na: tuple[str, ...] = (), vetoes: tuple[str, ...] = ()):
    return assess(CARD, answers(failed, na), vetoes)


# -- the card itself ---------------------------------------------------------------------


def test_default_card_has_the_brief_items_points_and_rules():
    assert CARD.version == 1
    assert {item.code: item.points for item in CARD.items} == BRIEF_POINTS
    assert CARD.total_points == 100
    assert [item.code for item in CARD.items if item.na_allowed] == ["F6", "P1"]
    assert {item.code: item.cap for item in CARD.items if item.cap is not None} == {
        "F1": 2,
        "F3": 2,
    }
    assert [(band.stars, band.minimum) for band in CARD.bands] == [(3, 90), (2, 70), (1, 0)]
    assert CARD.veto_codes == ("V1", "V2", "V3", "V4")


def test_default_card_deadlines_are_short_for_fire_and_registration():
    deadlines = {item.code: item.deadline_days for item in CARD.items}
    assert {deadlines[code] for code in ("F1", "F2", "F3", "F4", "F5", "F6")} == {7}
    assert deadlines["S2"] == deadlines["S3"] == 3
    assert deadlines["L2"] == 30


def test_default_card_texts_are_in_chinese_tibetan_and_english():
    def is_tibetan(text: str) -> bool:
        return any("\u0f00" <= char <= "\u0fff" for char in text)

    def is_chinese(text: str) -> bool:
        return any("\u4e00" <= char <= "\u9fff" for char in text)

    every = [CARD.title, *(c.texts for c in CARD.categories), *(i.texts for i in CARD.items)]
    every += [veto.texts for veto in CARD.vetoes]
    for texts in every:
        assert is_chinese(texts.zh)
        assert texts.bo is not None and is_tibetan(texts.bo)
        assert texts.en is not None and texts.en.isascii()
    assert CARD.item("F1").texts.get("bo_CN") == CARD.item("F1").texts.bo
    assert CARD.item("F1").texts.get("fr") == CARD.item("F1").texts.zh


def test_default_scorecard_is_loaded_once():
    assert default_scorecard() is default_scorecard()


def test_default_card_survives_dump_and_load():
    assert load_scorecard(dump_scorecard(CARD)) == CARD


# -- band edges: the exact score decides ------------------------------------------------


def test_all_met_is_100_and_three_green_stars():
    result = rate()
    assert result.score == 100
    assert result.score_display == Decimal("100.0")
    assert (result.stars, result.status, result.status.colour) == (3, RatingStatus.THREE, "green")
    assert result.next_star == ()
    assert result.lost == {}


def test_exactly_90_is_three_stars():
    result = rate(failed=("S2",))
    assert result.score == 90
    assert (result.band_stars, result.stars) == (3, 3)
    assert result.lost == {"S2": 10}


def test_88_of_98_shows_89_8_but_is_two_stars():
    result = rate(failed=("S2",), na=("P1",))
    assert (result.met_points, result.applicable_points) == (88, 98)
    assert result.score == Fraction(8800, 98)
    assert result.score_display == Decimal("89.8")
    assert (result.band_stars, result.stars, result.status) == (2, 2, RatingStatus.TWO)
    assert result.status.colour == "yellow"


def test_exactly_70_is_two_stars():
    result = rate(failed=("S2", "S3", "M1", "M2"))
    assert result.score == 70
    assert result.stars == 2


@pytest.mark.parametrize(
    ("failed", "na", "score"),
    [
        (("S3", "M3", "M1", "M2", "S5"), (), Fraction(69)),
        (("S2", "S3", "M1", "M2"), ("P1",), Fraction(6800, 98)),
    ],
)
def test_just_below_70_is_one_red_star(failed, na, score):
    result = rate(failed=failed, na=na)
    assert result.score == score < 70
    assert (result.stars, result.status, result.status.colour) == (1, RatingStatus.ONE, "red")


# -- caps -------------------------------------------------------------------------------


@pytest.mark.parametrize("code", ["F1", "F3"])
def test_failing_a_capping_item_caps_at_two_stars(code):
    result = rate(failed=(code,))
    assert result.score == 92
    assert (result.band_stars, result.stars) == (3, 2)
    assert result.caps == (code,)
    assert result.next_star == (code,)


def test_both_fire_caps_must_be_fixed_for_three_stars():
    # 84: band two already, so neither cap lowered anything; but three stars needs both.
    result = rate(failed=("F1", "F3"))
    assert (result.score, result.band_stars, result.stars, result.caps) == (84, 2, 2, ())
    assert result.next_star == ("F1", "F3")


def test_failing_f1_at_80_points_does_not_count_as_a_cap():
    result = rate(failed=("F1", "S2", "L2"))
    assert result.score == 80
    assert (result.band_stars, result.stars) == (2, 2)
    assert result.caps == ()


def test_a_cap_never_raises_a_one_star_unit():
    result = rate(failed=("F1", "F3", "S2", "S3"))
    assert result.score == 66
    assert (result.band_stars, result.stars, result.caps) == (1, 1, ())


# -- vetoes -----------------------------------------------------------------------------


@pytest.mark.parametrize("code", ["V1", "V2", "V3", "V4"])
def test_each_veto_means_not_rated(code):
    result = rate(vetoes=(code,))
    assert result.score == 100
    assert result.band_stars == 3
    assert (result.stars, result.status, result.status.colour) == (0, RatingStatus.NOT_RATED, None)
    assert result.vetoes == (code,)
    assert result.is_vetoed
    assert result.next_star == ()


def test_vetoes_are_listed_once_in_card_order():
    result = rate(failed=("F1",), vetoes=["V3", "V1", "V3"])
    assert result.vetoes == ("V1", "V3")
    assert result.stars == 0
    assert result.caps == ("F1",)


# -- n/a --------------------------------------------------------------------------------


def test_na_items_leave_the_total_and_the_score_is_rescaled():
    result = rate(na=("F6", "P1"))
    assert (result.met_points, result.applicable_points) == (92, 92)
    assert result.score == 100
    assert result.stars == 3


def test_na_rescaling_can_drop_below_a_band_edge():
    result = rate(failed=("S2",), na=("F6", "P1"))
    assert result.score == Fraction(8200, 92)
    assert result.score_display == Decimal("89.1")
    assert result.stars == 2
    assert result.lost == {"S2": 10}
    breakdown = {item.code: (item.answer, item.points, item.points_earned) for item in result.items}
    assert breakdown["F6"] == (Answer.NA, 6, 0)
    assert breakdown["S2"] == (Answer.NOT_MET, 10, 0)
    assert breakdown["F1"] == (Answer.MET, 8, 8)
    assert [item.code for item in result.items] == list(CARD.item_codes)


# -- next star --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("failed", "na", "expected"),
    [
        # 89.8: one item is enough, and S2 is the one that failed.
        (("S2",), ("P1",), ("S2",)),
        # 80 -> needs 10 points: only S2 gives them alone.
        (("S2", "S3", "L2"), (), ("S2",)),
        # 74, capped by F1: F1 must be fixed, plus the biggest other item (S2, not S3).
        (("F1", "S2", "S3"), (), ("F1", "S2")),
        # 64, one star: six 6-point items; any one reaches 70, so the first on the card.
        (("F2", "F4", "F5", "M1", "M2", "L1"), (), ("F2",)),
        # 66: needs 4 points; S2 (10) beats S3, M3 (8), M1 (6) at the same length.
        (("S2", "S3", "M3", "M1", "L2"), (), ("S2",)),
        # 54: needs 16 points; S2 + S3 and S2 + M3 both gain 18: S3 is first on the card.
        (("S2", "S3", "M3", "F2", "F4", "F5", "L2"), (), ("S2", "S3")),
    ],
)
def test_next_star_is_the_shortest_then_biggest_list(failed, na, expected):
    result = rate(failed=failed, na=na)
    assert result.next_star == expected
    fixed = assess(CARD, {**answers(failed, na), **dict.fromkeys(expected, "met")})
    assert fixed.stars == result.stars + 1


# -- results as plain values ------------------------------------------------------------


def test_to_dict_is_plain_json_and_from_dict_rebuilds_it():
    result = rate(failed=("S2", "F1"), na=("P1",), vetoes=())
    data = result.to_dict()
    assert json.loads(json.dumps(data)) == data
    assert data["score"] == "81.6"
    assert data["score_exact"] == "4000/49"
    assert data["stars"] == 2
    assert data["status"] == "two"
    assert data["lost"] == {"F1": 8, "S2": 10}
    assert data["next_star"] == ["F1", "S2"]
    assert data["items"][0] == {
        "code": "F1",
        "category": "F",
        "answer": "not_met",
        "points": 8,
        "points_earned": 0,
    }
    assert Assessment.from_dict(data) == result


def test_whole_scores_keep_num_slash_den_form():
    assert rate().to_dict()["score_exact"] == "100/1"


@pytest.mark.parametrize(
    ("score", "shown"),
    [
        (Fraction(0), "0.0"),
        (Fraction(8995, 100), "90.0"),
        (Fraction(8994999, 100000), "89.9"),
        (Fraction(1, 20), "0.1"),
        (Fraction(100), "100.0"),
    ],
)
def test_score_display_rounds_half_up_to_one_decimal(score, shown):
    assert display_score(score) == Decimal(shown)
    assert str(display_score(score)) == shown


def test_answer_enum_values_are_accepted_like_strings():
    given = dict.fromkeys(CARD.item_codes, Answer.MET)
    given["S2"] = Answer.NOT_MET
    assert assess(CARD, given) == rate(failed=("S2",))


@pytest.mark.parametrize(
    ("stars", "status", "colour"),
    [
        (3, RatingStatus.THREE, "green"),
        (2, RatingStatus.TWO, "yellow"),
        (1, RatingStatus.ONE, "red"),
        (0, RatingStatus.NOT_RATED, None),
    ],
)
def test_rating_status_from_stars_and_colour(stars, status, colour):
    assert RatingStatus.from_stars(stars) is status
    assert status.colour == colour


def test_statuses_outside_the_star_scale_have_no_colour():
    assert RatingStatus.NOT_YET_RATED.colour is None
    assert RatingStatus.UNDER_REVIEW.colour is None
    assert [status.value for status in RatingStatus] == [
        "not_yet_rated",
        "three",
        "two",
        "one",
        "not_rated",
        "under_review",
    ]
    with pytest.raises(ValueError, match="4"):
        RatingStatus.from_stars(4)


# -- errors -----------------------------------------------------------------------------


def problems_of(error: pytest.ExceptionInfo[AnswerError]) -> list[tuple[ProblemKind, object]]:
    return [(problem.kind, problem.code) for problem in error.value.problems]


def test_a_missing_answer_is_named():
    given = answers()
    del given["M2"]
    with pytest.raises(AnswerError, match="item M2: no answer given") as error:
        assess(CARD, given)
    assert problems_of(error) == [(ProblemKind.MISSING, "M2")]


def test_an_unknown_item_is_named():
    with pytest.raises(AnswerError, match="item Z9: not on scorecard version 1") as error:
        assess(CARD, {**answers(), "Z9": "met"})
    assert problems_of(error) == [(ProblemKind.UNKNOWN_ITEM, "Z9")]


def test_an_unknown_veto_is_named():
    with pytest.raises(AnswerError, match="veto V9: not on scorecard version 1") as error:
        assess(CARD, answers(), ["V1", "V9"])
    assert problems_of(error) == [(ProblemKind.UNKNOWN_VETO, "V9")]


@pytest.mark.parametrize("value", ["yes", "MET", "n/a", "", None, True, 1])
def test_a_bad_answer_value_is_named(value):
    with pytest.raises(AnswerError, match="item S1: answer .* is not one of met, not_met, na"):
        assess(CARD, {**answers(), "S1": value})


@pytest.mark.parametrize("code", sorted(set(BRIEF_POINTS) - {"F6", "P1"}))
def test_na_is_refused_where_the_card_does_not_allow_it(code):
    with pytest.raises(AnswerError, match=f"item {code}: cannot be answered n/a") as error:
        rate(na=(code,))
    assert problems_of(error) == [(ProblemKind.NA_NOT_ALLOWED, code)]


def test_all_answer_problems_are_reported_together():
    given = answers(na=("F1",))
    del given["L2"]
    given["S1"] = "maybe"
    given["X1"] = "met"
    with pytest.raises(AnswerError) as error:
        assess(CARD, given, ["V7"])
    assert problems_of(error) == [
        (ProblemKind.NA_NOT_ALLOWED, "F1"),
        (ProblemKind.BAD_VALUE, "S1"),
        (ProblemKind.MISSING, "L2"),
        (ProblemKind.UNKNOWN_ITEM, "X1"),
        (ProblemKind.UNKNOWN_VETO, "V7"),
    ]
    assert isinstance(error.value, ValueError)
    for code in ("F1", "S1", "L2", "X1", "V7"):
        assert code in str(error.value)


def test_a_single_veto_string_is_refused_not_split_into_letters():
    with pytest.raises(TypeError, match="single string"):
        assess(CARD, answers(), "V1")
