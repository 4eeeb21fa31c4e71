"""Field rules shared by page forms, the importer and the API, so all give one message.

Each function takes raw text and returns the normalised value or raises
``FieldInvalid`` with a translated message.
"""

from __future__ import annotations

import re
from datetime import date

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
    value = re.sub(r"\s", "", raw or "").upper()
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
    if ric.calc_check_digit(value[:17]) != value[17]:
        raise FieldInvalid(_l("身份证号码的校验位不正确，请逐位核对。"))
    return value


def is_valid_id_number(raw: str) -> bool:
    try:
        normalise_id_number(raw)
    except FieldInvalid:
        return False
    return True


def normalise_mobile(raw: str) -> str:
    """A mainland mobile number (11 digits, 1[3-9]…), returned in E.164 (+8613812345678)."""
    value = re.sub(r"[\s\-()]", "", raw or "")
    if not value:
        raise FieldInvalid(_l("请填写手机号码。"))
    if re.fullmatch(r"\d+(\.\d+)?[Ee][+-]?\d+|\d+\.0+", value):
        raise FieldInvalid(_l("手机号码被表格软件当作数字保存，请把该列设为文本。"))
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


def check_date_order(moved_in: date, moved_out: date | None) -> None:
    if moved_out is not None and moved_out < moved_in:
        raise FieldInvalid(_l("搬离日期不能早于入住日期。"))


__all__ = [
    "FieldInvalid",
    "check_date_order",
    "is_valid_id_number",
    "normalise_id_number",
    "normalise_mobile",
]
