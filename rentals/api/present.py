"""Rows to API models: each conversion in one place, texts in the caller's language."""

from __future__ import annotations

from typing import Any

from flask_babel import get_locale

from rentals.api import schemas as s
from rentals.templating import mask_id_number, mask_phone


def language() -> str:
    return str(get_locale() or "zh")


def encode_cursor(value: str) -> str:
    """A page's cursor is the key of its last row (a unit code): any text is a position."""
    return value


def decode_cursor(cursor: str) -> str:
    return cursor


def unit(row: Any, area_name: str) -> s.UnitOut:
    return s.UnitOut(
        code=row.code,
        area_id=row.area_id,
        area=area_name,
        address=row.address,
        street=row.street,
        house_number=row.house_number,
        unit_type=row.unit_type,
        rooms=row.rooms,
        status=row.status,
        rating_status=row.rating_status,
        stars=row.stars,
        updated_at=row.updated_at,
    )


def person(row: Any) -> s.PersonOut:
    return s.PersonOut(
        id=row.id,
        name=row.name,
        id_number_masked=mask_id_number(row.id_number),
        phone_masked=mask_phone(row.phone),
    )


def task(row: Any, unit_code: str) -> s.TaskOut:
    return s.TaskOut(
        id=row.id,
        unit_code=unit_code,
        kind=row.kind,
        period_key=row.period_key,
        start=row.start,
        due=row.due,
        status=row.status,
        inspector_id=row.inspector_id,
    )


def order(row: Any, unit_code: str) -> s.OrderOut:
    return s.OrderOut(
        id=row.id,
        unit_code=unit_code,
        inspection_id=row.inspection_id,
        item_code=row.item_code,
        deadline=row.deadline,
        serious=row.serious,
        status=row.status,
        note=row.note,
        created_at=row.created_at,
        closed_at=row.closed_at,
        closed_by_inspection_id=row.closed_by_inspection_id,
    )


def inspection(row: Any, unit_code: str, version: int, rating: Any | None) -> s.InspectionOut:
    return s.InspectionOut(
        id=row.id,
        unit_code=unit_code,
        outcome=row.outcome,
        visited_at=row.visited_at,
        inspector_id=row.inspector_id,
        scorecard_version=version,
        answers=dict(row.answers),
        vetoes=list(row.vetoes),
        task_id=row.task_id,
        corrects_id=row.corrects_id,
        rating_status=rating.status if rating is not None else None,
        stars=rating.stars if rating is not None else None,
    )


def rating(view: Any) -> s.RatingOut:
    """A ``ratings.queries.RatingView`` (the unit file's explanation) as the API shows it."""
    lang = language()
    r = view.rating
    return s.RatingOut(
        status=r.status,
        stars=r.stars,
        score=float(r.score),
        rated_at=r.rated_at,
        inspection_id=r.inspection_id,
        scorecard_version=view.version.version,
        items=[
            s.ItemLineOut(
                code=line.code,
                text=line.texts.get(lang),
                answer=line.answer,
                points=line.points,
                earned=line.earned,
                cap=line.cap,
                capped=line.capped,
            )
            for line in view.lines
        ],
        vetoes=[s.VetoOut(code=code, text=texts.get(lang)) for code, texts in view.vetoes],
        next_star=[
            s.AdviceOut(code=a.code, text=a.texts.get(lang), points=a.points)
            for a in view.next_star
        ],
    )


def scorecard(version: Any, state: str, card: Any | None) -> s.ScorecardOut | s.ScorecardVersionOut:
    base = {
        "version": version.version,
        "title": version.title,
        "active_from": version.active_from,
        "state": state,
    }
    if card is None:
        return s.ScorecardVersionOut(**base)
    lang = language()
    return s.ScorecardOut(
        **base,
        items=[
            s.ScorecardItemOut(
                code=i.code,
                category=i.category,
                text=i.texts.get(lang),
                points=i.points,
                na_allowed=i.na_allowed,
                cap=i.cap,
                deadline_days=i.deadline_days,
            )
            for i in card.items
        ],
        vetoes=[s.VetoOut(code=v.code, text=v.texts.get(lang)) for v in card.vetoes],
    )
