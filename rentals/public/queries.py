"""Reads only the public pages use: a unit's public facts and the landlords' replies.

Plain dicts with public facts only (code, area, type, status, dates, the landlord's
reply): never a person's name, identity number or phone.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, select

from rentals.incentives.blacklist import blacklist_entries, public_facts
from rentals.portal.models import PublicReply
from rentals.portal.services import current_reply, has_personal_number
from rentals.printing.plaques import current_plaque
from rentals.register.models import Area, Unit


def public_unit(session: Session, code: str, *, today: date) -> dict[str, Any] | None:
    row = session.exec(
        select(Unit, Area)
        .join(Area, Area.id == Unit.area_id)
        .where(Unit.code == code, Unit.status != "withdrawn")
    ).first()
    if row is None:
        return None
    unit, area = row
    plaque = current_plaque(session, unit.id)
    reply = current_reply(session, unit.id)
    listed = blacklist_entries(session, today=today, unit_id=unit.id)
    return public_facts(unit, area) | {
        "plaque_serial": plaque.serial if plaque else None,
        "plaque_valid_until": plaque.valid_until if plaque else None,
        "reply": reply.text if reply else None,
        "reply_at": reply.created_at if reply else None,
        "blacklisted_since": listed[0]["since"] if listed else None,
    }


def replies_for(session: Session, unit_codes: list[str]) -> dict[str, str]:
    """Current replies of several units by code, in one query."""
    if not unit_codes:
        return {}
    newest = (
        select(PublicReply.unit_id, func.max(PublicReply.id).label("rid"))
        .group_by(PublicReply.unit_id)
        .subquery()
    )
    rows = session.exec(
        select(Unit.code, PublicReply.text)
        .join(newest, newest.c.unit_id == Unit.id)
        .join(PublicReply, PublicReply.id == newest.c.rid)
        .where(Unit.code.in_(unit_codes))
    ).all()
    # A reply stored before the filter caught its number stays off public pages.
    return {code: text for code, text in rows if text and not has_personal_number(text)}
