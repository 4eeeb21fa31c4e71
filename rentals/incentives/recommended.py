"""The reward the public sees: three-star units recommended to prospective tenants."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func
from sqlmodel import Session, select

from rentals.incentives.blacklist import public_facts
from rentals.register.models import Area, Unit
from scoring import RatingStatus


def recommended_units(
    session: Session, *, area_id: int | None = None, page: int = 1, per_page: int = 50
) -> tuple[list[dict[str, Any]], int]:
    """Three-star units that are not withdrawn, with area and type; and their number."""
    conditions = [Unit.rating_status == RatingStatus.THREE.value, Unit.status != "withdrawn"]
    if area_id is not None:
        conditions.append(Unit.area_id == area_id)
    rows = session.exec(
        select(Unit, Area)
        .join(Area, Area.id == Unit.area_id)
        .where(*conditions)
        .order_by(Area.name, Unit.code)
        .offset((max(1, page) - 1) * per_page)
        .limit(per_page)
    ).all()
    total = session.exec(select(func.count()).select_from(Unit).where(*conditions)).one()
    return [public_facts(u, a) for u, a in rows], total
