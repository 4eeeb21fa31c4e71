"""Plaques (星级牌): which units get one, issuing serials, and the plaque document.

Only rated units (three, two, one star) get a plaque; the others are listed with the
reason.  Printing issues the plaques: each printed unit gets a new random serial and its
previous plaque is retired and points at the new one, so a scanned old plaque says it is
no longer valid.  Everything happens in the caller's transaction (services only flush).
"""

from __future__ import annotations

import ipaddress
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, or_
from sqlmodel import Session, select

from rentals import clock
from rentals.audit import services as audit
from rentals.errors import InvalidInput, NotFound
from rentals.printing import fields, qr
from rentals.printing.fields import N_, RATED
from rentals.printing.models import Plaque
from rentals.register.models import Area, Community, Unit

#: Fields a plaque prints (see fields.REGISTRY).
PLAQUE_FIELDS = (
    "unit_code",
    "address",
    "area",
    "community",
    "community_bo",
    "issuer",
    "stars_count",
    "rating_stars_zh",
    "rating_kind_zh",
    "rating_stars_bo",
    "rating_kind_bo",
    "colour",
    "valid_until",
    "serial",
    "qr_url",
)
#: Why a unit gets no plaque (msgids; the list page and the CLI show them).
NO_PLAQUE_REASONS = {
    "not_yet_rated": N_("尚未评定，不发牌"),
    "not_rated": N_("不予评定，不发牌"),
    "under_review": N_("评定复核中，暂不发牌"),
    "withdrawn": N_("已退出出租，不发牌"),
}
SIZES = ("A5", "A4")
#: Serial alphabet without 0/O, 1/I/L: read aloud over the phone without mistakes.
_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
DEFAULT_VALID_DAYS = 365
#: Longer addresses print smaller (three lines of about 21 characters instead of two of 15).
LONG_ADDRESS = 30


@dataclass
class Selection:
    """Units to print and the ones left out, as ``(code, reason msgid)``."""

    units: list[Unit] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)


def new_serial() -> str:
    """12 random characters in groups of four ("K7QM-3XPA-9D2F"): 59 bits, not guessable."""
    raw = "".join(secrets.choice(_ALPHABET) for _ in range(12))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def current_plaque(session: Session, unit_id: int) -> Plaque | None:
    return session.exec(
        select(Plaque).where(Plaque.unit_id == unit_id, Plaque.retired_at.is_(None))  # type: ignore[union-attr]
    ).first()


def select_units(
    session: Session,
    *,
    area: str | None = None,
    unit_code: str | None = None,
    changed: bool = False,
    area_ids: Sequence[int] | None = None,
) -> Selection:
    """One unit, an area (by name), every unit, or the rated units whose plaque is out of date.

    "Changed" means no current plaque, or one that shows other stars than the unit has now.
    """
    query = select(Unit).join(Area, Area.id == Unit.area_id)
    if unit_code:
        query = query.where(Unit.code == unit_code.strip().upper())
    if area:
        query = query.where(Area.name == area)
    if area_ids is not None:  # the areas the printing user may see
        query = query.where(Unit.area_id.in_(area_ids))
    if changed:
        current = and_(Plaque.unit_id == Unit.id, Plaque.retired_at.is_(None))  # type: ignore[union-attr]
        query = query.outerjoin(Plaque, current).where(
            or_(
                Plaque.id.is_(None),  # type: ignore[union-attr]
                Plaque.stars != Unit.stars,
                Plaque.rating_status != Unit.rating_status,
            )
        )
    units = session.exec(query.order_by(Area.name, Unit.street, Unit.house_number, Unit.code)).all()
    if unit_code and not units:
        raise NotFound(N_("没有这个编号的出租房。"), field="unit")
    chosen = Selection()
    for unit in units:
        if unit.status == "withdrawn":
            chosen.skipped.append((unit.code, NO_PLAQUE_REASONS["withdrawn"]))
        elif unit.rating_status in RATED and unit.stars:
            chosen.units.append(unit)
        elif not changed or unit.rating_status != "not_yet_rated":
            reason = NO_PLAQUE_REASONS.get(unit.rating_status, NO_PLAQUE_REASONS["not_rated"])
            chosen.skipped.append((unit.code, reason))
    return chosen


def issue_plaques(
    session: Session,
    *,
    actor: Any,
    units: Sequence[Unit],
    now: datetime,
    valid_days: int = DEFAULT_VALID_DAYS,
) -> list[Plaque]:
    """A new plaque for each unit, retiring its current one (a reprint is a new serial)."""
    valid_until = clock.local_date(now) + timedelta(days=valid_days)
    issued: list[Plaque] = []
    for unit in units:
        if unit.rating_status not in RATED or not unit.stars:
            continue
        old = current_plaque(session, unit.id)  # type: ignore[arg-type]
        plaque = Plaque(
            unit_id=unit.id,  # type: ignore[arg-type]
            serial=new_serial(),
            stars=unit.stars,
            rating_status=unit.rating_status,
            valid_until=valid_until,
            issued_at=now,
            issued_by=getattr(actor, "id", None),
        )
        session.add(plaque)
        session.flush()
        if old is not None:
            old.retired_at = now
            old.replaced_by = plaque.id
            session.add(old)
        issued.append(plaque)
    session.flush()
    if issued:
        audit.record(
            session,
            actor,
            "plaque.issued",
            ("plaque", issued[0].id),
            {"count": len(issued), "serials": [p.serial for p in issued][:500]},
        )
    return issued


def public_url(base_url: str, serial: str) -> str:
    return f"{base_url.rstrip('/')}/p/{serial}"


def issuer_line(community: Community) -> str:
    """The issuing body printed on plaques, with the police station when one is set."""
    parts = [community.issuer or community.name, community.police_station]
    return " · ".join(p for p in parts if p)


def qr_base(community: Community, base_url: str) -> str:
    """The address a community's plaque QR codes open: its own, else the installation's."""
    return community.public_url or base_url


def is_private_address(url: str) -> bool:
    """True when ``url`` names a host a phone in the street cannot reach: loopback,
    private, link-local or unspecified addresses, ``localhost`` and ``.local`` names."""
    try:
        host = (urlsplit(url).hostname or "").rstrip(".").lower()
    except ValueError:
        return True
    if not host or host == "localhost" or host.endswith((".localhost", ".local")):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return (
        address.is_loopback or address.is_private or address.is_link_local or address.is_unspecified
    )


def check_public_addresses(session: Session, units: Sequence[Unit], *, base_url: str) -> None:
    """Refuse to issue plaques whose QR code would open an address the public cannot reach."""
    area_ids = {u.area_id for u in units}
    if not area_ids:
        return
    for community in session.exec(
        select(Community)
        .join(Area, Area.community_id == Community.id)
        .where(Area.id.in_(area_ids))  # type: ignore[union-attr]
        .distinct()
    ):
        url = qr_base(community, base_url)
        if is_private_address(url):
            raise InvalidInput(
                _l(
                    "%(community)s 的公开网址 %(url)s 是本机或内网地址，群众扫码打不开，"
                    "不能发牌。请在“社区与账号”页面填写公开网址，"
                    "或设置 RENTALS_PUBLIC_BASE_URL。",
                    community=community.name,
                    url=url,
                ),
                field="public_url",
            )


def plaque_sources(session: Session, plaques: Sequence[Plaque], *, base_url: str) -> list[dict]:
    """Plain rows for the plaque template, in the order given."""
    if not plaques:
        return []
    unit_ids = {p.unit_id for p in plaques}
    rows = session.exec(
        select(Unit, Area, Community)
        .join(Area, Area.id == Unit.area_id)
        .join(Community, Community.id == Area.community_id)
        .where(Unit.id.in_(unit_ids))  # type: ignore[union-attr]
    ).all()
    by_unit = {u.id: (u, a, c) for u, a, c in rows}
    sources = []
    for plaque in plaques:
        unit, area, community = by_unit[plaque.unit_id]
        sources.append(
            {
                "unit_code": unit.code,
                "address": unit.address,
                "area": area.name,
                "community": community.name,
                "community_bo": community.name_bo,
                "issuer": issuer_line(community),
                "stars": plaque.stars,
                "rating_status": plaque.rating_status,
                "valid_until": plaque.valid_until,
                "serial": plaque.serial,
                "qr_url": public_url(qr_base(community, base_url), plaque.serial),
            }
        )
    return sources


def preview_sources(session: Session, units: Sequence[Unit], *, valid_until: date) -> list[dict]:
    """Rows for a preview batch (样张): the units' current ratings, no serial, no QR code.

    Nothing is issued or retired: the manager prints the real plaques on the print page.
    """
    if not units:
        return []
    areas = {
        a.id: (a, c)
        for a, c in session.exec(
            select(Area, Community)
            .join(Community, Community.id == Area.community_id)
            .where(Area.id.in_({u.area_id for u in units}))  # type: ignore[union-attr]
        ).all()
    }
    sources = []
    for unit in units:
        if unit.rating_status not in RATED or not unit.stars:
            continue
        area, community = areas[unit.area_id]
        sources.append(
            {
                "unit_code": unit.code,
                "address": unit.address,
                "area": area.name,
                "community": community.name,
                "community_bo": community.name_bo,
                "issuer": issuer_line(community),
                "stars": unit.stars,
                "rating_status": unit.rating_status,
                "valid_until": valid_until,
                "serial": "",
                "qr_url": "",
                "preview": True,
            }
        )
    return sources


def plaque_context(sources: Sequence[dict], *, size: str = "A5") -> dict[str, Any]:
    """The document context: plain values only, the QR code as a tiny PNG data URI
    (none on a preview plaque, which prints "样张 · 未生效" instead of a serial)."""
    if size not in SIZES:
        raise ValueError(f"plaque size must be one of {SIZES}")
    plaques = []
    for src in sources:
        values = fields.extract(PLAQUE_FIELDS, src)
        values["preview"] = bool(src.get("preview"))
        values["qr_png"] = "" if values["preview"] else qr.png_data_uri(values["qr_url"])
        values["long_name"] = len(values["rating_kind_zh"]) > 5
        values["long_address"] = len(values["address"]) > LONG_ADDRESS
        plaques.append(values)
    return {"plaques": plaques, "size": size}


def valid_until_for(today: date, valid_days: int = DEFAULT_VALID_DAYS) -> date:
    return today + timedelta(days=valid_days)
