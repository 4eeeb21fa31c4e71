"""Test data built through the services, so tests never hold states the app cannot make."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import date

from sqlmodel import Session

from rentals.auth.models import Role, User
from rentals.auth.services import create_user
from rentals.register import services
from rentals.register.models import Area, Community, Person, Tenancy, Unit

# GB 11643 / ISO 7064 MOD 11-2, written here rather than taken from the product, so a
# wrong check in rentals.validators makes the factories' numbers fail instead of agree.
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def id_check(body: str) -> str:
    """The check character of 17 digits: weighted sum mod 11 looked up in '10X98765432'."""
    assert len(body) == 17 and body.isdigit(), body
    return "10X98765432"[sum(int(d) * w for d, w in zip(body, ID_WEIGHTS, strict=True)) % 11]


PASSWORD = "testpass123"
_serial = itertools.count(1)


def valid_id_number(serial: int | None = None, birth: str = "19900101") -> str:
    n = next(_serial) if serial is None else serial
    body = f"540102{birth}{n % 1000:03d}"
    return body + id_check(body)


def unique_id_number() -> str:
    n = next(_serial)
    year = 1940 + n // 1000 % 60
    return valid_id_number(n, birth=f"{year}0101")


def mobile(n: int | None = None) -> str:
    return f"+86139{(next(_serial) if n is None else n):08d}"


def make_community(session: Session, name: str | None = None) -> Community:
    community = Community(name=name or f"社区{next(_serial)}", name_bo="སྡོད་ཁུལ།")
    session.add(community)
    session.flush()
    return community


def make_area(
    session: Session, community: Community | None = None, name: str | None = None
) -> Area:
    community = community or make_community(session)
    area = Area(community_id=community.id, name=name or f"区域{next(_serial)}")
    session.add(area)
    session.flush()
    return area


def make_person(session: Session, name: str = "次仁", **kw) -> Person:  # type: ignore[no-untyped-def]
    data = services.PersonData(
        name=name,
        id_number=kw.get("id_number", unique_id_number()),
        phone=kw.get("phone", mobile()),
        address=kw.get("address", "拉萨市城关区"),
    )
    return services.create_person(session, actor=None, data=data)


def make_unit(session: Session, area: Area, landlord: Person | None = None, **kw) -> Unit:  # type: ignore[no-untyped-def]
    n = next(_serial)
    data = services.UnitData(
        code=kw.get("code", f"T-{n:05d}"),
        area_id=area.id,
        address=kw.get("address", f"测试路{n}号"),
        street=kw.get("street", "测试路"),
        house_number=kw.get("house_number", n),
        rooms=kw.get("rooms", 2),
        status=kw.get("status", "active"),
        landlord_id=landlord.id if landlord else None,
    )
    return services.create_unit(session, actor=None, data=data)


def make_tenancy(session: Session, unit: Unit, person: Person | None = None, **kw) -> Tenancy:  # type: ignore[no-untyped-def]
    return services.add_tenancy(
        session,
        actor=None,
        unit=unit,
        person=person or make_person(session, name="卓玛"),
        moved_in=kw.get("moved_in", date(2026, 1, 10)),
        registered=kw.get("registered", True),
    )


def make_user(
    session: Session,
    role: Role | str,
    *,
    areas: tuple[Area, ...] = (),
    person: Person | None = None,
    username: str | None = None,
    communities: tuple[Community, ...] = (),
) -> User:
    return create_user(
        session,
        actor=None,
        username=username or f"{Role(role).value}{next(_serial)}",
        display_name=f"测试{Role(role).value}",
        password=PASSWORD,
        role=role,
        person_id=person.id if person else None,
        area_ids=tuple(a.id for a in areas),
        community_ids=tuple(c.id for c in communities),  # type: ignore[misc]
    )


@dataclass
class World:
    """Two areas (A and B) with one unit each, landlords, tenants and one user per role."""

    area_a: Area
    area_b: Area
    unit_a: Unit
    unit_b: Unit
    landlord_a: Person
    landlord_b: Person
    tenant_a: Person
    tenancy_a: Tenancy
    users: dict[str, User] = field(default_factory=dict)


def make_world(session: Session) -> World:
    community = make_community(session)
    area_a = make_area(session, community, "甲区")
    area_b = make_area(session, community, "乙区")
    landlord_a = make_person(session, name="扎西")
    landlord_b = make_person(session, name="格桑")
    unit_a = make_unit(session, area_a, landlord_a)
    unit_b = make_unit(session, area_b, landlord_b)
    tenant_a = make_person(session, name="卓玛")
    tenancy_a = make_tenancy(session, unit_a, tenant_a)
    users = {
        "manager": make_user(session, Role.MANAGER, communities=(community,)),
        "admin": make_user(session, Role.ADMIN),
        "inspector_a": make_user(session, Role.INSPECTOR, areas=(area_a,)),
        "inspector_b": make_user(session, Role.INSPECTOR, areas=(area_b,)),
        "landlord_a": make_user(session, Role.LANDLORD, person=landlord_a),
        "landlord_b": make_user(session, Role.LANDLORD, person=landlord_b),
    }
    make_incident(session, unit_a, users["inspector_a"])
    return World(area_a, area_b, unit_a, unit_b, landlord_a, landlord_b, tenant_a, tenancy_a, users)


def make_incident(session: Session, unit: Unit, reporter: User, **kw: object) -> object:
    """An incident on ``unit`` of the first kind in the list, through the service."""
    from sqlmodel import select

    from rentals.incidents.models import IncidentKind
    from rentals.incidents.services import record_incident

    kind = session.exec(select(IncidentKind).order_by(IncidentKind.id)).first()
    args: dict[str, object] = {
        "kind": kind,
        "occurred_on": date(2026, 12, 1),
        "note": "",
        "resident_victim": False,
        "today": date(2026, 12, 7),
    }
    args.update(kw)
    return record_incident(session, actor=reporter, unit=unit, **args)  # type: ignore[arg-type]
