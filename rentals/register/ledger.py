"""The paper ledger (台账) as a file: its columns, and reading CSV or XLSX into raw rows.

Shared by the importer and the exporter so an export re-imports with the same headers.
Reading is tolerant the way hand-kept ledgers need: a title row above the headers,
full-width spaces, English aliases, any header case, blank rows and extra columns.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

import python_calamine
from flask_babel import lazy_gettext as _l

from rentals.register.sheet_limits import LedgerError, check_csv_rows, check_upload
from rentals.validators import FieldInvalid, fold


@dataclass(frozen=True)
class Column:
    key: str
    header: str  #: Chinese header, written by the exporter
    alias: str  #: English alias accepted on import
    required: bool = False
    #: Other spellings hand-kept ledgers use for the same column.
    synonyms: tuple[str, ...] = ()


UNIT_COLUMNS = (
    Column("code", "单元编号", "code", True, ("编号", "房屋编号", "出租房编号")),
    Column("area", "区域", "area", True, ("片区", "网格")),
    Column("address", "地址", "address", True, ("房屋地址", "详细地址")),
    Column("type", "房屋类型", "type", synonyms=("类型",)),
    Column("rooms", "房间数", "rooms", synonyms=("间数",)),
    Column("floor_area", "面积", "floor_area", synonyms=("建筑面积", "房屋面积")),
    Column("landlord_name", "房东姓名", "landlord_name", synonyms=("房东",)),
    Column(
        "landlord_id_number", "房东身份证号", "landlord_id_number", synonyms=("房东身份证号码",)
    ),
    Column("landlord_phone", "房东电话", "landlord_phone", synonyms=("房东手机号", "房东联系电话")),
)
TENANT_COLUMNS = (
    Column("code", "单元编号", "code", True, ("编号", "房屋编号", "出租房编号")),
    Column("name", "姓名", "name", True, ("租户姓名", "承租人姓名")),
    Column("id_number", "身份证号", "id_number", True, ("身份证号码", "公民身份号码")),
    Column("phone", "电话", "phone", synonyms=("手机号", "手机号码", "联系电话")),
    Column("moved_in", "入住日期", "moved_in", True, ("入住时间",)),
    Column("registered", "居住登记", "registered", synonyms=("是否居住登记", "是否办理居住登记")),
)
#: Columns the exporter adds for readers; the importer skips them without a notice.
EXPORT_ONLY = (Column("rating", "星级", "rating"),)

#: Unit types as the ledger writes them (always Chinese, whatever the page language).
TYPE_NAMES = {"room": "单间", "apartment": "套房", "house": "独院", "other": "其他"}
#: The words offices use for house types, mapped to the product's types. A word not
#: here is kept as written and typed "other" (with a warning), never refused.
TYPE_VOCABULARY = {
    "room": ("单间", "房间", "出租屋", "出租房", "宿舍", "单间房"),
    "apartment": ("套房", "楼房", "单元房", "公寓", "商品房", "住宅楼", "套间", "成套住宅"),
    "house": ("独院", "院落", "平房", "独栋", "自建房", "民房", "四合院", "藏式民居"),
    "other": ("其他", "其它", "商住", "商铺", "门面房", "车库"),
}
_TYPES = {
    **{k: k for k in TYPE_NAMES},
    **{word: kind for kind, words in TYPE_VOCABULARY.items() for word in words},
}
_YES = {"是", "yes", "y", "1", "true", "已登记", "已办理", "√"}
_NO = {"否", "no", "n", "0", "false", "未登记", "未办理", ""}

_SPACE = re.compile(r"[\s\u3000\ufeff\u00a0]+")
_BRACKETS = re.compile(r"[（(【\[].*?[）)】\]]")
#: How the exporter neutralises formulas, undone on import so a round trip is exact.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass
class Sheet:
    """Data rows keyed by column key, with the sheet row number a spreadsheet would show."""

    headers: dict[str, str]  #: column key → header exactly as written in the file
    rows: list[tuple[int, dict[str, Any]]]
    notices: list[Any] = field(default_factory=list)


def clean(value: Any) -> str:
    """Cell text without leading/trailing (full-width) spaces; None → ''."""
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    return text.replace("\u3000", " ").replace("\ufeff", "").strip()


def header_key(raw: Any) -> str:
    """Normalised header: folded to half-width (NFKC), no spaces, no bracketed notes
    like (是/否) or （必填）, no '*', lower case."""
    text = _BRACKETS.sub("", fold(clean(raw)))
    return _SPACE.sub("", text).replace("*", "").lower()


def escape_formula(value: str) -> str:
    return "'" + value if value.startswith(FORMULA_START) else value


def unescape_formula(value: str) -> str:
    return value[1:] if value.startswith("'") and value[1:].startswith(FORMULA_START) else value


# --- reading the file -----------------------------------------------------------------


def _is_zip_or_ole(data: bytes) -> bool:
    return data.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0"))


def _read_workbook(data: bytes) -> list[list[Any]]:
    try:
        book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        return book.get_sheet_by_index(0).to_python(skip_empty_area=False)
    except (python_calamine.CalamineError, ValueError, OSError) as err:
        raise LedgerError(_l("无法读取表格文件：%(reason)s", reason=str(err)[:200])) from None


def _decode(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # Excel's "Unicode text" export
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        raise LedgerError(_l("无法识别文件编码，请保存为 UTF-8 或 GB18030 的 CSV。")) from None


def _read_csv(data: bytes) -> list[list[Any]]:
    text = _decode(data)
    if "\x00" in text:
        raise LedgerError(_l("这不是 CSV 或 XLSX 文件。"))
    first = text.split("\n", 1)[0]
    delimiter = "\t" if first.count("\t") > first.count(",") else ","
    try:
        return check_csv_rows(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as err:
        raise LedgerError(_l("CSV 文件格式有误：%(reason)s", reason=str(err))) from None


def read_table(data: bytes) -> list[list[Any]]:
    """All cells of the first sheet; index 0 is sheet row 1. Format is told by content.
    Nothing parses the file before ``check_upload`` has seen it within the limits."""
    if not data.strip():
        raise LedgerError(_l("文件是空的。"))
    check_upload(data)
    return _read_workbook(data) if _is_zip_or_ole(data) else _read_csv(data)


def _header_map(columns: tuple[Column, ...]) -> dict[str, str]:
    names: dict[str, str] = {}
    for col in (*columns, *EXPORT_ONLY):
        for name in (col.header, col.alias, *col.synonyms):
            names[header_key(name)] = col.key
    return names


def read_ledger(data: bytes, columns: tuple[Column, ...]) -> Sheet:
    """Find the header row (within the first ten rows), map columns and collect data rows."""
    table = read_table(data)
    names = _header_map(columns)
    header_index = next(
        (
            i
            for i, row in enumerate(table[:10])
            if names.get(header_key(row[0] if row else ""), "") == "code"
            or sum(1 for cell in row if header_key(cell) in names) >= 2
        ),
        None,
    )
    if header_index is None:
        expected = "、".join(c.header for c in columns if c.required)
        raise LedgerError(_l("没有找到表头行，表头应包括：%(names)s。", names=expected))
    positions: dict[str, int] = {}
    headers: dict[str, str] = {}
    unknown: list[str] = []
    for pos, cell in enumerate(table[header_index]):
        key = names.get(header_key(cell))
        if key is None:
            if clean(cell):
                unknown.append(clean(cell))
            continue
        if key in positions:
            raise LedgerError(_l("表头「%(name)s」出现了两次。", name=clean(cell)))
        positions[key] = pos
        headers[key] = clean(cell)
    missing = [c.header for c in columns if c.required and c.key not in positions]
    if missing:
        raise LedgerError(_l("缺少必需的列：%(names)s。", names="、".join(missing)))
    sheet = Sheet(headers=headers, rows=[])
    if unknown:
        sheet.notices.append(_l("已忽略未知的列：%(names)s。", names="、".join(unknown)))
    for index in range(header_index + 1, len(table)):
        row = table[index]
        values = {k: (row[p] if p < len(row) else None) for k, p in positions.items()}
        if all(clean(v) == "" for v in values.values()):
            continue
        sheet.rows.append((index + 1, values))
    return sheet


# --- cell values ----------------------------------------------------------------------


def is_number_cell(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def text(value: Any, *, max_length: int | None = None) -> str:
    """A text cell. Integral numbers lose their '.0' (a code typed as 101 reads as '101')."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        value = int(value)
    if isinstance(value, datetime | date):
        value = value.isoformat()
    result = unescape_formula(clean(value))
    if max_length is not None and len(result) > max_length:
        raise FieldInvalid(_l("内容过长，最多 %(n)s 个字。", n=max_length))
    return result


def number_text(value: Any) -> str:
    """An identity cell as text; a number cell keeps its float look ('5.4e+17') so the
    validator reports that the spreadsheet stored it as a number (and lost digits: a
    spreadsheet keeps 15 significant digits, an identity number has 18)."""
    if is_number_cell(value):
        return repr(float(value))
    return unescape_formula(clean(value))


def phone_text(value: Any) -> str:
    """A phone cell as text. A number cell holding a whole number keeps every digit
    (a double is exact up to 2^53), so 13989007919.0 reads as '13989007919'; anything
    else keeps its float look for the validator to judge."""
    if is_number_cell(value):
        number = float(value)
        if number.is_integer() and abs(number) < 2**53:
            return str(int(number))
        return repr(number)
    return unescape_formula(clean(value))


_DATE_PATTERNS = (
    re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})"),
    re.compile(r"(\d{4})/(\d{1,2})/(\d{1,2})"),
    re.compile(r"(\d{4})\.(\d{1,2})\.(\d{1,2})"),
    re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日?"),
)


#: Day 0 of Excel's 1900 date system as Excel counts (its phantom 29 Feb 1900 included).
_EXCEL_EPOCH = date(1899, 12, 30)
#: Serials read as dates: 1950-01-01 .. 2099-12-31; other numbers are not dates.
_SERIALS = range(18264, 73051)


def _from_serial(number: float) -> date:
    if not number.is_integer() or int(number) not in _SERIALS:
        raise FieldInvalid(_l("日期被表格软件当作数字保存，请把该列设为日期或文本。"))
    return _EXCEL_EPOCH + timedelta(days=int(number))


def parse_date(value: Any) -> date:
    """A date cell, an Excel serial (number cell or its text), 2025-03-18, 2025/3/18,
    2025.3.18 or 2025年3月18日, in half- or full-width characters."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if is_number_cell(value):
        return _from_serial(float(value))
    # "2026-01-05 00:00:00" from a CSV written by a spreadsheet: keep the date part.
    raw = re.sub(r"[ T]\d{1,2}:\d{2}(:\d{2})?$", "", fold(clean(value)).strip())
    raw = _SPACE.sub("", raw)
    if not raw:
        raise FieldInvalid(_l("请填写入住日期。"))
    if re.fullmatch(r"\d{5}(\.0+)?", raw):
        return _from_serial(float(raw))
    for pattern in _DATE_PATTERNS:
        match = pattern.fullmatch(raw)
        if match:
            try:
                return date(int(match[1]), int(match[2]), int(match[3]))
            except ValueError:
                break
    raise FieldInvalid(_l("日期「%(value)s」无法识别，请写成 2026-01-05。", value=raw[:20]))


def parse_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if is_number_cell(value) and value in (0, 1):
        return bool(value)
    raw = clean(value).lower()
    if raw in _YES:
        return True
    if raw in _NO:
        return False
    raise FieldInvalid(_l("请填写“是”或“否”。"))


@dataclass(frozen=True)
class HouseType:
    kind: str  #: a UnitType value
    label: str  #: the ledger's own word ("" when it is the product's name for the type)
    known: bool  #: False: a word the vocabulary does not have, typed "other"


def parse_unit_type(value: Any) -> HouseType:
    """The house type as the ledger writes it; an unknown word is kept, typed "other"."""
    written = _SPACE.sub("", fold(clean(value)))[:32]
    kind = _TYPES.get(written.lower())
    if kind is None:
        return HouseType("other", written, False)
    return HouseType(kind, "" if written.lower() in (kind, TYPE_NAMES[kind]) else written, True)


def parse_rooms(value: Any) -> int:
    raw = fold(clean(value)).removesuffix("间").strip()
    try:
        number = Decimal(raw)
    except InvalidOperation:
        number = Decimal(-1)
    if number != number.to_integral_value() or not 0 <= number <= 500:
        raise FieldInvalid(_l("房间数应在 0 到 500 之间。"))
    return int(number)


def parse_floor_area(value: Any) -> Decimal:
    raw = fold(clean(value)).removesuffix("平方米").removesuffix("m2").removesuffix("m²").strip()
    try:
        number = Decimal(raw)
    except InvalidOperation:
        raise FieldInvalid(_l("面积无效。")) from None
    if not number.is_finite() or not 0 <= number <= 100000:
        raise FieldInvalid(_l("面积无效。"))
    return number.quantize(Decimal("0.01"))
