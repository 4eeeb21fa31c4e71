"""Tenant declarations: a landlord says who moved in; staff match and confirm (issue 14.4).

Rules this module keeps:

- **Declaring reveals and attaches nobody.**  A declaration stores what the landlord typed
  (name, identity number, phone, move-in date) and nothing else; the register is not read, so
  the answer and the landlord's pages are the same whether the number is unknown, belongs to
  a person in the register, or to someone who still rents elsewhere.  The landlord sees only
  what they typed, masked like every identity number.
- **Staff confirm.**  An inspector of the unit's area or a manager sees the pending
  declaration on the unit file, with the register's person of that number if there is one and
  where that person still rents.  Confirming attaches the existing person (or creates one from
  the declaration) and opens the tenancy through ``register.add_tenancy``, so "no two open
  tenancies for one person" stays in the register: staff end the other tenancy first, or reject.
- **Rejecting records why.**  Every step is audited on the unit, with masked numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlmodel import Session, col, select

from rentals import audit
from rentals.auth.access import STAFF, require_owner
from rentals.auth.models import User
from rentals.errors import Conflict, InvalidInput, NotAllowed
from rentals.portal.models import DeclarationStatus, TenantDeclaration
from rentals.register import services as register
from rentals.register.models import Person, Tenancy, Unit
from rentals.templating import mask_id_number

__all__ = [
    "Match",
    "confirm_declaration",
    "declare_tenant",
    "matches_for",
    "pending_declarations",
    "reject_declaration",
    "require_owner",
]

REASON_MAX = 500


def declare_tenant(
    session: Session,
    *,
    actor: User,
    unit: Unit,
    name: str,
    id_number: str,
    phone: str | None,
    moved_in: date,
    registered: bool,
    now: datetime,
) -> TenantDeclaration:
    """File a pending declaration; refused only for a number this unit already has pending.

    That refusal depends only on what this landlord declared before, never on the register.
    """
    require_owner(actor, unit)
    again = session.exec(
        select(TenantDeclaration.id).where(
            TenantDeclaration.unit_id == unit.id,
            TenantDeclaration.id_number == id_number,
            TenantDeclaration.status == DeclarationStatus.PENDING,
        )
    ).first()
    if again is not None:
        raise Conflict(_l("您已申报过这位租户，正在等待核实。"), field="id_number")
    declaration = TenantDeclaration(
        unit_id=unit.id,
        name=name.strip(),
        id_number=id_number,
        phone=phone,
        moved_in=moved_in,
        registered=registered,
        declared_by=actor.id,
        declared_at=now,
    )
    session.add(declaration)
    session.flush()
    audit.record(
        session,
        actor,
        "portal.tenant.declared",
        unit,
        {
            "declaration": declaration.id,
            "id_number": mask_id_number(id_number),
            "moved_in": declaration.moved_in.isoformat(),
        },
    )
    return declaration


def pending_declarations(session: Session, unit: Unit) -> list[TenantDeclaration]:
    return list(
        session.exec(
            select(TenantDeclaration)
            .where(
                TenantDeclaration.unit_id == unit.id,
                # Tenants' own declarations have their panel (rentals/selfservice).
                TenantDeclaration.source == "landlord",
                TenantDeclaration.status == DeclarationStatus.PENDING,
            )
            .order_by(TenantDeclaration.id)
        )
    )


@dataclass(frozen=True)
class Match:
    """What the register holds for a declared number, for staff deciding on it."""

    person: Person | None
    #: Code of the unit where that person still has an open tenancy, if any.
    renting_in: str | None


def matches_for(session: Session, declarations: list[TenantDeclaration]) -> dict[int, Match]:
    """Declaration id -> Match, in two queries (staff only: this reads the register)."""
    numbers = {d.id_number for d in declarations}
    if not numbers:
        return {}
    people = {
        p.id_number: p
        for p in session.exec(select(Person).where(col(Person.id_number).in_(numbers)))
    }
    renting = dict(
        session.exec(
            select(Tenancy.person_id, Unit.code)
            .join(Unit, Unit.id == Tenancy.unit_id)
            .where(
                col(Tenancy.person_id).in_([p.id for p in people.values()]),
                col(Tenancy.moved_out).is_(None),
            )
        ).all()
    )
    result = {}
    for d in declarations:
        person = people.get(d.id_number)
        where = renting.get(person.id) if person is not None else None
        result[d.id] = Match(person, where)  # type: ignore[index]
    return result


def _require_staff(actor: User) -> None:
    if actor.role not in STAFF:
        raise NotAllowed(_l("只有民警、网格员或管理人员可以核实房东申报。"))


def _require_pending(declaration: TenantDeclaration) -> None:
    if declaration.status != DeclarationStatus.PENDING:
        raise Conflict(_l("这份入住申报已处理。"))


def confirm_declaration(
    session: Session, *, actor: User, declaration: TenantDeclaration, now: datetime
) -> Tenancy:
    """Attach the person with the declared number (or create them) and open the tenancy.

    Raises the register's Conflict, naming the other unit, while that person still rents
    elsewhere: staff end that tenancy first, or reject the declaration.
    """
    _require_staff(actor)
    _require_pending(declaration)
    if declaration.source != "landlord":
        raise Conflict(_l("这份入住申报已处理。"))
    unit = session.get(Unit, declaration.unit_id)
    assert unit is not None
    assert declaration.moved_in is not None
    person = session.exec(select(Person).where(Person.id_number == declaration.id_number)).first()
    if person is None:
        person = register.create_person(
            session,
            actor=actor,
            data=register.PersonData(
                name=declaration.name, id_number=declaration.id_number, phone=declaration.phone
            ),
        )
    tenancy = register.add_tenancy(
        session,
        actor=actor,
        unit=unit,
        person=person,
        moved_in=declaration.moved_in,
        registered=declaration.registered,
        source="landlord",
    )
    # Declared by the landlord, confirmed by staff just now.
    tenancy.confirmed = True
    session.add(tenancy)
    declaration.status = DeclarationStatus.CONFIRMED
    declaration.decided_by = actor.id
    declaration.decided_at = now
    declaration.tenancy_id = tenancy.id
    session.add(declaration)
    session.flush()
    audit.record(
        session,
        actor,
        "portal.tenant.declaration_confirmed",
        unit,
        {"declaration": declaration.id, "tenancy": tenancy.id, "person_id": person.id},
    )
    return tenancy


def mark_rejected(
    session: Session, *, actor: User, declaration: TenantDeclaration, reason: str, now: datetime
) -> str:
    """Set a pending declaration rejected with its reason (required, at most REASON_MAX
    characters, spaces folded); returns the reason as kept. The caller checks who may."""
    reason = " ".join((reason or "").split())
    if not reason:
        raise InvalidInput(_l("请写明驳回理由。"), field="reason")
    if len(reason) > REASON_MAX:
        raise InvalidInput(_l("理由最多 %(n)s 个字。", n=REASON_MAX), field="reason")
    declaration.status = DeclarationStatus.REJECTED
    declaration.decided_by = actor.id
    declaration.decided_at = now
    declaration.decision_reason = reason
    session.add(declaration)
    return reason


def reject_declaration(
    session: Session, *, actor: User, declaration: TenantDeclaration, reason: str, now: datetime
) -> None:
    """Record that staff did not accept the declaration, and why."""
    _require_staff(actor)
    _require_pending(declaration)
    reason = mark_rejected(session, actor=actor, declaration=declaration, reason=reason, now=now)
    unit = session.get(Unit, declaration.unit_id)
    audit.record(
        session,
        actor,
        "portal.tenant.declaration_rejected",
        unit,
        {"declaration": declaration.id, "reason": reason},
    )
