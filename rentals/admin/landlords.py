"""Landlord logins from the register: every landlord of a community with a mobile number
and no login gets one (the mobile number) and a one-time password, printed on a sheet to
hand out at the next visit. Running it again creates nothing and resets nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlmodel import Session, select

from rentals import audit
from rentals.admin.reach import community_or_404
from rentals.admin.services import one_time_password
from rentals.auth.models import Role, User
from rentals.auth.services import create_user, normalise_login
from rentals.register.models import Area, Community, Person, Unit
from rentals.templating import mask_id_number

SHEET_TEMPLATE = "print/landlord_logins.html"


@dataclass(frozen=True)
class LandlordLogin:
    name: str
    masked_id: str
    units: list[str]
    login: str
    password: str


@dataclass
class LoginBatch:
    created: list[LandlordLogin] = field(default_factory=list)
    #: Landlords left without a login: (name, unit codes, reason code).
    skipped: list[tuple[str, str, str]] = field(default_factory=list)
    #: Landlords of the community that already had a login.
    existing: int = 0


def issue_landlord_logins(
    session: Session, *, actor: User | None, community: Community
) -> LoginBatch:
    """Logins for the community's landlords that have a mobile number and none yet."""
    community = community_or_404(session, actor, community.id)  # type: ignore[arg-type]
    rows = session.exec(
        select(Person, Unit.code)
        .join(Unit, Unit.landlord_id == Person.id)
        .join(Area, Area.id == Unit.area_id)
        .where(Area.community_id == community.id)
        .order_by(Person.name, Person.id, Unit.code)
    ).all()
    people: dict[int, Person] = {}
    units: dict[int, list[str]] = {}
    for person, code in rows:
        people.setdefault(person.id, person)  # type: ignore[arg-type]
        units.setdefault(person.id, []).append(code)  # type: ignore[arg-type]
    with_login = set(
        session.exec(select(User.person_id).where(User.person_id.in_(people)))  # type: ignore[union-attr]
    )
    batch = LoginBatch(existing=len(with_login))
    for person_id, person in people.items():
        if person_id in with_login:
            continue
        codes = units[person_id]
        if not person.phone:
            batch.skipped.append((person.name, "、".join(codes), "no_phone"))
            continue
        login = normalise_login(person.phone)
        if session.exec(select(User.id).where(User.username == login)).first() is not None:
            batch.skipped.append((person.name, "、".join(codes), "login_taken"))
            continue
        password = one_time_password()
        create_user(
            session,
            actor=actor,
            username=login,
            display_name=person.name,
            password=password,
            role=Role.LANDLORD,
            person_id=person_id,
            must_change_password=True,
        )
        batch.created.append(
            LandlordLogin(person.name, mask_id_number(person.id_number), codes, login, password)
        )
    audit.record(
        session,
        actor,
        "admin.landlord_logins.issued",
        community,
        {
            "created": [c.login for c in batch.created][:500],
            "skipped": len(batch.skipped),
            "existing": batch.existing,
        },
    )
    return batch


def sheet_pdf(batch: LoginBatch, *, community: Community, printed: date) -> bytes:
    """The hand-out sheet: one row per new login (the only copy of each password)."""
    from rentals.printing import render

    context = {
        "community": community.name,
        "community_bo": community.name_bo,
        "printed": printed.isoformat(),
        "rows": [
            {
                "name": row.name,
                "masked_id": row.masked_id,
                "units": "、".join(row.units),
                "login": row.login,
                "password": row.password,
            }
            for row in batch.created
        ],
    }
    return render.render_pdf(SHEET_TEMPLATE, context, locale="zh_Hans_CN")
