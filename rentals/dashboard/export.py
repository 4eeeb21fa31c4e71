"""CSV and XLSX of the list behind a dashboard figure.

Cells go through the register's ``escape_formula`` (one home for the rule): text starting
with = + - @ tab or CR gets a leading ' so a spreadsheet runs no formula.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import date, datetime
from typing import IO, Any

import xlsxwriter
from flask_babel import gettext as _

from rentals.register.ledger import escape_formula
from rentals.templating import RATING_LABELS, local_datetime

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def title(kind: str, detail: str) -> str:
    titles = {
        ("moved", "rising"): _("本月升星的出租房"),
        ("moved", "falling"): _("本月降星的出租房"),
        ("tasks", "due"): _("本期应巡查任务"),
        ("tasks", "done"): _("本期已完成巡查任务"),
        ("tasks", "overdue"): _("本期逾期巡查任务"),
        ("visits", "recent"): _("近四周的走访"),
        ("visits", "refused"): _("本期拒绝检查的走访"),
        ("orders", "open"): _("未完成的整改"),
        ("orders", "overdue"): _("逾期的整改"),
        ("rates", "inspected"): _("已完成检查的出租房"),
        ("rates", "fire"): _("配有消防器材的出租房（F1 达标）"),
        ("rates", "registered"): _("租客已登记的出租房（S2、S3 达标）"),
        ("rates", "stale"): _("超出巡查周期未检查的出租房"),
        ("incidents", "all"): _("本期治安事件"),
        ("incidents", "victim"): _("本期住户受害的治安事件"),
    }
    if kind == "stars":
        return str(RATING_LABELS.get(detail, detail))
    return titles.get((kind, detail), "")


def extra_header(kind: str) -> str:
    return {
        "tasks": _("截止日期"),
        "visits": _("走访时间"),
        "orders": _("整改期限"),
        "incidents": _("发生日期"),
    }.get(kind, _("星级"))


def headers(kind: str) -> list[str]:
    return [_("编号"), _("区域"), _("地址"), _("评定"), extra_header(kind)]


def cells(row: tuple[Any, ...]) -> list[Any]:
    """A row as written: rating named, dates as ISO text, stars as a number."""
    code, area, address, rating, extra = row
    if isinstance(extra, datetime):
        extra = local_datetime(extra)
    elif isinstance(extra, date):
        extra = extra.isoformat()
    return [code, area, address, str(RATING_LABELS.get(rating, rating)), extra]


def write(fmt: str, kind: str, rows: Iterable[tuple[Any, ...]], out: IO[bytes]) -> int:
    return (write_xlsx if fmt == "xlsx" else write_csv)(headers(kind), rows, out)


def write_csv(head: list[str], rows: Iterable[tuple[Any, ...]], out: IO[bytes]) -> int:
    """UTF-8 with BOM, as the register export. Returns the row count."""
    stream = io.TextIOWrapper(out, encoding="utf-8-sig", newline="", write_through=True)
    writer = csv.writer(stream)
    writer.writerow(head)
    count = 0
    for row in rows:
        writer.writerow(
            [
                "" if v is None else escape_formula(v) if isinstance(v, str) else v
                for v in cells(row)
            ]
        )
        count += 1
    stream.flush()
    stream.detach()
    return count


def write_xlsx(head: list[str], rows: Iterable[tuple[Any, ...]], out: IO[bytes]) -> int:
    book = xlsxwriter.Workbook(out, {"constant_memory": True, "strings_to_numbers": False})
    sheet = book.add_worksheet("dashboard")
    bold = book.add_format({"bold": True})
    sheet.freeze_panes(1, 0)
    for i, header in enumerate(head):
        sheet.write_string(0, i, header, bold)
    count = 0
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(cells(row)):
            if value is None or value == "":
                continue
            if isinstance(value, str):
                sheet.write_string(r, c, escape_formula(value))
            else:
                sheet.write_number(r, c, float(value))
        count = r
    book.close()
    return count
