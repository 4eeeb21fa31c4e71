"""Inspection rosters (排查台账): the tasks due in an area and period, in walking order.

A staff document: it prints landlord names and phones.  Rows have a fixed height, so
every page holds the same number of rows; a big roster is split at page boundaries,
rendered on every core and joined, with page numbers continuing across the parts.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, select

from rentals.auth.models import User
from rentals.errors import InvalidInput, NotFound
from rentals.inspections.models import Inspection
from rentals.printing import fields, render
from rentals.printing.fields import N_
from rentals.register.models import Area, Person, Unit
from rentals.tasks.models import Task, TaskStatus

TEMPLATE = "print/roster.html"
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
#: Pages per chunk when a roster is rendered in parallel.
PAGES_PER_CHUNK = 6


@dataclass(frozen=True)
class RosterRequest:
    area: str
    start: date
    end: date
    inspector: str | None = None


def roster_sources(session: Session, request: RosterRequest) -> list[dict[str, Any]]:
    """Tasks due in [start, end] for the area (and inspector), not cancelled, route order."""
    if request.end < request.start:
        raise InvalidInput(N_("结束日期不能早于开始日期。"), field="end")
    area = session.exec(select(Area).where(Area.name == request.area)).first()
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
    sources = []
    for task, unit, person in rows:
        visited = last.get(unit.id)
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
                # Rectification orders arrive with the inspections issue; until then unknown.
                "open_orders": None,
            }
        )
    return sources


def page_count(rows: int) -> int:
    if rows <= ROWS_FIRST_PAGE:
        return 1
    return 1 + math.ceil((rows - ROWS_FIRST_PAGE) / ROWS_PER_PAGE)


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
    """Contexts of the document's chunks, each a whole number of pages."""
    rows = []
    for n, src in enumerate(sources, start=1):
        values = fields.extract(ROSTER_FIELDS, src)
        values["open_orders"] = src.get("open_orders")
        values["n"] = n
        rows.append(values)
    total_pages = page_count(len(rows))
    base = {
        "title": title,
        "area": area,
        "period": period,
        "inspector": inspector,
        "printed": printed,
        "total_rows": len(rows),
        "total_pages": total_pages,
        "labels": fields.labels(ROSTER_FIELDS),
    }
    chunks = []
    first_rows = ROWS_FIRST_PAGE + ROWS_PER_PAGE * (pages_per_chunk - 1)
    chunks.append({**base, "first_page": 1, "rows": rows[:first_rows]})
    start, page = first_rows, 1 + pages_per_chunk
    step = ROWS_PER_PAGE * pages_per_chunk
    while start < len(rows):
        chunks.append({**base, "first_page": page, "rows": rows[start : start + step]})
        start += step
        page += pages_per_chunk
    return chunks


def render_roster(
    contexts: list[dict[str, Any]],
    *,
    locale: str = "zh_Hans_CN",
    workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> bytes:
    return render.render_pdf_chunks(
        TEMPLATE, contexts, locale=locale, workers=workers, progress=progress
    )
