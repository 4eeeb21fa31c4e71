"""Rating rules on small hand-made cards, for edges the default card cannot reach."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from scoring import Band, Category, Item, Scorecard, Texts, assess, fixes_to_reach

TEXT = Texts("条目")


def card(*items: Item, three: int = 90, two: int = 70) -> Scorecard:
    return Scorecard(
        version=7,
        title=TEXT,
        bands=(Band(3, three), Band(2, two), Band(1, 0)),
        categories=(Category("C", TEXT),),
        items=items,
    )


def item(code: str, points: int, cap: int | None = None) -> Item:
    return Item(code, "C", points, TEXT, cap=cap)


def test_a_score_that_displays_as_90_0_is_still_two_stars():
    small = card(item("A", 1799), item("B", 201))
    result = assess(small, {"A": "met", "B": "not_met"})
    assert result.score == Fraction(8995, 100)
    assert result.score_display == Decimal("90.0")
    assert (result.band_stars, result.stars) == (2, 2)
    assert result.next_star == ("B",)


def test_every_cap_that_lowered_the_stars_is_listed_in_card_order():
    big = card(item("A", 2, cap=2), item("B", 96), item("C", 2, cap=1))
    result = assess(big, {"A": "not_met", "B": "met", "C": "not_met"})
    assert result.score == 96
    assert (result.band_stars, result.stars) == (3, 1)
    assert result.caps == ("A", "C")
    # Two stars needs only the one-star cap lifted; three needs both.
    assert result.next_star == ("C",)
    assert fixes_to_reach(big, {"A": "not_met", "B": "met", "C": "not_met"}, 3) == ("A", "C")


def test_a_cap_of_three_never_lowers_anything():
    result = assess(card(item("A", 5, cap=3), item("B", 95)), {"A": "not_met", "B": "met"})
    assert (result.stars, result.caps) == (3, ())


def test_there_is_no_list_for_stars_above_the_top_band():
    small = card(item("A", 10), item("B", 90))
    assert fixes_to_reach(small, {"A": "not_met", "B": "met"}, 4) is None


def test_custom_bands_are_used():
    small = card(item("A", 50), item("B", 50), three=100, two=50)
    assert assess(small, {"A": "met", "B": "not_met"}).stars == 2
    assert assess(small, {"A": "not_met", "B": "not_met"}).stars == 1
    assert assess(small, {"A": "met", "B": "met"}).stars == 3
