"""Identity numbers (GB 11643), mobiles and date order: one rule for forms and importer.

Expected check characters never come from the product: they come from the standard's
own example, from a hand-worked sum, or from ``gb11643_check`` below, an independent
implementation of ISO 7064 MOD 11-2 as GB 11643-1999 §8.2 writes it.
"""

from datetime import date
from random import Random

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlmodel import select

from rentals.register import demo
from rentals.register.models import Person
from rentals.validators import (
    FieldInvalid,
    check_date_order,
    normalise_id_number,
    normalise_mobile,
)
from tests.factories import unique_id_number, valid_id_number

#: W_i = 2^(17-i) mod 11 for the 17 body positions, left to right (GB 11643 table 2).
WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
#: Sum mod 11 → check character (GB 11643 table 3).
CHECK_FOR_REMAINDER = "10X98765432"


def gb11643_check(body: str) -> str:
    total = 0
    for digit, weight in zip(body, WEIGHTS, strict=True):
        total += int(digit) * weight
    return CHECK_FOR_REMAINDER[total % 11]


def _msg(fn, value):  # type: ignore[no-untyped-def]
    with pytest.raises(FieldInvalid) as err:
        fn(value)
    return str(err.value)


def test_the_independent_check_agrees_with_a_hand_worked_sum():
    # 11010519491231002X, the standard's example, by hand:
    #   digits  1  1  0  1  0  5  1  9  4  9  1  2  3  1  0  0  2
    #   weights 7  9 10  5  8  4  2  1  6  3  7  9 10  5  8  4  2
    #   products 7+9+0+5+0+20+2+9+24+27+7+18+30+5+0+0+4 = 167
    #   167 = 15 × 11 + 2, remainder 2 → "10X98765432"[2] = "X"
    assert gb11643_check("11010519491231002") == "X"


def test_the_standards_example_is_accepted():
    assert normalise_id_number("11010519491231002X") == "11010519491231002X"


# Check characters worked out by gb11643_check (and re-checkable by hand with the table
# above); one number per remainder 0..10, so every check character 0-9 and X appears.
KNOWN_GOOD = [
    "11010519491231002X",
    "540102199001011233",
    "540102199202121025",
    "440304198511070087",
    "540102196801010139",
    "540102197003050114",
    "540102199101111012",
    "540102199303131038",
    "540102199404141040",
    "310115197603150046",
    "510104200002290011",
]


def test_known_good_table_is_checked_by_the_independent_implementation():
    for number in KNOWN_GOOD:
        assert gb11643_check(number[:17]) == number[17], number
    assert sorted(n[17] for n in KNOWN_GOOD) == sorted("0123456789X")


@pytest.mark.parametrize("number", KNOWN_GOOD)
def test_known_good_numbers_are_accepted(number):
    assert normalise_id_number(number) == number


@given(st.integers(min_value=0, max_value=999), st.dates(date(1901, 1, 1), date(2020, 12, 31)))
def test_every_correctly_built_number_is_accepted(serial, birth):
    body = f"540102{birth:%Y%m%d}{serial:03d}"
    number = body + gb11643_check(body)
    assert normalise_id_number(number) == number


@given(st.integers(min_value=0, max_value=999), st.sampled_from("0123456789X"))
def test_every_other_check_character_is_refused(serial, check):
    body = f"54010219850505{serial:03d}"
    if check == gb11643_check(body):
        return
    assert "校验位" in _msg(normalise_id_number, body + check)


@given(st.text(alphabet="0123456789X", min_size=18, max_size=18))
def test_acceptance_implies_the_checksum_holds(value):
    try:
        accepted = normalise_id_number(value)
    except FieldInvalid:
        return
    assert gb11643_check(accepted[:17]) == accepted[17]


@pytest.mark.parametrize(
    "typed",
    [
        "１１０１０５１９４９１２３１００２Ｘ",  # full-width digits and letter
        "１１０１０５１９４９１２３１００２ｘ",  # full-width lower-case x
        "11010519491231002x",
        "110105 19491231 002X",
        "110105\u300019491231\u3000002X",  # ideographic spaces
        " 11010519491231002X\t",
    ],
)
def test_id_number_is_folded_before_checking(typed):
    assert normalise_id_number(typed) == "11010519491231002X"


def test_wrong_check_character_rejected():
    good = valid_id_number(1)
    bad = good[:17] + ("0" if good[17] != "0" else "1")
    assert "校验位" in _msg(normalise_id_number, bad)


def test_check_over_sixteen_digits_is_refused():
    """The old bug: the check computed over the first 16 digits only."""
    body = "54010219900101123"
    wrong = str((1 - 2 * int(body[:16], 13)) % 11).replace("10", "X")
    if wrong != gb11643_check(body):
        assert "校验位" in _msg(normalise_id_number, body + wrong)


def test_factories_and_demo_make_numbers_valid_by_the_standard():
    numbers = [valid_id_number(n, birth="19900101") for n in range(50)]
    numbers += [unique_id_number() for _ in range(50)]
    rng = Random(1)
    numbers += [demo._id_number(rng, serial) for serial in range(1, 300)]
    for number in numbers:
        assert gb11643_check(number[:17]) == number[17], number


def test_seeded_demo_people_have_valid_numbers(app_ctx, session):
    demo.seed(session, today=date(2027, 1, 28))
    numbers = session.exec(select(Person.id_number)).all()
    assert len(numbers) >= 160
    for number in numbers:
        assert gb11643_check(number[:17]) == number[17], number


def test_fifteen_digit_legacy_number_has_its_own_message():
    assert "15 位" in _msg(normalise_id_number, "540102900101123")


def test_impossible_birth_date_rejected():
    body = "54010219900230001"  # 30 February
    assert "出生日期" in _msg(normalise_id_number, body + gb11643_check(body))


def test_leap_day_birth_accepted():
    body = "54010219800229001"  # 29 Feb 1980 exists
    assert normalise_id_number(body + gb11643_check(body)) == body + gb11643_check(body)


def test_future_birth_date_rejected():
    body = "54010221000101001"
    message = _msg(lambda v: normalise_id_number(v, today=date(2026, 11, 22)), body + "0")
    assert "出生日期" in message


def test_unknown_province_rejected():
    body = "99010219900101001"
    assert "地区" in _msg(normalise_id_number, body + gb11643_check(body))


@pytest.mark.parametrize(
    "value", ["5.401021990010113e+17", "540102199001011235.0", "5.40102199001011E+17"]
)
def test_number_mangled_by_a_spreadsheet_is_rejected_with_a_hint(value):
    assert "表格" in _msg(normalise_id_number, value)


@pytest.mark.parametrize(
    "value", ["", "54010219900101123", "5401021990010112345", "54010219900101123A"]
)
def test_wrong_length_or_characters_rejected(value):
    with pytest.raises(FieldInvalid):
        normalise_id_number(value)


@pytest.mark.parametrize(
    ("raw", "e164"),
    [
        ("13812345678", "+8613812345678"),
        ("138 1234 5678", "+8613812345678"),
        ("+86 138-1234-5678", "+8613812345678"),
        ("19912345678", "+8619912345678"),
        ("１３９８９００７９１９", "+8613989007919"),  # full-width digits
        ("１３９\u3000８９００\u3000７９１９", "+8613989007919"),  # ideographic spaces
        ("139－8900－7919", "+8613989007919"),  # full-width hyphen-minus
        ("139—8900—7919", "+8613989007919"),  # em dash
        ("（＋８６）13989007919", "+8613989007919"),  # full-width brackets and plus
        ("13989007919.0", "+8613989007919"),  # a number cell, all digits kept
        ("1.3989007919E+10", "+8613989007919"),  # scientific, all eleven digits written
    ],
)
def test_mainland_mobiles_are_stored_in_e164(raw, e164):
    assert normalise_mobile(raw) == e164


@pytest.mark.parametrize("raw", ["1.39890079E+10", "13989007919.5", "1.398900791E+10"])
def test_phone_that_lost_digits_as_a_number_is_refused(raw):
    assert "丢失" in _msg(normalise_mobile, raw)


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
