"""The door sticker: "我住在这里 / I live here" with a QR code, for a unit without a plaque."""

from __future__ import annotations

from datetime import datetime

from flask import current_app, has_app_context
from flask_babel import lazy_gettext as _l
from sqlmodel import Session, col, select

from rentals.auth.models import User
from rentals.errors import Conflict
from rentals.printing import qr, render
from rentals.printing.models import Plaque
from rentals.printing.plaques import check_public_addresses, qr_base
from rentals.register.models import Area, Community, Unit
from rentals.selfservice.services import issue_sticker


def sticker_url(base_url: str, serial: str) -> str:
    return f"{base_url.rstrip('/')}/p/{serial}/here"


def print_sticker(session: Session, *, actor: User | None, unit: Unit, now: datetime) -> bytes:
    """Issue a sticker (retiring the older ones) and render it; refused while a plaque hangs
    on the door (its page offers the same form) and for an address phones cannot reach."""
    current = session.exec(
        select(Plaque.id).where(Plaque.unit_id == unit.id, col(Plaque.retired_at).is_(None))
    ).first()
    if current is not None:
        raise Conflict(_l("该房屋已有星级牌，租户扫星级牌即可申报，不需要门贴。"))
    base_url = str(current_app.config["PUBLIC_BASE_URL"]) if has_app_context() else ""
    if not (has_app_context() and current_app.config.get("PLAQUE_PRIVATE_URL_OK")):
        check_public_addresses(session, [unit], base_url=base_url)
    area = session.get(Area, unit.area_id)
    assert area is not None
    community = session.get(Community, area.community_id)
    assert community is not None
    sticker = issue_sticker(session, actor=actor, unit=unit, now=now)
    url = sticker_url(qr_base(community, base_url), sticker.serial)
    context = {
        "unit_code": unit.code,
        "address": unit.address,
        "community": community.name,
        "community_bo": community.name_bo,
        "serial": sticker.serial,
        "url": url,
        "qr": qr.png_data_uri(url),
    }
    return render.render_pdf("print/sticker.html", context, locale=("zh_Hans_CN", "bo"))
