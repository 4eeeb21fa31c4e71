"""Documents the scheduler prepares: the week's preview batch of changed plaques and next
week's roster of every area, kept as ``scheduled_print`` rows (not files under one node's
``instance/``), so every web node's print page reads them and the backup holds them.

Each is written once per week and area: a row's ``key`` is unique, so a rerun in the same
week, or a second scheduler racing the first, finds the row and renders nothing more.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlmodel import Session, select

from rentals import db
from rentals.printing.documents import preview_changed_plaques, print_roster
from rentals.printing.models import ScheduledPrint
from rentals.register.models import Area

PLAQUES, ROSTER = "plaques", "roster"


def _find(session: Session, key: str) -> ScheduledPrint | None:
    return session.exec(select(ScheduledPrint).where(ScheduledPrint.key == key)).first()


def render_plaque_batch(session: Session, *, today: date) -> ScheduledPrint | None:
    """The preview (样张: no serial, nothing issued or retired) of the plaques whose rating
    changed, for the week of ``today``, as a row to ``keep``; None when the week's batch
    exists. Reads only, so on SQLite the rendering holds no write lock."""
    monday = today - timedelta(days=today.weekday())
    key = f"{PLAQUES}:{monday.isoformat()}"
    if _find(session, key) is not None:
        return None
    result = preview_changed_plaques(session, today=today)
    return ScheduledPrint(
        key=key,
        kind=PLAQUES,
        week=monday,
        prepared=today,
        units=list(result.issued),
        pages=result.pages,
        size=len(result.pdf),
        pdf=result.pdf or None,
    )


@dataclass(frozen=True)
class RosterSlot:
    key: str
    area_id: int
    area: str
    start: date
    end: date


def missing_rosters(session: Session, *, today: date) -> list[RosterSlot]:
    """Next week's rosters not yet prepared, one per area (by id: names repeat across
    communities)."""
    start = today + timedelta(days=7 - today.weekday())
    done = set(
        session.exec(
            select(ScheduledPrint.area_id).where(
                ScheduledPrint.kind == ROSTER, ScheduledPrint.week == start
            )
        )
    )
    return [
        RosterSlot(
            f"{ROSTER}:{start.isoformat()}:{area_id}",
            area_id,
            name,
            start,
            start + timedelta(days=6),
        )
        for area_id, name in session.exec(select(Area.id, Area.name).order_by(Area.id)).all()
        if area_id not in done
    ]


def render_roster(session: Session, slot: RosterSlot, *, today: date) -> ScheduledPrint:
    """One area's roster as a row to ``keep`` (reads only)."""
    result = print_roster(
        session,
        area=slot.area,
        start=slot.start,
        end=slot.end,
        inspector=None,
        printed=today,
        area_ids=[slot.area_id],
    )
    return ScheduledPrint(
        key=slot.key,
        kind=ROSTER,
        week=slot.start,
        area_id=slot.area_id,
        prepared=today,
        pages=result.pages,
        size=len(result.pdf),
        pdf=result.pdf or None,
    )


def keep(session: Session, row: ScheduledPrint) -> ScheduledPrint:
    """Store a prepared document once (the row another scheduler stored first wins)."""
    return db.insert_once(session, row, lambda: _find(session, row.key))


def latest_plaque_batch(session: Session) -> dict[str, Any] | None:
    """The newest weekly batch of changed plaques (id, week, prepared, unit codes, whether
    a preview PDF exists), or None."""
    row = session.exec(
        select(
            ScheduledPrint.id,
            ScheduledPrint.week,
            ScheduledPrint.prepared,
            ScheduledPrint.units,
            ScheduledPrint.size,
        )
        .where(ScheduledPrint.kind == PLAQUES)
        .order_by(ScheduledPrint.week.desc())  # type: ignore[attr-defined]
        .limit(1)
    ).first()
    if row is None:
        return None
    row_id, week, prepared, units, size = row
    return {
        "id": row_id,
        "week": week.isoformat(),
        "prepared": prepared.isoformat(),
        "units": list(units),
        "has_pdf": size > 0,
    }


def ready_rosters(session: Session, *, area_ids: list[int] | None) -> list[dict[str, Any]]:
    """The rosters of the newest week the scheduler prepared, for the areas in
    ``area_ids`` (None: every area), by area name."""
    week = session.exec(
        select(ScheduledPrint.week)
        .where(ScheduledPrint.kind == ROSTER)
        .order_by(ScheduledPrint.week.desc())  # type: ignore[attr-defined]
        .limit(1)
    ).first()
    if week is None:
        return []
    query = (
        select(ScheduledPrint.id, Area.name, ScheduledPrint.pages)
        .join(Area, Area.id == ScheduledPrint.area_id)
        .where(ScheduledPrint.kind == ROSTER, ScheduledPrint.week == week)
        .where(ScheduledPrint.size > 0)
        .order_by(Area.name, Area.id)
    )
    if area_ids is not None:
        query = query.where(ScheduledPrint.area_id.in_(area_ids))  # type: ignore[union-attr]
    return [
        {"id": row_id, "area": name, "week": week.isoformat(), "pages": n}
        for row_id, name, n in session.exec(query).all()
    ]
