"""Export the register as CSV or XLSX in the import layout, so an export re-imports cleanly.

Identity numbers, phones and codes are written as text (a spreadsheet would otherwise turn
an 18-digit number into 5.4e+17), and any text starting with = + - @ tab or CR gets a
leading ' so opening the ledger in a spreadsheet runs no formula.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import IO, Any

import xlsxwriter
from sqlalchemy import true
from sqlalchemy.orm import aliased
from sqlmodel import Session, select

from rentals import audit
from rentals.auth.access import unit_scope
from rentals.auth.models import User
from rentals.register.ledger import EXPORT_ONLY, TYPE_NAMES, UNIT_COLUMNS, escape_formula
from rentals.register.models import Area, Person, Unit
from rentals.register.queries import in_community
from rentals.templating import RATING_LABELS, display_phone

HEADERS = [c.header for c in (*UNIT_COLUMNS, *EXPORT_ONLY)]
#: Columns written as text whatever they look like (0-based, matching HEADERS).
TEXT_COLUMNS = frozenset(
    i
    for i, c in enumerate(UNIT_COLUMNS)
    if c.key in {"code", "landlord_id_number", "landlord_phone"}
)


def register_rows(
    session: Session, user: User, community_id: int | None = None
) -> Iterator[list[Any]]:
    """One row per unit the user may see (in one community when given), ordered by code,
    streamed in batches."""
    landlord = aliased(Person)
    query = (
        select(
            Unit.code,
            Area.name,
            Unit.address,
            Unit.unit_type,
            Unit.type_label,
            Unit.rooms,
            Unit.floor_area,
            landlord.name,
            landlord.id_number,
            landlord.phone,
            Unit.rating_status,
        )
        .join(Area, Area.id == Unit.area_id)
        .outerjoin(landlord, landlord.id == Unit.landlord_id)
        .where(unit_scope(user))
        .where(in_community(community_id) if community_id else true())
        .order_by(Unit.code)
        .execution_options(yield_per=2000)
    )
    for (
        code,
        area,
        address,
        kind,
        type_label,
        rooms,
        floor_area,
        name,
        id_number,
        phone,
        rating,
    ) in session.exec(query):
        yield [
            code,
            area,
            address,
            type_label or TYPE_NAMES.get(kind, kind),
            rooms,
            floor_area,
            name or "",
            id_number or "",
            display_phone(phone),
            str(RATING_LABELS.get(rating, rating)),
        ]


def write_csv(rows: Iterator[list[Any]], out: IO[bytes]) -> int:
    """UTF-8 with BOM (Chinese Excel shows mojibake without it). Returns the row count."""
    stream = io.TextIOWrapper(out, encoding="utf-8-sig", newline="", write_through=True)
    writer = csv.writer(stream)
    writer.writerow(HEADERS)
    count = 0
    for row in rows:
        writer.writerow(
            ["" if v is None else escape_formula(v) if isinstance(v, str) else v for v in row]
        )
        count += 1
    stream.flush()
    stream.detach()
    return count


def write_xlsx(rows: Iterator[list[Any]], out: IO[bytes]) -> int:
    """One sheet; ID, phone and code columns formatted as text ('@') and written as strings."""
    book = xlsxwriter.Workbook(out, {"constant_memory": True, "strings_to_numbers": False})
    sheet = book.add_worksheet("出租房台账")
    as_text = book.add_format({"num_format": "@"})
    bold = book.add_format({"bold": True})
    for i in TEXT_COLUMNS:
        sheet.set_column(i, i, 20, as_text)
    sheet.freeze_panes(1, 0)
    for i, header in enumerate(HEADERS):
        sheet.write_string(0, i, header, bold)
    count = 0
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row):
            if value is None or value == "":
                continue
            if isinstance(value, str):
                fmt = as_text if c in TEXT_COLUMNS else None
                sheet.write_string(r, c, escape_formula(value), fmt)
            else:
                sheet.write_number(r, c, float(value))
        count = r
    book.close()
    return count


def export_register(
    session: Session, *, actor: User, fmt: str, out: IO[bytes], community_id: int | None = None
) -> int:
    """Write the register in ``fmt`` ("csv" or "xlsx"); the export of personal data is audited."""
    writer = write_xlsx if fmt == "xlsx" else write_csv
    count = writer(register_rows(session, actor, community_id), out)
    audit.record(
        session,
        actor,
        "personal.register.exported",
        ("unit", "*"),
        {"format": fmt, "rows": count, "community": community_id},
    )
    return count
