"""Inspection rosters (排查台账): the tasks due in an area and period, in walking order.

A staff document: it prints landlord names and phones.  Rows have a fixed height, so
every page holds the same number of rows; a big roster is split at page boundaries,
rendered on every core and joined, with page numbers continuing across the parts.
"""

from __future__ import annotations

import base64
import functools
import io
import math
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from markupsafe import Markup, escape
from sqlalchemy import func
from sqlmodel import Session, select

from rentals.auth.models import User
from rentals.errors import InvalidInput, NotFound
from rentals.inspections.models import Inspection, OrderStatus, RectificationOrder
from rentals.printing import fields, fonts, render
from rentals.printing.fields import N_
from rentals.register.models import Area, Person, Unit
from rentals.tasks.models import Task, TaskStatus

FRONT = "print/roster_front.html"
BACK = "print/roster_back.html"
ROSTER_FIELDS = (
    "unit_code",
    "address",
    "landlord_name",
    "landlord_phone",
    "stars",
    "status_zh",
    "due",
    "last_inspection",
    "open_orders",
)
#: Rows on the first page (under the title) and on every other page; fixed by the CSS
#: row height (templates/print/lists.css) and checked by tests/printing/test_roster.py.
ROWS_FIRST_PAGE = 13
ROWS_PER_PAGE = 15
#: Pages per chunk when a roster is rendered in parallel.  Each chunk is a document of
#: its own (fonts subset, grid image embedded, about 50 ms) and the join costs too, so
#: chunks are few and big: a 1,000-row roster makes 4 (12 chunks of 6 pages cost 25 %
#: more CPU than one document; 4 chunks about 10 %).
PAGES_PER_CHUNK = 17


@dataclass(frozen=True)
class RosterRequest:
    area: str
    start: date
    end: date
    inspector: str | None = None
    #: The areas the printing user may see (None: every area).
    area_ids: list[int] | None = None


def roster_sources(session: Session, request: RosterRequest) -> list[dict[str, Any]]:
    """Tasks due in [start, end] for the area (and inspector), not cancelled, route order."""
    if request.end < request.start:
        raise InvalidInput(N_("结束日期不能早于开始日期。"), field="end")
    named = select(Area).where(Area.name == request.area)
    if request.area_ids is not None:
        named = named.where(Area.id.in_(request.area_ids))  # type: ignore[union-attr]
    area = session.exec(named).first()
    if area is None:
        raise NotFound(N_("没有这个区域。"), field="area")
    query = (
        select(Task, Unit, Person)
        .join(Unit, Unit.id == Task.unit_id)
        .outerjoin(Person, Person.id == Unit.landlord_id)
        .where(
            Unit.area_id == area.id,
            Task.due >= request.start,
            Task.due <= request.end,
            Task.status != TaskStatus.CANCELLED,
        )
    )
    if request.inspector:
        user = session.exec(select(User).where(User.username == request.inspector)).first()
        if user is None:
            raise NotFound(N_("没有这个检查人账号。"), field="inspector")
        query = query.where(Task.inspector_id == user.id)
    rows = session.exec(
        query.order_by(Unit.street, Unit.house_number, Unit.code, Task.due, Task.id)
    ).all()
    unit_ids = {unit.id for _t, unit, _p in rows}
    last = (
        dict(
            session.exec(
                select(Inspection.unit_id, func.max(Inspection.visited_at))
                .where(Inspection.unit_id.in_(unit_ids))  # type: ignore[attr-defined]
                .group_by(Inspection.unit_id)
            ).all()
        )
        if unit_ids
        else {}
    )
    orders = open_orders_by_unit(session, unit_ids)
    sources = []
    for task, unit, person in rows:
        visited = last.get(unit.id)
        count, earliest = orders.get(unit.id, (0, None))
        sources.append(
            {
                "unit_code": unit.code,
                "address": unit.address,
                "landlord_name": person.name if person else "",
                "landlord_phone": person.phone if person else "",
                "stars": unit.stars,
                "rating_status": unit.rating_status,
                "due": task.due,
                "last_inspection": visited.date() if visited else None,
                "open_orders": count,
                "orders_deadline": earliest,
            }
        )
    return sources


def open_orders_by_unit(session: Session, unit_ids: set[Any]) -> dict[int, tuple[int, date]]:
    """Unit id -> (open rectification orders, earliest deadline), one grouped query."""
    if not unit_ids:
        return {}
    rows = session.exec(
        select(
            RectificationOrder.unit_id,
            func.count(RectificationOrder.id),  # type: ignore[arg-type]
            func.min(RectificationOrder.deadline),
        )
        .where(
            RectificationOrder.unit_id.in_(unit_ids),  # type: ignore[attr-defined]
            RectificationOrder.status == OrderStatus.OPEN,
        )
        .group_by(RectificationOrder.unit_id)
    ).all()
    return {unit_id: (count, earliest) for unit_id, count, earliest in rows}


def orders_cells(count: int | None, earliest: date | None) -> tuple[str, str]:
    """The roster's open-orders cell: the count on the first line, the earliest deadline
    ("≤03-15") below it; "—" when unknown."""
    if count is None:
        return "—", ""
    if not count or earliest is None:
        return str(count or 0), ""
    return str(count), f"≤{earliest:%m-%d}"


def page_count(rows: int) -> int:
    if rows <= ROWS_FIRST_PAGE:
        return 1
    return 1 + math.ceil((rows - ROWS_FIRST_PAGE) / ROWS_PER_PAGE)


#: Columns of the grid (mm, A4 landscape content width 277 mm) and the page geometry,
#: shared with templates/print/lists.css: header row 8 mm, body rows 11.2 mm.  The
#: first column holds row numbers up to 9999.
COLUMNS_MM = (10, 62, 36, 14, 20, 20, 14, 75, 26)
HEADER_MM = 8.0
ROW_MM = 11.2
CELL_PADDING_MM = 1.2
_LEFTS = tuple(sum(COLUMNS_MM[:i]) for i in range(len(COLUMNS_MM)))
FONT_MM = 8.5 * 25.4 / 72  # 8.5 pt
#: What a row prints, as two lines of text of 5.6 mm (a row is 11.2 mm): (key, grid
#: column, bold).  The code, the name and the one-line values above; address and phone
#: below.  Bold values are on the first line only: the bold block has one line a row.
ROW_LINES = (
    (
        ("n", 0, False),
        ("unit_code", 1, True),
        ("landlord_name", 2, False),
        ("stars_or_status", 3, False),
        ("due", 4, False),
        ("last_inspection", 5, False),
        ("open_orders", 6, False),
    ),
    (("address", 1, False), ("landlord_phone", 2, False), ("orders_deadline", 6, False)),
)
#: Blanks: em space, en space and space (pre-line keeps the first two as they are).
_EM, _EN, _SPACE = "\u2003", "\u2002", " "


@functools.cache
def _advances(bold: bool) -> dict[int, float]:
    """Advance widths (in em) of the document font's characters, from the pre-subset font."""
    from fontTools.ttLib import TTFont

    weight = "bold" if bold else "normal"
    path = fonts.subset_fonts().get(weight)
    if path is not None:
        font = TTFont(str(path), lazy=True)
    else:  # not built yet: the system font it is cut from has the same metrics
        try:
            system, index = fonts._system_font(weight)
            font = TTFont(system, fontNumber=index, lazy=True)
        except (OSError, ValueError, subprocess.SubprocessError):
            return {}
    upem = font["head"].unitsPerEm
    metrics = font["hmtx"]
    return {cp: metrics[name][0] / upem for cp, name in font.getBestCmap().items()}


def _width(text: str, bold: bool) -> float:
    """Width of ``text`` in em (a character the font lacks counts a full em)."""
    advances = _advances(bold)
    return sum(advances.get(ord(char), 1.0) for char in text)


def _cell(value: Any, width_mm: float, *, bold: bool = False) -> str:
    """One line of a column: a wrapped line would shift every row below it, so a value
    that does not fit is cut with an ellipsis (measured with the font's advance widths;
    characters it lacks count a full em)."""
    if value is None:
        return ""
    text = value.isoformat() if isinstance(value, date) else str(value)
    text = " ".join(text.split())
    advances = _advances(bold)
    room = (width_mm - 2 * CELL_PADDING_MM) / FONT_MM * 0.97
    widths = [advances.get(ord(char), 1.0) for char in text]
    if sum(widths) <= room:
        return text
    room -= advances.get(ord("…"), 1.0)
    used = 0.0
    for i, width in enumerate(widths):
        used += width
        if used > room:
            return text[:i] + "…"
    return text


#: Resolution of the grid image: 4 px a millimetre (100 dpi), lines one pixel (0.25 mm).
#: WeasyPrint re-encodes the image once a document: more pixels cost more than they show.
GRID_PX_MM = 4


@functools.cache
def grid_png(rows: int) -> str:
    """The ruled grid of a page with ``rows`` body rows, as a PNG data URI.

    A page of the roster is laid out by hand (roster_back.html, roster_front.html): the
    grid is one image under two blocks of text.  WeasyPrint then lays out a few boxes
    a page instead of a table cell per value, which is what made big rosters slow.
    A PNG is embedded once and reused by every page (an SVG is redrawn on each page); at
    ``image-rendering: pixelated`` its lines print sharp.
    """
    from PIL import Image, ImageDraw

    k = GRID_PX_MM
    width = round(sum(COLUMNS_MM) * k)
    height = round((HEADER_MM + ROW_MM * rows) * k)
    image = Image.new("P", (width, height), 0)
    image.putpalette([255, 255, 255, 238, 238, 238, 68, 68, 68])
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, width - 1, round(HEADER_MM * k)), fill=1)
    ys = [0.0, HEADER_MM] + [HEADER_MM + ROW_MM * (i + 1) for i in range(rows)]
    for y in ys:
        top = min(round(y * k), height - 1)
        draw.line((0, top, width - 1, top), fill=2)
    x = 0.0
    for w in (0, *COLUMNS_MM):
        x += w
        left = min(round(x * k), width - 1)
        draw.line((left, 0, left, height - 1), fill=2)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


def _gap(em: float, bold: bool) -> str:
    """Blank of about ``em`` ems: em spaces, at most one en space and two spaces.

    Every glyph of a line costs WeasyPrint time to draw, so the widest blanks come
    first.  A space is never first nor next to another, so ``pre-line`` keeps it.
    """
    if em <= 0:
        return ""
    space = _advances(bold).get(ord(_SPACE), 0.25)
    ems = int(em)
    options = [
        (abs(em - ems - 0.5 * ens - space * spaces), ens, spaces)
        for ens in (0, 1)
        for spaces in (0, 1, 2)
        if spaces <= ems + ens
    ]
    _error, ens, spaces = min(options)
    solid = [_EM] * ems + [_EN] * ens
    for i in range(spaces):  # after the first and the second solid blank
        solid.insert(2 * i + 1, _SPACE)
    return "".join(solid)


def _line(row: dict[str, Any], cells: tuple[tuple[str, int, bool], ...], bold: bool) -> str:
    """The values of one weight on one line of a row, each placed at its column by the
    blanks before it (the other weight's values print on a block of their own)."""
    out: list[str] = []
    x = 0.0  # in ems from the left of the grid
    for key, col, cell_bold in cells:
        if cell_bold != bold:
            continue
        text = _cell(row[key], COLUMNS_MM[col], bold=bold)
        blank = _gap((_LEFTS[col] + CELL_PADDING_MM) / FONT_MM - x, bold)
        out.append(blank)
        out.append(str(escape(text)))
        x += _width(blank, bold) + _width(text, bold)
    return "".join(out)


def _page(rows: list[dict[str, Any]], number: int) -> dict[str, Any]:
    """The front of one page: its number, its row count, and the rows as two blocks of
    text laid over each other: regular (two lines a row) and bold (one line a row,
    centred on the row's first line by lists.css).

    WeasyPrint's cost is per box and per line: a table cell per value made a roster page
    cost about 300 ms; two blocks, each value placed by blanks measured with the font's
    advance widths, cost about a tenth.  A bold value inside the regular block would cut
    each of its lines into three boxes.
    """
    return {
        "number": number,
        "count": len(rows),
        "text": Markup("\n".join(_line(r, c, False) for r in rows for c in ROW_LINES)),
        "bold": Markup("\n".join(_line(r, ROW_LINES[0], True) for r in rows)),
    }


def _pages(rows: list[dict[str, Any]], first_page: int) -> list[dict[str, Any]]:
    pages, start = [], 0
    page = first_page
    while start < len(rows) or not pages:
        size = ROWS_FIRST_PAGE if page == 1 else ROWS_PER_PAGE
        pages.append(_page(rows[start : start + size], page))
        start += size
        page += 1
    return pages


def roster_contexts(
    sources: list[dict[str, Any]],
    *,
    title: str,
    area: str,
    period: str,
    inspector: str,
    printed: date,
    pages_per_chunk: int = PAGES_PER_CHUNK,
) -> list[dict[str, Any]]:
    """Contexts of the document's chunks, each a whole number of pages (the first chunk
    also carries what the backgrounds print)."""
    rows = []
    for n, src in enumerate(sources, start=1):
        values = fields.extract(ROSTER_FIELDS, src)
        values["open_orders"], values["orders_deadline"] = orders_cells(
            src.get("open_orders"), src.get("orders_deadline")
        )
        values["n"] = n
        values["stars_or_status"] = values["stars"] or values["status_zh"]
        rows.append(values)
    base = {"total_rows": len(rows), "total_pages": page_count(len(rows))}
    heading = {
        "title": title,
        "area": area,
        "period": period,
        "inspector": inspector,
        "printed": printed,
        "labels": fields.labels(ROSTER_FIELDS),
        "columns_mm": COLUMNS_MM,
        "lefts_mm": _LEFTS,
    }
    first_rows = ROWS_FIRST_PAGE + ROWS_PER_PAGE * (pages_per_chunk - 1)
    chunks = [{**base, **heading, "pages": _pages(rows[:first_rows], 1)}]
    start, page = first_rows, 1 + pages_per_chunk
    step = ROWS_PER_PAGE * pages_per_chunk
    while start < len(rows):
        chunks.append({**base, "pages": _pages(rows[start : start + step], page)})
        start += step
        page += pages_per_chunk
    return chunks


def _backgrounds(contexts: list[dict[str, Any]]) -> tuple[dict[str, Any], list[int]]:
    """The background document (one page for each kind of page: the first, a full one,
    a shorter last one) and, for every page of the roster, the index of its background."""
    kinds: dict[tuple[bool, int], int] = {}
    which = [
        kinds.setdefault((page["number"] == 1, page["count"]), len(kinds))
        for chunk in contexts
        for page in chunk["pages"]
    ]
    backs = [
        {
            "first": first,
            "height": round(HEADER_MM + ROW_MM * count, 2),
            "grid": grid_png(count),
        }
        for first, count in kinds
    ]
    heading = {key: value for key, value in contexts[0].items() if key != "pages"}
    return {**heading, "backs": backs}, which


def render_roster(
    contexts: list[dict[str, Any]],
    *,
    locale: str = "zh_Hans_CN",
    workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> bytes:
    """The roster's PDF: the fronts rendered in chunks on every core, each page laid over
    its background (rendered once per kind of page)."""
    back, which = _backgrounds(contexts)
    backgrounds = render.render_pdf(BACK, back, locale=locale)
    parts = render.render_parts(FRONT, contexts, locale=locale, workers=workers, progress=progress)
    return render.join_pdfs(parts, backgrounds=[backgrounds], which=which)
