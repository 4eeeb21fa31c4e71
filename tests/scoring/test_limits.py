"""Hostile scorecard files (issue 14.3): each is refused with a problem of a known kind.

The files that took every checklist down are kept here, with the generators that made them,
and a property: any TOML-ish text gives a Scorecard or a ScorecardError, never another
exception.  Expected values come from the issue's files and hand-counted depths.
"""

from __future__ import annotations

import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scoring import Scorecard, ScorecardError, default_scorecard_text, parse_scorecard
from scoring.limits import MAX_NESTING, nesting_depth
from scoring.loading import PROBLEM_KINDS

DEFAULT = default_scorecard_text()


def replaced(old: str, new: str, text: str = DEFAULT) -> str:
    assert old in text, old
    return text.replace(old, new, 1)


def refused(text: str) -> list[tuple[int, str, dict[str, object]]]:
    with pytest.raises(ScorecardError) as error:
        parse_scorecard(text)
    return [(p.line, p.kind, dict(p.args)) for p in error.value.problems]


def line_of(text: str, fragment: str) -> int:
    return text[: text.index(fragment)].count("\n") + 1


# -- the files ---------------------------------------------------------------------


def test_a_deadline_of_a_trillion_days_is_refused_at_its_line():
    text = replaced("deadline_days = 7", "deadline_days = 999999999999")
    assert refused(text) == [
        (
            line_of(text, "deadline_days = 999999999999"),
            "out_of_range",
            {"key": "deadline_days", "minimum": 1, "maximum": 365, "value": "999999999999"},
        )
    ]


def test_a_deadline_of_a_year_is_the_longest_accepted():
    year = parse_scorecard(replaced("deadline_days = 7", "deadline_days = 365"))
    assert year.item("F1").deadline_days == 365
    assert refused(replaced("deadline_days = 7", "deadline_days = 366"))[0][1] == "out_of_range"


def test_a_26_digit_version_is_refused():
    text = replaced("version = 1", "version = 99999999999999999999999999")
    [(line, kind, args)] = refused(text)
    want = (line_of(text, "version ="), "out_of_range", "version", 1_000_000)
    assert (line, kind, args["key"], args["maximum"]) == want
    # The number is shown by its first digits, not all 26.
    assert args["value"] == "999999999999…"


def test_a_5000_digit_number_is_a_syntax_problem_not_a_crash():
    # int() refuses more than 4,300 digits with a plain ValueError, which tomllib lets through.
    [(line, kind, _args)] = refused(replaced("version = 1", "version = 1" + "0" * 5000))
    assert kind == "syntax"


@pytest.mark.parametrize(
    "nested",
    [
        "x = " + "[" * 3000 + "]" * 3000,
        "x = " + "{a = " * 3000 + "1" + "}" * 3000,
        "a" + ".a" * 3000 + " = 1",
        "[" + ".".join(["t"] * 3000) + "]",
        "x = " + "[" * 3000,  # never closed
    ],
    ids=["arrays", "inline tables", "dotted key", "dotted header", "unclosed"],
)
def test_nesting_3000_deep_is_refused_before_parsing_and_quickly(nested):
    text = DEFAULT + "\n" + nested + "\n"
    started = time.perf_counter()
    [(line, kind, args)] = refused(text)
    assert time.perf_counter() - started < 1.0
    assert (line, kind, args) == (DEFAULT.count("\n") + 2, "too_deep", {"maximum": MAX_NESTING})


def test_a_text_over_256_kb_is_refused_by_size():
    text = DEFAULT + "# " + "x" * (256 * 1024) + "\n"
    [(line, kind, args)] = refused(text)
    assert (line, kind, args["maximum"]) == (1, "too_large", 262_144)
    assert args["size"] == len(text.encode("utf-8"))


def test_a_huge_item_text_is_refused_for_that_item():
    text = replaced('zh = "烟雾报警器正常工作"', 'zh = "' + "烟" * 20_000 + '"')
    with pytest.raises(ScorecardError) as error:
        parse_scorecard(text)
    [problem] = error.value.problems
    assert (problem.kind, problem.place) == ("too_long", ("item", "F2"))
    assert dict(problem.args) == {"key": "zh", "length": 20_000, "maximum": 500}


def test_a_huge_key_is_shown_cut_short():
    text = replaced("points = 8", "points = 8\n" + "k" * 50_000 + " = 1")
    [(_line, kind, args)] = refused(text)
    assert kind == "unknown_key"
    assert args["key"] == "k" * 40 + "…"


@pytest.mark.parametrize(("points", "ok"), [(-5, False), (0, False), (1, True), (100, True)])
def test_item_points_lie_between_1_and_100(points, ok):
    text = replaced("points = 8", f"points = {points}")
    if ok:
        assert parse_scorecard(text).item("F1").points == points
    else:
        [(_line, kind, args)] = refused(text)
        assert (kind, args["key"], args["value"]) == ("out_of_range", "points", str(points))


def test_more_than_200_items_are_refused():
    item = '[[items]]\ncode = "Z{n}"\ncategory = "F"\npoints = 1\nzh = "条目"\n'
    text = DEFAULT + "\n" + "".join(item.format(n=n) for n in range(184))
    # 17 items of the default card + 184 = 201.
    problems = refused(text)
    assert [(kind, args) for _l, kind, args in problems] == [
        ("too_many", {"key": "items", "count": 201, "maximum": 200})
    ]
    assert isinstance(
        parse_scorecard(DEFAULT + "\n" + "".join(item.format(n=n) for n in range(183))), Scorecard
    )


def test_items_adding_up_to_more_than_1000_points_are_refused():
    item = '[[items]]\ncode = "Z{n}"\ncategory = "F"\npoints = 100\nzh = "条目"\n'
    # 100 (default card) + 10 x 100 = 1100 points.
    text = DEFAULT + "\n" + "".join(item.format(n=n) for n in range(10))
    assert [(kind, args) for _l, kind, args in refused(text)] == [
        ("total_too_high", {"total": 1100, "maximum": 1000})
    ]


# -- the nesting scanner ---------------------------------------------------------------------

DEPTHS = {
    # hand-counted: open brackets plus the dots of the key being read
    "version = 1": 0,
    "[[items]]": 2,
    "[bands]\nthree = 90": 1,
    "a.b.c = 1": 2,
    "x = [[1], {a.b = 2}]": 3,
    'x = "[[[[[["': 0,
    "x = '{{{{'  # [[[[": 0,
    'x = """\n[[[[\n"""': 0,
    "x = [\n  [\n    1,\n  ],\n]": 2,
    'x = "\\"[[[["': 0,
    "x = 1.5": 0,
}


@pytest.mark.parametrize(("text", "depth"), list(DEPTHS.items()), ids=list(DEPTHS))
def test_nesting_depth_of_hand_counted_texts(text, depth):
    assert nesting_depth(text) == depth


def test_the_default_card_is_well_inside_the_nesting_limit():
    assert nesting_depth(DEFAULT) == 2 < MAX_NESTING


def _reference_depth(text: str) -> int:
    depth = deepest = 0
    for char in text:
        depth += char in "[{"
        depth -= char in "]}"
        deepest = max(deepest, depth)
    return deepest


@given(st.text(alphabet="[]{}x= \n,1", max_size=60))
def test_without_strings_or_keys_the_depth_is_the_bracket_depth(value):
    if _well_nested(value):
        assert nesting_depth("k = " + value.replace("\n", " ")) == _reference_depth(value)


def _well_nested(text: str) -> bool:
    stack = []
    for char in text:
        if char in "[{":
            stack.append("]" if char == "[" else "}")
        elif char in "]}" and (not stack or stack.pop() != char):
            return False
    return not stack


# -- the property ------------------------------------------------------------------------------

FRAGMENTS = [
    "[",
    "]",
    "[[",
    "]]",
    "{",
    "}",
    "=",
    " = ",
    ".",
    ",",
    "\n",
    '"',
    "'",
    '"""',
    "'''",
    "#",
    "\\",
    "version",
    "items",
    "points",
    "deadline_days",
    "code",
    "zh",
    "bands",
    "three",
    "1",
    "-1",
    "0",
    "999999999999",
    "99999999999999999999999999",
    "1e999",
    "inf",
    "nan",
    "true",
    "1979-05-27",
    "25:61:00",
    "0x7f",
    "1_000",
    "\x00",
    "\ud7ff",
    "烟",
    "\t",
]

toml_ish = st.lists(st.sampled_from(FRAGMENTS) | st.text(max_size=4), max_size=40).map("".join)


@st.composite
def mutated_default(draw: st.DrawFn) -> str:
    """The default card with a fragment spliced in, or a run of lines cut out."""
    lines = DEFAULT.split("\n")
    at = draw(st.integers(0, len(lines) - 1))
    if draw(st.booleans()):
        cut = draw(st.integers(1, 5))
        return "\n".join(lines[:at] + lines[at + cut :])
    column = draw(st.integers(0, len(lines[at])))
    line = lines[at][:column] + draw(toml_ish) + lines[at][column:]
    return "\n".join([*lines[:at], line, *lines[at + 1 :]])


def _only_scorecard_or_error(text: str) -> None:
    try:
        card = parse_scorecard(text)
    except ScorecardError as error:
        assert error.problems
        for problem in error.problems:
            assert problem.kind in PROBLEM_KINDS, problem
            assert problem.line >= 1
    else:
        assert isinstance(card, Scorecard)
        assert 1 <= card.version <= 1_000_000
        assert all(1 <= item.deadline_days <= 365 for item in card.items)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(toml_ish)
def test_any_toml_ish_text_gives_a_card_or_a_scorecard_error(text):
    _only_scorecard_or_error(text)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_default())
def test_any_edit_of_the_default_card_gives_a_card_or_a_scorecard_error(text):
    _only_scorecard_or_error(text)
