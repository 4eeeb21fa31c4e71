"""The print services that pages, CLI commands and background jobs all call.

Each takes the session and plain arguments, changes rows where printing means issuing
(plaques), and returns the PDF; the caller commits. The blacklist is published by
``rentals.incentives.blacklist``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from flask import current_app, has_app_context
from sqlmodel import Session

from rentals.printing import notices, plaque_pdf, plaques, rosters

Progress = Callable[[int, int], None] | None
#: Plaques per chunk when a batch is rendered in parallel (one document per chunk).
PLAQUES_PER_CHUNK = 40
#: Above this many pages a page never renders inside the request.
BACKGROUND_PAGES = 200
#: Notices are one document each (about 50 ms): above this many, a background job.
BACKGROUND_NOTICES = 40


@dataclass
class PrintResult:
    pdf: bytes
    pages: int
    issued: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)


def plaque_pages(
    session: Session,
    *,
    area: str | None,
    unit: str | None,
    changed: bool,
    area_ids: list[int] | None = None,
) -> int:
    chosen = plaques.select_units(
        session, area=area, unit_code=unit, changed=changed, area_ids=area_ids
    )
    return len(chosen.units)


def print_plaques(
    session: Session,
    *,
    actor: Any,
    now: datetime,
    base_url: str,
    area: str | None = None,
    unit: str | None = None,
    changed: bool = False,
    size: str = "A5",
    valid_days: int = plaques.DEFAULT_VALID_DAYS,
    progress: Progress = None,
    workers: int | None = None,
    area_ids: list[int] | None = None,
    allow_private: bool | None = None,
) -> PrintResult:
    """Issue and render plaques for one unit, an area, every unit or the changed ones
    (within ``area_ids`` when given). Plaques whose QR code would open a loopback or
    private address are refused unless ``allow_private`` (default: the app's
    ``PLAQUE_PRIVATE_URL_OK``, true in development and tests)."""
    chosen = plaques.select_units(
        session, area=area, unit_code=unit, changed=changed, area_ids=area_ids
    )
    if allow_private is None:  # outside an app (scripts, benchmarks): strict
        allow_private = has_app_context() and bool(current_app.config["PLAQUE_PRIVATE_URL_OK"])
    if not allow_private:
        plaques.check_public_addresses(session, chosen.units, base_url=base_url)
    issued = plaques.issue_plaques(
        session, actor=actor, units=chosen.units, now=now, valid_days=valid_days
    )
    sources = plaques.plaque_sources(session, issued, base_url=base_url)
    if not sources:
        return PrintResult(b"", 0, [], chosen.skipped)
    chunks = [
        plaques.plaque_context(sources[i : i + PLAQUES_PER_CHUNK], size=size)
        for i in range(0, len(sources), PLAQUES_PER_CHUNK)
    ]
    pdf = plaque_pdf.render_plaques(chunks, progress=progress, workers=workers)
    return PrintResult(pdf, len(sources), [p.serial for p in issued], chosen.skipped)


def print_roster(
    session: Session,
    *,
    area: str,
    start: date,
    end: date,
    inspector: str | None,
    printed: date,
    progress: Progress = None,
    workers: int | None = None,
    area_ids: list[int] | None = None,
) -> PrintResult:
    request = rosters.RosterRequest(
        area=area, start=start, end=end, inspector=inspector, area_ids=area_ids
    )
    sources = rosters.roster_sources(session, request)
    contexts = rosters.roster_contexts(
        sources,
        title="出租房排查台账",
        area=area,
        period=f"{start.isoformat()} — {end.isoformat()}",
        inspector=inspector or "",
        printed=printed,
    )
    pdf = rosters.render_roster(contexts, progress=progress, workers=workers)
    return PrintResult(pdf, rosters.page_count(len(sources)))


def roster_pages(
    session: Session,
    *,
    area: str,
    start: date,
    end: date,
    inspector: str | None,
    area_ids: list[int] | None = None,
) -> int:
    request = rosters.RosterRequest(
        area=area, start=start, end=end, inspector=inspector, area_ids=area_ids
    )
    return rosters.page_count(len(rosters.roster_sources(session, request)))


def notice_pages(session: Session, *, area: str, area_ids: list[int] | None = None) -> int:
    """How many notices an area's open orders make (NotFound when there are none)."""
    return len(notices.select_orders(session, area=area, area_ids=area_ids))


def print_notices(
    session: Session,
    *,
    printed: date,
    unit: Any = None,
    area: str | None = None,
    order_id: int | None = None,
    progress: Progress = None,
    workers: int | None = None,
    area_ids: list[int] | None = None,
) -> PrintResult:
    """Rectification notices of the open orders of one order, a unit or an area (one page
    each); NotFound with a clear message when nothing is open."""
    orders = notices.select_orders(
        session, unit=unit, area=area, order_id=order_id, area_ids=area_ids
    )
    made = notices.order_notices(session, orders)
    pdf = notices.render_notices(made, printed=printed, progress=progress, workers=workers)
    return PrintResult(pdf, len(made), [n.number for n in made])


def preview_changed_plaques(
    session: Session, *, today: date, area: str | None = None, size: str = "A5"
) -> PrintResult:
    """The weekly batch: plaques of the units whose rating changed since their last plaque,
    as a preview ("样张 · 未生效", no serial, no QR); issues nothing, retires nothing.
    ``issued`` lists the unit codes (the print page shows them)."""
    chosen = plaques.select_units(session, area=area, changed=True)
    sources = plaques.preview_sources(
        session, chosen.units, valid_until=plaques.valid_until_for(today)
    )
    if not sources:
        return PrintResult(b"", 0, [], chosen.skipped)
    chunks = [
        plaques.plaque_context(sources[i : i + PLAQUES_PER_CHUNK], size=size)
        for i in range(0, len(sources), PLAQUES_PER_CHUNK)
    ]
    pdf = plaque_pdf.render_plaques(chunks)
    return PrintResult(pdf, len(sources), [s["unit_code"] for s in sources], chosen.skipped)
