"""Reads for the self-declaration panels: the landlord's page and the staff's unit file."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlmodel import Session, col, select

from rentals.portal.declarations import matches_for
from rentals.portal.models import DeclarationStatus, TenantDeclaration
from rentals.printing.models import Plaque
from rentals.register.models import Person, Tenancy, Unit
from rentals.selfservice.models import DoorSticker

#: Newest decided declarations shown to the landlord beside the pending ones.
DECIDED_SHOWN = 10


def tenant_declarations(session: Session, unit: Unit) -> list[TenantDeclaration]:
    """Pending tenant declarations first (oldest first), then the newest decided ones."""
    pending = list(
        session.exec(
            select(TenantDeclaration)
            .where(
                TenantDeclaration.unit_id == unit.id,
                TenantDeclaration.source == "tenant",
                TenantDeclaration.status == DeclarationStatus.PENDING,
            )
            .order_by(TenantDeclaration.id)
        )
    )
    decided = list(
        session.exec(
            select(TenantDeclaration)
            .where(
                TenantDeclaration.unit_id == unit.id,
                TenantDeclaration.source == "tenant",
                TenantDeclaration.status != DeclarationStatus.PENDING,
            )
            .order_by(col(TenantDeclaration.id).desc())
            .limit(DECIDED_SHOWN)
        )
    )
    return pending + decided


def landlord_panel(session: Session, unit: Unit) -> dict[str, Any]:
    """What the landlord sees: what tenants declared (masked on the page), nothing of the
    register, so a declaration left to staff looks like one the landlord confirmed."""
    return {"declarations": tenant_declarations(session, unit)}


def staff_panel(session: Session, unit: Unit, *, today: date) -> dict[str, Any]:
    """Pending tenant declarations with what the register holds for their numbers, the
    open tenancies with their residence registration, and whether a door sticker may be
    printed (no current plaque)."""
    from rentals.selfservice.proofs import staff_proofs
    from rentals.selfservice.registrations import registrations_of

    pending = [
        d for d in tenant_declarations(session, unit) if d.status == DeclarationStatus.PENDING
    ]
    has_plaque = (
        session.exec(
            select(Plaque.id).where(Plaque.unit_id == unit.id, col(Plaque.retired_at).is_(None))
        ).first()
        is not None
    )
    sticker = session.exec(
        select(DoorSticker).where(
            DoorSticker.unit_id == unit.id, col(DoorSticker.retired_at).is_(None)
        )
    ).first()
    tenants = list(
        session.exec(
            select(Tenancy, Person)
            .join(Person, Person.id == Tenancy.person_id)
            .where(Tenancy.unit_id == unit.id, col(Tenancy.moved_out).is_(None))
            .order_by(Tenancy.moved_in)
        )
    )
    return {
        "tenants": tenants,
        "registrations": registrations_of(session, unit, today),
        "proofs": staff_proofs(session, unit),
        "declarations": pending,
        "matches": matches_for(session, [d for d in pending if d.kind == "in"]),
        "may_print_sticker": not has_plaque,
        "sticker": sticker,
    }
