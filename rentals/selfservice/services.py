"""Tenants declare themselves; the landlord (or staff) confirms; only then the register changes.

Rules this module keeps:

- **The public answer says nothing.**  Filing reads nothing of the register and no person:
  the answer is the same for any number, known, unknown or renting elsewhere, and for a
  repeat of a declaration already pending (which files nothing new).  Only the unit's
  existence and status are checked, and a unit that does not exist or is withdrawn is
  refused plainly (the serial is on the door, so that says nothing about anyone).
- **Per unit, not only per client.**  At most ``SELF_DECLARATIONS_PER_UNIT_DAY`` public
  declarations a unit per 24 hours, counted in the database (every web worker agrees);
  the per-client limit is Flask-Limiter's, on the route.
- **The landlord confirms, staff verify.**  A landlord's confirmation of a move-in opens the
  tenancy as declared and not yet verified (``source="tenant"``, ``confirmed=False``): the
  unit file shows it so, no person's file opens through it, and the inspector verifies it at
  the door.  If the person still has an open tenancy elsewhere, the declaration stays pending
  for staff (marked confirmed by the landlord), and the landlord's answer and pages are the
  same as when the tenancy opened, so confirming cannot probe the register.  Staff confirming
  a tenant's declaration verify it at once.  A move-out closes the tenant's open tenancy in
  this unit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlmodel import Session, col, func, select

from rentals import audit
from rentals.auth.access import STAFF
from rentals.auth.models import Role, User
from rentals.errors import Conflict, DomainError, InvalidInput, NotAllowed, NotFound
from rentals.portal.declarations import mark_rejected
from rentals.portal.models import DeclarationStatus, TenantDeclaration
from rentals.printing.models import Plaque
from rentals.printing.plaques import new_serial
from rentals.register import services as register
from rentals.register.models import Person, Tenancy, Unit, UnitStatus
from rentals.selfservice.models import DoorSticker
from rentals.templating import mask_id_number

__all__ = [
    "SELF_DECLARATIONS_PER_UNIT_DAY",
    "SelfDeclaration",
    "TooMany",
    "confirm_self_declaration",
    "declare_self",
    "issue_sticker",
    "reject_self_declaration",
    "unit_for_serial",
    "verify_tenancy",
]

#: Public declarations a unit accepts in 24 hours (a family moving in is a few).
SELF_DECLARATIONS_PER_UNIT_DAY = 10
REASON_MAX = 500
#: How far back and ahead a declared date may lie.
DATE_WINDOW = (timedelta(days=366), timedelta(days=31))
TENANT, IN, OUT = "tenant", "in", "out"


class TooMany(DomainError):
    """Too many declarations for this unit today: the answer is a 429."""

    status = 429


def unit_for_serial(session: Session, serial: str) -> Unit:
    """The unit a plaque or door-sticker serial names; NotFound for an unknown serial and a
    withdrawn unit alike (both are refused plainly: the serial is printed on the door)."""
    key = serial.strip().upper()[:16]
    unit_id = session.exec(select(Plaque.unit_id).where(Plaque.serial == key)).first()
    if unit_id is None:
        unit_id = session.exec(
            select(DoorSticker.unit_id).where(
                DoorSticker.serial == key, col(DoorSticker.retired_at).is_(None)
            )
        ).first()
    unit = session.get(Unit, unit_id) if unit_id is not None else None
    if unit is None or unit.status == UnitStatus.WITHDRAWN:
        raise NotFound(_l("没有这个房屋，或该房屋已不再出租，不能在这里申报。"))
    return unit


@dataclass(frozen=True)
class SelfDeclaration:
    """What the tenant typed on the public page (already shape-checked by the form)."""

    kind: str  #: IN or OUT
    name: str
    id_number: str
    phone: str | None
    on: date  #: moved in (IN) or moved out (OUT)
    consent: bool


def declare_self(
    session: Session, *, unit: Unit, data: SelfDeclaration, now: datetime, today: date
) -> TenantDeclaration | None:
    """File a tenant's own declaration, pending the landlord; None for a repeat (no new row).

    The caller answers the same either way.  The date lies within ``DATE_WINDOW`` of today.
    """
    if not data.consent:
        raise InvalidInput(_l("请勾选同意，社区才能保存您的信息。"), field="consent")
    if data.kind not in (IN, OUT):
        raise InvalidInput(_l("申报类型无效。"))
    before, after = DATE_WINDOW
    if not today - before <= data.on <= today + after:
        raise InvalidInput(_l("日期应在一年前到一个月后之间。"), field="on")
    recent = session.exec(
        select(func.count())
        .select_from(TenantDeclaration)
        .where(
            TenantDeclaration.unit_id == unit.id,
            TenantDeclaration.source == TENANT,
            col(TenantDeclaration.declared_at) > now - timedelta(days=1),
        )
    ).one()
    if recent >= SELF_DECLARATIONS_PER_UNIT_DAY:
        raise TooMany(_l("这户今天的申报太多了，请明天再试，或联系房东、网格员。"))
    again = session.exec(
        select(TenantDeclaration.id).where(
            TenantDeclaration.unit_id == unit.id,
            TenantDeclaration.id_number == data.id_number,
            TenantDeclaration.kind == data.kind,
            TenantDeclaration.status == DeclarationStatus.PENDING,
        )
    ).first()
    if again is not None:
        return None
    declaration = TenantDeclaration(
        unit_id=unit.id,
        name=" ".join(data.name.split()),
        id_number=data.id_number,
        phone=data.phone,
        moved_in=data.on if data.kind == IN else None,
        moved_out=data.on if data.kind == OUT else None,
        source=TENANT,
        kind=data.kind,
        consented_at=now,
        declared_at=now,
    )
    session.add(declaration)
    session.flush()
    audit.record(
        session,
        None,
        "selfservice.tenant.declared",
        unit,
        {
            "declaration": declaration.id,
            "kind": data.kind,
            "id_number": mask_id_number(data.id_number),
            "on": data.on.isoformat(),
        },
    )
    return declaration


def _may_decide(actor: User, unit: Unit) -> bool:
    """The unit's landlord, or staff (the view has already scoped staff to the unit)."""
    if actor.role == Role.LANDLORD:
        return actor.person_id is not None and unit.landlord_id == actor.person_id
    return actor.role in STAFF


def _pending_self(declaration: TenantDeclaration) -> None:
    if declaration.source != TENANT or declaration.status != DeclarationStatus.PENDING:
        raise Conflict(_l("这份申报已处理。"))


def confirm_self_declaration(
    session: Session, *, actor: User, declaration: TenantDeclaration, now: datetime
) -> Tenancy | None:
    """The landlord or staff accept a tenant's declaration; returns the tenancy changed.

    A landlord's acceptance of a move-in whose person still rents elsewhere returns None
    and leaves the declaration to staff (see the module's rules).
    """
    unit = session.get(Unit, declaration.unit_id)
    assert unit is not None
    if not _may_decide(actor, unit):
        raise NotAllowed(_l("只有该房屋的房东或民警、网格员、管理人员可以确认。"))
    _pending_self(declaration)
    staff = actor.role in STAFF
    if declaration.kind == OUT:
        tenancy = _close_tenancy(session, actor=actor, unit=unit, declaration=declaration)
    else:
        tenancy, created = _open_tenancy(session, actor=actor, unit=unit, declaration=declaration)
        if tenancy is None:
            if staff:
                raise Conflict(
                    _l("此人仍登记住在其他房屋，请先在那里登记搬离，或驳回。"), field="person"
                )
            declaration.landlord_confirmed_at = now
            session.add(declaration)
            audit.record(
                session,
                actor,
                "selfservice.tenant.landlord_confirmed",
                unit,
                {"declaration": declaration.id, "left_to_staff": True},
            )
            return None
        if created:
            tenancy.confirmed = staff
        elif staff:
            tenancy.confirmed = True  # already living here: staff saw them
        session.add(tenancy)
    if not staff:
        declaration.landlord_confirmed_at = now
    declaration.status = DeclarationStatus.CONFIRMED
    declaration.decided_by = actor.id
    declaration.decided_at = now
    declaration.tenancy_id = tenancy.id
    session.add(declaration)
    session.flush()
    audit.record(
        session,
        actor,
        "selfservice.tenant.confirmed",
        unit,
        {
            "declaration": declaration.id,
            "kind": declaration.kind,
            "tenancy": tenancy.id,
            "verified": staff,
        },
    )
    return tenancy


def _open_tenancy(
    session: Session, *, actor: User, unit: Unit, declaration: TenantDeclaration
) -> tuple[Tenancy | None, bool]:
    """The tenancy of the declared person and whether it is new: their open one here, a new
    one (the person found or created), or None while they rent elsewhere."""
    person = session.exec(select(Person).where(Person.id_number == declaration.id_number)).first()
    current = register.open_tenancy_of(session, person) if person is not None else None
    if current is not None:
        return (current, False) if current.unit_id == unit.id else (None, False)
    if person is None:
        person = register.create_person(
            session,
            actor=actor,
            data=register.PersonData(
                name=declaration.name, id_number=declaration.id_number, phone=declaration.phone
            ),
        )
    assert declaration.moved_in is not None
    tenancy = register.add_tenancy(
        session,
        actor=actor,
        unit=unit,
        person=person,
        moved_in=declaration.moved_in,
        registered=False,
        source=TENANT,
    )
    return tenancy, True


def _close_tenancy(
    session: Session, *, actor: User, unit: Unit, declaration: TenantDeclaration
) -> Tenancy:
    """End the open tenancy in this unit of the person with the declared number."""
    tenancy = session.exec(
        select(Tenancy)
        .join(Person, Person.id == Tenancy.person_id)
        .where(
            Tenancy.unit_id == unit.id,
            col(Tenancy.moved_out).is_(None),
            Person.id_number == declaration.id_number,
        )
    ).first()
    if tenancy is None:
        raise Conflict(_l("本房屋的台账中没有这位在住租户，请驳回或联系网格员。"))
    assert declaration.moved_out is not None
    register.end_tenancy(session, actor=actor, tenancy=tenancy, moved_out=declaration.moved_out)
    return tenancy


def reject_self_declaration(
    session: Session, *, actor: User, declaration: TenantDeclaration, reason: str, now: datetime
) -> None:
    """The landlord or staff say the declaration is wrong, and why (the register is unchanged)."""
    unit = session.get(Unit, declaration.unit_id)
    assert unit is not None
    if not _may_decide(actor, unit):
        raise NotAllowed(_l("只有该房屋的房东或民警、网格员、管理人员可以确认。"))
    _pending_self(declaration)
    reason = mark_rejected(session, actor=actor, declaration=declaration, reason=reason, now=now)
    audit.record(
        session,
        actor,
        "selfservice.tenant.rejected",
        unit,
        {"declaration": declaration.id, "reason": reason},
    )


def verify_tenancy(session: Session, *, actor: User, tenancy: Tenancy) -> None:
    """An inspector saw the tenant at the door: a declared tenancy becomes verified."""
    if actor.role not in STAFF:
        raise NotAllowed(_l("只有民警、网格员或管理人员可以核实。"))
    if tenancy.confirmed:
        raise Conflict(_l("这位租户已核实。"))
    tenancy.confirmed = True
    session.add(tenancy)
    audit.record(session, actor, "selfservice.tenancy.verified", tenancy, {})


def issue_sticker(
    session: Session, *, actor: User | None, unit: Unit, now: datetime
) -> DoorSticker:
    """A new door sticker for ``unit``, retiring its older ones."""
    for old in session.exec(
        select(DoorSticker).where(
            DoorSticker.unit_id == unit.id, col(DoorSticker.retired_at).is_(None)
        )
    ):
        old.retired_at = now
        session.add(old)
    sticker = DoorSticker(
        unit_id=unit.id, serial=new_serial(), issued_at=now, issued_by=getattr(actor, "id", None)
    )
    session.add(sticker)
    session.flush()
    audit.record(session, actor, "selfservice.sticker.issued", unit, {"sticker": sticker.id})
    return sticker
