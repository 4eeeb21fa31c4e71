"""Build ledger files for the import tests: CSV in a chosen encoding, or XLSX with typed cells."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import xlsxwriter

FIXTURES = Path(__file__).parent / "fixtures"

UNIT_HEADERS = [
    "单元编号",
    "区域",
    "地址",
    "房屋类型",
    "房间数",
    "面积",
    "房东姓名",
    "房东身份证号",
    "房东电话",
]
TENANT_HEADERS = ["单元编号", "姓名", "身份证号", "电话", "入住日期", "居住登记"]


def csv_bytes(rows: list[list[Any]], encoding: str = "utf-8") -> bytes:
    buf = io.StringIO(newline="")
    csv.writer(buf).writerows(rows)
    return buf.getvalue().encode(encoding)


def xlsx_bytes(rows: list[list[Any]]) -> bytes:
    """Strings as text cells, numbers as number cells (as Excel stores a typed-in ID)."""
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    sheet = book.add_worksheet()
    date_fmt = book.add_format({"num_format": "yyyy-mm-dd"})
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if isinstance(value, str):
                sheet.write_string(r, c, value)
            elif hasattr(value, "isoformat"):
                sheet.write_datetime(r, c, value, date_fmt)
            elif value is not None:
                sheet.write_number(r, c, value)
    book.close()
    return out.getvalue()


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()
