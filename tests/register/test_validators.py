"""Identity numbers (GB 11643), mobiles and date order: one rule for forms and importer."""

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum.cn import ric

from rentals.validators import (
    FieldInvalid,
    check_date_order,
    normalise_id_number,
    normalise_mobile,
)
from tests.factories import valid_id_number


def _msg(fn, value):  # type: ignore[no-untyped-def]
    with pytest.raises(FieldInvalid) as err:
        fn(value)
    return str(err.value)


def test_valid_id_number_is_normalised_upper_case():
    body = "54010219800229001"  # 29 Feb 1980 exists
    number = body + ric.calc_check_digit(body)
    assert normalise_id_number(" " + number.lower() + " ") == number


def test_x_check_character_accepted_in_either_case():
    # Find a body whose check character is X.
    body = next(
        f"54010219900101{n:03d}"
        for n in range(1000)
        if ric.calc_check_digit(f"54010219900101{n:03d}") == "X"
    )
    assert normalise_id_number(body + "x") == body + "X"


def test_wrong_check_character_rejected():
    good = valid_id_number(1)
    bad = good[:17] + ("0" if good[17] != "0" else "1")
    assert "校验位" in _msg(normalise_id_number, bad)


def test_fifteen_digit_legacy_number_has_its_own_message():
    assert "15 位" in _msg(normalise_id_number, "540102900101123")


def test_impossible_birth_date_rejected():
    body = "54010219900230001"  # 30 February
    assert "出生日期" in _msg(normalise_id_number, body + ric.calc_check_digit(body))


def test_future_birth_date_rejected():
    body = "54010221000101001"
    message = _msg(lambda v: normalise_id_number(v, today=date(2026, 11, 22)), body + "0")
    assert "出生日期" in message


def test_unknown_province_rejected():
    body = "99010219900101001"
    assert "地区" in _msg(normalise_id_number, body + ric.calc_check_digit(body))


@pytest.mark.parametrize("value", ["5.401021990010113e+17", "540102199001011235.0"])
def test_number_mangled_by_a_spreadsheet_is_rejected_with_a_hint(value):
    assert "表格" in _msg(normalise_id_number, value)


@pytest.mark.parametrize(
    "value", ["", "54010219900101123", "5401021990010112345", "54010219900101123A"]
)
def test_wrong_length_or_characters_rejected(value):
    with pytest.raises(FieldInvalid):
        normalise_id_number(value)


@given(st.integers(min_value=0, max_value=999), st.dates(date(1901, 1, 1), date(2020, 12, 31)))
def test_every_correctly_built_number_is_accepted(serial, birth):
    body = f"540102{birth:%Y%m%d}{serial:03d}"
    number = body + ric.calc_check_digit(body)
    assert normalise_id_number(number) == number


@given(st.text(alphabet="0123456789X", min_size=18, max_size=18))
def test_acceptance_implies_the_checksum_holds(value):
    try:
        accepted = normalise_id_number(value)
    except FieldInvalid:
        return
    assert ric.calc_check_digit(accepted[:17]) == accepted[17]


@pytest.mark.parametrize(
    ("raw", "e164"),
    [
        ("13812345678", "+8613812345678"),
        ("138 1234 5678", "+8613812345678"),
        ("+86 138-1234-5678", "+8613812345678"),
        ("19912345678", "+8619912345678"),
    ],
)
def test_mainland_mobiles_are_stored_in_e164(raw, e164):
    assert normalise_mobile(raw) == e164


@pytest.mark.parametrize(
    "raw", ["", "1381234567", "138123456789", "12812345678", "0891-6321234", "abcdefghijk"]
)
def test_bad_mobiles_rejected(raw):
    with pytest.raises(FieldInvalid):
        normalise_mobile(raw)


def test_move_out_before_move_in_rejected():
    check_date_order(date(2026, 1, 1), date(2026, 1, 1))
    check_date_order(date(2026, 1, 1), None)
    with pytest.raises(FieldInvalid):
        check_date_order(date(2026, 1, 2), date(2026, 1, 1))
