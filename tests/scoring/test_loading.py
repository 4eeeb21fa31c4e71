"""Loading scorecards: path or text, defaults, and every validation problem at its line."""

from __future__ import annotations

from pathlib import Path

import pytest

from scoring import (
    Band,
    Category,
    Item,
    Problem,
    Scorecard,
    ScorecardError,
    Texts,
    Veto,
    default_scorecard,
    dump_scorecard,
    load_scorecard,
)
from scoring.default import default_scorecard_text

# Line numbers matter below: each mutation names the line it changes.
BASE = """\
version = 3

[title]
zh = "测试评分表"
en = "Test card"

[bands]
three = 90
two = 70

[[categories]]
code = "F"
zh = "消防"

[[categories]]
code = "S"
zh = "治安"

[[items]]
code = "F1"
category = "F"
points = 60
cap = 2
deadline_days = 7
zh = "灭火器"

[[items]]
code = "S1"
category = "S"
points = 40
na_allowed = true
zh = "登记"

[[vetoes]]
code = "V1"
zh = "拒不配合"
"""

BASE_CARD = Scorecard(
    version=3,
    title=Texts("测试评分表", en="Test card"),
    bands=(Band(3, 90), Band(2, 70), Band(1, 0)),
    categories=(Category("F", Texts("消防")), Category("S", Texts("治安"))),
    items=(
        Item("F1", "F", 60, Texts("灭火器"), cap=2, deadline_days=7),
        Item("S1", "S", 40, Texts("登记"), na_allowed=True),
    ),
    vetoes=(Veto("V1", Texts("拒不配合")),),
)


def edit(text: str, changes: dict[int, str]) -> str:
    """Replace lines by number (1-based); a number past the end appends."""
    lines = text.splitlines()
    for number, new in sorted(changes.items()):
        if number <= len(lines):
            lines[number - 1] = new
        else:
            lines.append(new)
    return "\n".join(lines) + "\n"


def problems(text: str) -> list[tuple[int, str]]:
    with pytest.raises(ScorecardError) as error:
        load_scorecard(text)
    return [(problem.line, problem.message) for problem in error.value.problems]


# -- sources ----------------------------------------------------------------------------


def test_text_loads_with_defaults_filled_in():
    card = load_scorecard(BASE)
    assert card == BASE_CARD
    assert card.item("S1").cap is None
    assert card.item("S1").deadline_days == 30
    assert not card.item("F1").na_allowed


def test_path_and_path_string_load_the_same_card(tmp_path: Path):
    path = tmp_path / "card.toml"
    path.write_text(BASE, encoding="utf-8")
    assert load_scorecard(path) == load_scorecard(str(path)) == BASE_CARD


def test_a_string_with_an_equals_sign_is_text_not_a_path():
    with pytest.raises(ScorecardError, match="missing required key 'title'"):
        load_scorecard("version = 1")


def test_a_missing_file_is_an_os_error(tmp_path: Path):
    with pytest.raises(FileNotFoundError):
        load_scorecard(str(tmp_path / "missing.toml"))


def test_errors_from_a_file_name_the_file(tmp_path: Path):
    path = tmp_path / "broken.toml"
    path.write_text(edit(BASE, {1: "version = 0"}), encoding="utf-8")
    with pytest.raises(ScorecardError, match=r"^broken\.toml has 1 problem:\n  line 1: "):
        load_scorecard(path)


def test_the_shipped_file_loads_by_path_as_the_default_card():
    path = Path(__file__).parents[2] / "scoring" / "scorecards" / "default-v1.toml"
    assert path.read_text(encoding="utf-8") == default_scorecard_text()
    assert load_scorecard(path) == default_scorecard()


def test_inline_tables_and_a_zero_one_star_band_are_accepted():
    text = edit(BASE, {3: 'title = { zh = "测试评分表", en = "Test card" }', 4: "", 5: ""})
    text = text.replace("two = 70\n", "two = 70\none = 0\n")
    assert load_scorecard(text) == BASE_CARD


# -- each problem, at its line ----------------------------------------------------------

CASES = {
    "unknown top-level key": ({2: 'colour = "red"'}, [(2, "unknown key 'colour'")]),
    "unknown title key": ({6: 'fr = "x"'}, [(6, "title: unknown key 'fr'")]),
    "unknown band key": ({10: "four = 95"}, [(10, "bands: unknown key 'four'")]),
    "unknown category key": ({14: "colour = 1"}, [(14, "category F: unknown key 'colour'")]),
    "unknown item key": ({26: "weight = 2"}, [(26, "item F1: unknown key 'weight'")]),
    "unknown veto key": ({37: "points = 1"}, [(37, "veto V1: unknown key 'points'")]),
    "duplicate item code": (
        {28: 'code = "F1"'},
        [(28, "duplicate item code 'F1' (first used on line 20)")],
    ),
    "duplicate category code": (
        {16: 'code = "F"'},
        [
            (16, "duplicate category code 'F' (first used on line 12)"),
            (29, "item S1: unknown category 'S'"),
        ],
    ),
    "duplicate veto code": (
        {37: "", 38: "[[vetoes]]", 39: 'code = "V1"', 40: 'zh = "又一个"'},
        [(39, "duplicate veto code 'V1' (first used on line 35)")],
    ),
    "unknown category": ({21: 'category = "X"'}, [(21, "item F1: unknown category 'X'")]),
    "zero points": ({22: "points = 0"}, [(22, "item F1: 'points' must be 1 to 100, not 0")]),
    "negative points": ({30: "points = -4"}, [(30, "item S1: 'points' must be 1 to 100, not -4")]),
    "cap above three": ({23: "cap = 4"}, [(23, "item F1: 'cap' must be 1 to 3, not 4")]),
    "cap zero": ({23: "cap = 0"}, [(23, "item F1: 'cap' must be 1 to 3, not 0")]),
    "zero deadline": ({24: "deadline_days = 0"}, [(24, "'deadline_days' must be 1 to 365, not 0")]),
    "bands overlap": ({8: "three = 60"}, [(9, "bands overlap: 'three' (60) must be above")]),
    "bands equal": ({9: "two = 90"}, [(9, "bands overlap: 'three' (90) must be above")]),
    "band above 100": ({8: "three = 101"}, [(8, "bands: 'three' must be 1 to 100, not 101")]),
    "band at zero": ({9: "two = 0"}, [(9, "bands: 'two' must be 1 to 100, not 0")]),
    "band gap at the bottom": ({10: "one = 10"}, [(10, "bands leave a gap: 'one' must be 0")]),
    "missing version": ({1: ""}, [(1, "missing required key 'version'")]),
    "missing bands": (
        {7: "", 8: "", 9: ""},
        [(1, "missing required key 'bands'")],
    ),
    "missing band": ({9: ""}, [(7, "bands: missing required key 'two'")]),
    "missing points": ({22: ""}, [(19, "item F1: missing required key 'points'")]),
    "missing item code": ({28: ""}, [(27, "items[2]: missing required key 'code'")]),
    "missing Chinese text": (
        {17: 'en = "Security"'},
        [(15, "category S: missing required key 'zh'")],
    ),
    "missing veto text": ({36: ""}, [(34, "veto V1: missing required key 'zh'")]),
    "points as a string": (
        {22: 'points = "60"'},
        [(22, "item F1: 'points' must be an integer, not a string")],
    ),
    "points as a float": (
        {22: "points = 60.0"},
        [(22, "item F1: 'points' must be an integer, not a float")],
    ),
    "points as a boolean": (
        {22: "points = true"},
        [(22, "item F1: 'points' must be an integer, not a boolean")],
    ),
    "version as a string": ({1: 'version = "3"'}, [(1, "'version' must be an integer")]),
    "version zero": ({1: "version = 0"}, [(1, "'version' must be 1 to 1000000, not 0")]),
    "na_allowed as a string": (
        {31: 'na_allowed = "yes"'},
        [(31, "item S1: 'na_allowed' must be a boolean, not a string")],
    ),
    "title as a string": (
        {3: 'title = "Test card"', 4: "", 5: ""},
        [(3, "'title' must be a table, not a string")],
    ),
    "items as a table": (
        {19: "[items]", 20: 'code = "F1"', 27: "[other]"},
        [
            (19, "'items' must be an array, not a table"),
            (27, "unknown key 'other'"),
        ],
    ),
    "blank text": ({25: 'zh = "  "'}, [(25, "item F1: 'zh' must not be blank")]),
    "bad code": ({20: 'code = "F 1"'}, [(20, "items[1]: code 'F 1' must be a letter")]),
    "every item could be n/a": (
        {24: "na_allowed = true"},
        [(19, "every item allows n/a, so a unit could have no applicable points")],
    ),
    "TOML syntax error": ({22: "points = "}, [(22, "TOML syntax error: Invalid value")]),
    "TOML duplicate key": ({24: "points = 6"}, [(24, "TOML syntax error: Cannot overwrite")]),
}


@pytest.mark.parametrize(("changes", "expected"), list(CASES.values()), ids=list(CASES))
def test_each_problem_is_reported_at_its_line(changes, expected):
    found = problems(edit(BASE, changes))
    assert len(found) == len(expected), found
    for (line, message), (want_line, want_text) in zip(found, expected, strict=True):
        assert line == want_line, found
        assert want_text in message, found


def test_empty_items_and_categories_are_refused():
    text = "\n".join(
        ["version = 1", "categories = []", "items = []", "[title]", 'zh = "空"', "[bands]"]
        + ["three = 9", "two = 7"]
    )
    assert problems(text) == [
        (2, "'categories' must not be empty"),
        (3, "'items' must not be empty"),
    ]


def test_entries_that_are_not_tables_are_refused():
    text = edit(
        BASE.replace('[[vetoes]]\ncode = "V1"\nzh = "拒不配合"\n', ""), {2: 'vetoes = ["V1"]'}
    )
    assert problems(text) == [
        (2, "vetoes[1]: each entry of 'vetoes' must be a table, not a string")
    ]


def test_every_problem_is_reported_at_once_in_line_order():
    text = edit(
        BASE,
        {
            1: "version = 0",
            8: "three = 101",
            16: 'code = "F"',
            22: "points = 0",
            23: "cap = 5",
            26: "colour = 1",
            31: "na_allowed = 1",
        },
    )
    with pytest.raises(ScorecardError) as error:
        load_scorecard(text)
    found = error.value.problems
    assert [problem.line for problem in found] == [1, 8, 16, 22, 23, 26, 29, 31]
    assert all(isinstance(problem, Problem) for problem in found)
    message = str(error.value)
    assert message.startswith("scorecard has 8 problems:\n")
    for problem in found:
        assert f"  line {problem.line}: {problem.message}" in message


def test_problem_str_names_its_line():
    assert str(Problem(12, "duplicate item code 'F1'")) == "line 12: duplicate item code 'F1'"


def test_syntax_error_at_end_of_document_points_at_the_last_line():
    assert problems('version = 1\nx = """\nnever closed\n') == [
        (3, "TOML syntax error: Unterminated string (at end of document)")
    ]


def test_keys_inside_multiline_strings_are_not_mistaken_for_keys():
    text = edit(BASE, {22: 'zh = """灭火器', 23: "points = 5", 24: '"""', 25: "points = 0"})
    assert problems(text) == [(25, "item F1: 'points' must be 1 to 100, not 0")]


# -- writing ----------------------------------------------------------------------------


def test_dump_escapes_quotes_backslashes_and_control_characters():
    awkward = 'say "hi"\\ \t\n\r\x00\x1f\x7f\b\f བོད་ 中文 😀'
    card = Scorecard(
        version=1,
        title=Texts(awkward, awkward, awkward),
        bands=BASE_CARD.bands,
        categories=(Category("F", Texts(awkward)),),
        items=(Item("F1", "F", 1, Texts(awkward)),),
        vetoes=(Veto("V1", Texts(awkward)),),
    )
    text = dump_scorecard(card)
    assert "\x00" not in text
    assert "\x7f" not in text
    assert load_scorecard(text) == card


def test_dump_writes_only_what_differs_from_the_defaults():
    text = dump_scorecard(BASE_CARD)
    assert text.count("na_allowed") == 1
    assert text.count("cap = ") == 1
    assert "one = " not in text
    assert load_scorecard(text) == BASE_CARD
