"""Field rules shared by page forms, the importer and the API, so all give one message.

Each function takes raw text and returns the normalised value or raises
``FieldInvalid`` with a translated message.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from decimal import Decimal

import phonenumbers
from flask_babel import lazy_gettext as _l
from stdnum.cn import ric

from rentals import clock

#: Province-level prefixes of GB/T 2260 (the first two digits of every identity number).
PROVINCES = frozenset(
    [
        "11",
        "12",
        "13",
        "14",
        "15",
        "21",
        "22",
        "23",
        "31",
        "32",
        "33",
        "34",
        "35",
        "36",
        "37",
        "41",
        "42",
        "43",
        "44",
        "45",
        "46",
        "50",
        "51",
        "52",
        "53",
        "54",
        "61",
        "62",
        "63",
        "64",
        "65",
        "71",
        "81",
        "82",
    ]
)


#: Dashes people and spreadsheets put inside phone numbers (NFKC leaves most of them alone).
_PHONE_SEPARATORS = re.compile(r"[\s\-()\u2010-\u2015\u2212\u30fc\uff0d]")


def fold(raw: str | None) -> str:
    """Text as typed on any keyboard, folded to one form: full-width digits, letters,
    brackets and spaces become ASCII (NFKC), so ``５４０１…``, ``（０８９１）`` and the
    ideographic space compare equal to what a half-width keyboard types."""
    return unicodedata.normalize("NFKC", raw or "")


def id_check_character(body: str) -> str:
    """The GB 11643 check character of the first 17 digits (ISO 7064 MOD 11-2).

    ``ric.calc_check_digit`` expects the whole number and drops its last character
    itself, so the 17 digits get a placeholder appended.
    """
    if not re.fullmatch(r"\d{17}", body):
        raise ValueError("17 digits expected")
    return ric.calc_check_digit(body + "0")


class FieldInvalid(ValueError):
    def __init__(self, message: object) -> None:
        super().__init__(str(message))
        self.message = message


def normalise_id_number(raw: str, *, today: date | None = None) -> str:
    """A GB 11643 resident identity number: 18 characters, plausible region and birth date,
    ISO 7064 MOD 11-2 check character. Returned upper-case.

    The county part of the region is not checked: real numbers keep the code of a county
    that was later renamed, and rejecting those would turn away real people.
    """
    value = re.sub(r"\s", "", fold(raw)).upper()
    if not value:
        raise FieldInvalid(_l("请填写身份证号码。"))
    if re.fullmatch(r"\d{15}", value):
        raise FieldInvalid(_l("这是 15 位的旧身份证号码，已不再使用，请填写 18 位号码。"))
    if re.fullmatch(r"\d+(\.\d+)?[Ee][+-]?\d+|\d+\.\d+", value):
        raise FieldInvalid(
            _l("身份证号码被表格软件当作数字保存，末几位已经丢失，请把该列设为文本后重新填写。")
        )
    if len(value) != 18:
        raise FieldInvalid(_l("身份证号码应为 18 位，现在是 %(n)s 位。", n=len(value)))
    if not re.fullmatch(r"\d{17}[\dX]", value):
        raise FieldInvalid(_l("身份证号码前 17 位应为数字，最后一位为数字或 X。"))
    if value[:2] not in PROVINCES:
        raise FieldInvalid(_l("身份证号码的地区代码不存在。"))
    try:
        birth = date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        raise FieldInvalid(_l("身份证号码中的出生日期不存在。")) from None
    if birth.year < 1900 or birth > (today or clock.today()):
        raise FieldInvalid(_l("身份证号码中的出生日期不合理。"))
    if id_check_character(value[:17]) != value[17]:
        raise FieldInvalid(_l("身份证号码的校验位不正确，请逐位核对。"))
    return value


def is_valid_id_number(raw: str) -> bool:
    try:
        normalise_id_number(raw)
    except FieldInvalid:
        return False
    return True


def normalise_mobile(raw: str) -> str:
    """A mainland mobile number (11 digits, 1[3-9]…), returned in E.164 (+8613812345678).

    Full-width digits, spaces, dashes and brackets are folded first. A number a
    spreadsheet kept as a number is accepted when no digit was lost: ``13989007919.0``,
    or ``1.3989007919E+10`` with all eleven digits; ``1.39890079E+10`` is refused.
    """
    value = _PHONE_SEPARATORS.sub("", fold(raw))
    if not value:
        raise FieldInvalid(_l("请填写手机号码。"))
    if re.fullmatch(r"\d+(\.\d+)?[Ee][+-]?\d+|\d+\.\d+", value):
        value = _whole_number(value)
    local = (
        value[3:] if value.startswith("+86") else value[2:] if value.startswith("0086") else value
    )
    if not re.fullmatch(r"\d{11}", local):
        raise FieldInvalid(_l("手机号码应为 11 位数字。"))
    if not re.fullmatch(r"1[3-9]\d{9}", local):
        raise FieldInvalid(_l("手机号码应以 13–19 开头。"))
    try:
        parsed = phonenumbers.parse(local, "CN")
    except phonenumbers.NumberParseException:
        raise FieldInvalid(_l("手机号码格式不正确。")) from None
    kind = phonenumbers.number_type(parsed)
    if kind not in (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    ):
        raise FieldInvalid(_l("这不是有效的手机号码。"))
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def _whole_number(value: str) -> str:
    """The digits of a phone a spreadsheet stored as a number, when none were lost:
    ``13989007919.0`` keeps all of them, ``1.3989007919E+10`` writes all eleven,
    ``1.39890079E+10`` has lost two."""
    if re.fullmatch(r"\d+\.0+", value):
        return value.split(".")[0]
    number = Decimal(value)  # the caller matched a number
    written = len(number.as_tuple().digits)
    if number != number.to_integral_value() or written < len(str(int(number))):
        raise FieldInvalid(
            _l("手机号码被表格软件当作数字保存，末几位已经丢失，请把该列设为文本后重新填写。")
        )
    return str(int(number))


def check_date_order(moved_in: date, moved_out: date | None) -> None:
    if moved_out is not None and moved_out < moved_in:
        raise FieldInvalid(_l("搬离日期不能早于入住日期。"))


__all__ = [
    "FieldInvalid",
    "check_date_order",
    "fold",
    "id_check_character",
    "is_valid_id_number",
    "normalise_id_number",
    "normalise_mobile",
]
