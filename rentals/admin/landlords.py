"""Landlord logins from the register: every landlord of a community with a mobile number
and no login gets one (the mobile number) and a one-time password, printed on a sheet to
hand out at the next visit. Running it again creates nothing and resets nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import distinct, func
from sqlmodel import Session, select

from rentals import audit
from rentals.admin.reach import community_or_404
from rentals.admin.services import one_time_password
from rentals.auth.models import Role, User
from rentals.auth.services import create_user, normalise_login
from rentals.register.models import Area, Community, Person, Unit
from rentals.templating import mask_id_number

SHEET_TEMPLATE = "print/landlord_logins.html"
#: Logins per click on the page: each Argon2 hash takes 0.1-1 s, so a page answers in
#: seconds; the sheet says how many remain for the next click.
PAGE_BATCH = 25


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
    #: Landlords that could get a login but were left for the next run (``limit``).
    remaining: int = 0


def issue_landlord_logins(
    session: Session, *, actor: User | None, community: Community, limit: int | None = None
) -> LoginBatch:
    """Logins for the community's landlords that have a mobile number and none yet, at
    most ``limit`` of them (each password hash costs a fraction of a second, so a page
    does a batch per click; running again continues where the last run stopped)."""
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
    logins = {pid: normalise_login(p.phone) for pid, p in people.items() if p.phone}
    taken = set(
        session.exec(select(User.username).where(User.username.in_(set(logins.values()))))  # type: ignore[attr-defined]
    )
    batch = LoginBatch(existing=len(with_login))
    for person_id, person in people.items():
        if person_id in with_login:
            continue
        codes = units[person_id]
        login = logins.get(person_id)
        if login is None:
            batch.skipped.append((person.name, "、".join(codes), "no_phone"))
            continue
        if login in taken:
            batch.skipped.append((person.name, "、".join(codes), "login_taken"))
            continue
        if limit is not None and len(batch.created) >= limit:
            batch.remaining += 1
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
        taken.add(login)
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
            "remaining": batch.remaining,
        },
    )
    return batch


def pending_counts(session: Session, community_ids: list[int]) -> dict[int, int]:
    """Per community: landlords with a mobile number and no login yet (one query)."""
    if not community_ids:
        return {}
    with_login = select(User.person_id).where(User.person_id.is_not(None))  # type: ignore[union-attr]
    rows = session.exec(
        select(Area.community_id, func.count(distinct(Person.id)))
        .join(Unit, Unit.landlord_id == Person.id)
        .join(Area, Area.id == Unit.area_id)
        .where(
            Area.community_id.in_(community_ids),  # type: ignore[attr-defined]
            Person.phone.is_not(None),  # type: ignore[union-attr]
            Person.id.not_in(with_login),  # type: ignore[union-attr]
        )
        .group_by(Area.community_id)
    )
    return dict(rows.all())


def sheet_pdf(batch: LoginBatch, *, community: Community, printed: date) -> bytes:
    """The hand-out sheet: one row per new login (the only copy of each password)."""
    from rentals.printing import render

    context = {
        "community": community.name,
        "community_bo": community.name_bo,
        "printed": printed.isoformat(),
        "remaining": batch.remaining,
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
