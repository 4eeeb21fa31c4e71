"""The catalogue of measures is checked like the scorecard: size and nesting before the
parser, then every key and value; a community's own version applies from its date."""

from __future__ import annotations

from datetime import date

import pytest

from rentals.incentives.catalogue import (
    MAX_SOURCE_BYTES,
    CatalogueError,
    Record,
    catalogue_for,
    catalogues,
    parse_catalogue,
)

GOOD = """
version = 2
active_from = 2027-06-01
[title]
zh = "第2版"
[[measures]]
code = "R9"
band = "three"
record = "handover"
zh = "春节慰问品"
"""


def test_the_shipped_catalogue_carries_the_briefs_measures():
    card = catalogue_for(date(2027, 1, 1))
    assert card.version == 1
    assert [m.code for m in card.for_band("three")] == ["R1", "R2", "R3"]
    assert [m.code for m in card.for_band("one")] == ["P1", "P2", "P3"]
    assert [m.code for m in card.for_band("not_rated")] == ["N1", "N2", "N3", "N4"]
    assert card.for_band("two") == ()
    records = {m.code: m.record for m in card.measures}
    assert records["R2"] == Record.HANDOVER and records["P2"] == Record.PARKING
    assert records["N1"] == Record.REFERRAL and records["R3"] == Record.SENT
    assert all(m.bo and m.en for m in card.measures)


def test_a_good_text_loads():
    card = parse_catalogue(GOOD)
    assert (card.version, card.active_from, card.title) == (2, date(2027, 6, 1), "第2版")
    assert card.measures[0].text("bo") == "春节慰问品"  # falls back to Chinese


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (("version = 2", "version = 0"), "version"),
        (("version = 2", "version = 10000001"), "version"),
        (("version = 2", "version = true"), "version"),
        (("active_from = 2027-06-01", 'active_from = "soon"'), "active_from"),
        (('band = "three"', 'band = "under_review"'), "band"),
        (('record = "handover"', 'record = "cash"'), "record"),
        (('code = "R9"', 'code = "r9"'), "code"),
        (('code = "R9"', 'code = "R123456789"'), "code"),
        (('zh = "春节慰问品"', 'zh = ""'), "zh"),
        (('zh = "春节慰问品"', 'zh = "' + "长" * 301 + '"'), "zh"),
        (('zh = "春节慰问品"', 'zh = "a\\u0007b"'), "control"),
        (('zh = "春节慰问品"', 'zh = "x"\ncolour = "red"'), "unknown key"),
        (("[title]", "extra = 1\n[title]"), "unknown key"),
    ],
)
def test_a_bad_value_is_refused_with_its_place(change, problem):
    with pytest.raises(CatalogueError) as err:
        parse_catalogue(GOOD.replace(*change))
    assert any(problem in p for p in err.value.problems), err.value.problems


def test_a_code_twice_is_refused():
    twice = GOOD + '[[measures]]\ncode = "R9"\nband = "one"\nzh = "再一次"\n'
    with pytest.raises(CatalogueError, match="twice"):
        parse_catalogue(twice)


def test_size_and_nesting_are_measured_before_parsing():
    with pytest.raises(CatalogueError, match="larger"):
        parse_catalogue("#" * (MAX_SOURCE_BYTES + 1))
    with pytest.raises(CatalogueError, match="nested"):
        parse_catalogue("x = " + "[" * 3000 + "]" * 3000)


def test_a_communitys_own_version_applies_from_its_date(tmp_path):
    (tmp_path / "ours.toml").write_text(GOOD, encoding="utf-8")
    (tmp_path / "broken.toml").write_text("version = [", encoding="utf-8")
    # Files are read by name: the first to claim version 2 keeps it.
    (tmp_path / "zz-clash.toml").write_text(GOOD.replace("R9", "R8"), encoding="utf-8")
    assert [c.version for c in catalogues(tmp_path)] == [1, 2]
    assert catalogue_for(date(2027, 5, 31), tmp_path).version == 1
    assert [m.code for m in catalogue_for(date(2027, 6, 1), tmp_path).measures] == ["R9"]
