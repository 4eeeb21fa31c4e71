"""The demo community, shaped like Zhaxi: 160 units in a south and a north area.

Deterministic (a fixed seed), so screenshots, tests and the README's logins agree.
Identity numbers are synthetic but valid (region 540102, computed check character).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlmodel import Session, select

from rentals import clock
from rentals.auth.models import Role, User
from rentals.auth.services import create_user
from rentals.inspections.models import Inspection, Outcome
from rentals.ratings.services import card_of, ensure_default_scorecard, rate_inspection
from rentals.register import services
from rentals.register.models import Area, Community, Person, Unit, UnitType
from rentals.validators import id_check_character
from scoring import assess

DEMO_PASSWORD = "zhaxi2026"
UNITS_PER_AREA = 80
#: The split Zhaxi reported after a year of the scheme: 13 three-star, 141 two-star, 6 one-star.
STAR_SPLIT = {3: 13, 2: 141, 1: 6}
#: Items failed at the last inspection, per star count, chosen to look like field data:
#: three-star units miss little; two-star ones miss registration, leases, tidiness, a smoke
#: alarm, or an extinguisher / escape route (capped at two stars); one-star ones miss several.
FAILURES = {
    3: [(), (), (), ("L2",), ("S4",), ("S5",), ("M1",), ("L2", "S4")],
    2: [
        ("S3", "M1"),
        ("M1", "M2"),
        ("S3", "L2", "M2"),
        ("F2", "M1"),
        ("F1",),
        ("F3",),
        ("F1", "L2"),
        ("S3", "M2"),
        ("F2", "S3", "L2"),
        ("M2", "L2", "S4"),
        ("F5", "M2"),
        ("F4", "S3"),
        ("S2", "L2"),
        ("S3", "M1", "M2", "L2"),
        ("F3", "M2"),
    ],
    1: [
        ("F1", "F2", "S2", "S3"),
        ("F2", "F3", "F4", "S3", "M1"),
        ("S2", "S3", "M1", "M2", "L2"),
        ("F1", "F3", "F5", "M2", "M3"),
    ],
}
TIBETAN_NAMES = [
    "次仁",
    "扎西",
    "卓玛",
    "格桑",
    "央金",
    "达瓦",
    "平措",
    "德吉",
    "索朗",
    "洛桑",
    "白玛",
    "尼玛",
    "旦增",
    "拉姆",
    "多吉",
    "曲珍",
    "普布",
    "边巴",
    "仁增",
    "米玛",
]
HAN_SURNAMES = ["王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴"]
HAN_GIVEN = [
    "建国",
    "志强",
    "秀英",
    "丽华",
    "海涛",
    "春梅",
    "晓东",
    "玉兰",
    "国华",
    "文静",
    "明",
    "军",
    "芳",
    "磊",
    "艳",
]


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    note: str


def _name(rng: random.Random) -> str:
    if rng.random() < 0.7:
        return rng.choice(TIBETAN_NAMES) + rng.choice(TIBETAN_NAMES)
    return rng.choice(HAN_SURNAMES) + rng.choice(HAN_GIVEN)


def _id_number(rng: random.Random, serial: int) -> str:
    birth = date(1950, 1, 1) + timedelta(days=rng.randrange(0, 54 * 365))
    body = f"540102{birth:%Y%m%d}{serial % 1000:03d}"
    return body + id_check_character(body)


def _phone(serial: int) -> str:
    return f"+86139{8900_0000 + serial * 7919 % 1000_0000:08d}"


def is_seeded(session: Session) -> bool:
    return session.exec(select(Community.id)).first() is not None


def seed(session: Session, *, today: date) -> list[DemoLogin]:
    """Create the community, its people, units, tenants and one account per role."""
    rng = random.Random(20261122)
    community = Community(
        name="扎细社区", name_bo="བཀྲ་ཤིས་སྡོད་ཁུལ།", issuer="城关区扎细社区居委会 · 扎细警务室"
    )
    session.add(community)
    session.flush()
    south = Area(community_id=community.id, name="南区", name_bo="ལྷོ་ཕྱོགས།")
    north = Area(community_id=community.id, name="北区", name_bo="བྱང་ཕྱོགས།")
    session.add_all([south, north])
    session.flush()

    serial = 0

    def person() -> Person:
        nonlocal serial
        serial += 1
        data = services.PersonData(
            name=_name(rng),
            id_number=_id_number(rng, serial),
            phone=_phone(serial),
            address="拉萨市城关区",
        )
        return services.create_person(session, actor=None, data=data)

    # 130 landlords: the first 30 own two units each, the other 100 one each.
    landlords = [person() for _ in range(130)]
    owners = [p for p in landlords[:30] for _ in range(2)] + landlords[30:]
    rng.shuffle(owners)
    units: list[Unit] = []
    for area, prefix, street in ((south, "S", "扎细南路"), (north, "N", "扎细北路")):
        for n in range(1, UNITS_PER_AREA + 1):
            owner = owners[len(units)]
            lane = (n - 1) // 20 + 1
            unit = services.create_unit(
                session,
                actor=None,
                data=services.UnitData(
                    code=f"ZX-{prefix}-{n:03d}",
                    area_id=area.id,
                    address=f"{street}{lane}巷{n}号",
                    street=f"{street}{lane}巷",
                    house_number=n,
                    unit_type=rng.choice(list(UnitType)[:3]),
                    rooms=rng.randint(1, 6),
                    landlord_id=owner.id,
                ),
            )
            units.append(unit)
    for unit in units:
        for _ in range(rng.randint(1, 3)):
            services.add_tenancy(
                session,
                actor=None,
                unit=unit,
                person=person(),
                moved_in=today - timedelta(days=rng.randint(10, 900)),
                registered=rng.random() < 0.85,
            )

    demo_landlord = landlords[0]
    accounts = [
        ("admin", "系统管理员", Role.ADMIN, None, ()),
        ("manager", "社区管理员", Role.MANAGER, None, ()),
        ("police", "扎细警务室 民警", Role.INSPECTOR, None, (south.id,)),
        ("grid", "北区网格员", Role.INSPECTOR, None, (north.id,)),
        (
            (demo_landlord.phone or "").removeprefix("+86"),
            demo_landlord.name,
            Role.LANDLORD,
            demo_landlord.id,
            (),
        ),
    ]
    logins = []
    for username, display, role, person_id, areas in accounts:
        create_user(
            session,
            actor=None,
            username=username,
            display_name=display,
            password=DEMO_PASSWORD,
            role=role,
            person_id=person_id,
            area_ids=areas,
            # The demo manager belongs to the demo community (managers see only theirs).
            community_ids=(community.id,) if role == Role.MANAGER else (),  # type: ignore[arg-type]
        )
        logins.append(DemoLogin(username, role.value, display))
    inspectors = {
        south.id: _user(session, "police"),
        north.id: _user(session, "grid"),
    }
    seed_ratings(session, units=units, inspectors=inspectors, today=today)
    seed_incidents(session, units=units, inspectors=inspectors, today=today)
    from rentals.incentives.points import sweep_points  # the daily job's work, done once

    sweep_points(session, today=today)
    # The community lets landlords redeem points for the gift pack and the nomination.
    from rentals.incentives.redemptions import set_redeemable

    manager = session.exec(select(User).where(User.role == Role.MANAGER)).first()
    if manager is not None:
        for code, cost in (("R2", 5), ("R3", 10)):
            set_redeemable(
                session, actor=manager, community_id=community.id, code=code, cost=cost,
                today=today,
            )  # fmt: skip
    return logins


def seed_incidents(
    session: Session, *, units: list[Unit], inspectors: dict[int, User], today: date
) -> None:
    """A year of minor incidents, fewer each quarter (the outcome the scheme reports).

    Its own random source, so the rest of the demo stays the same whatever is added here."""
    from rentals.incidents.models import IncidentKind
    from rentals.incidents.services import record_incident

    rng = random.Random(20261207)
    kinds = list(session.exec(select(IncidentKind).where(IncidentKind.active)))
    for quarter, count in enumerate((8, 6, 4, 3)):
        for _ in range(count):
            unit = rng.choice(units)
            day = today - timedelta(days=360 - quarter * 90 - rng.randint(0, 89))
            record_incident(
                session,
                actor=inspectors[unit.area_id],
                unit=unit,
                kind=rng.choice(kinds),
                occurred_on=min(day, today),
                note="",
                resident_victim=rng.random() < 0.3,
                today=today,
            )


def _user(session: Session, username: str) -> User:
    return session.exec(select(User).where(User.username == username)).one()


def seed_ratings(
    session: Session, *, units: list[Unit], inspectors: dict[int, User], today: date
) -> None:
    """One completed inspection per unit, rated, giving exactly the Zhaxi split.

    The scorecard (version 1) is stored as active from a year back, so the visits of the last
    four weeks fall inside it; each visit is made by the inspector of the unit's area.
    """
    rng = random.Random(20261123)
    version = ensure_default_scorecard(session, today=today - timedelta(days=400))
    card = card_of(version)
    plan = [stars for stars, n in STAR_SPLIT.items() for _ in range(n)]
    assert len(plan) == len(units), "the split covers every demo unit"
    rng.shuffle(plan)
    tz = clock.zone()
    for index, (unit, stars) in enumerate(zip(units, plan, strict=True)):
        failed = set(rng.choice(FAILURES[stars]))
        answers = {item.code: "not_met" if item.code in failed else "met" for item in card.items}
        if rng.random() < 0.3:
            answers["F6"] = "na"  # no bottled gas in the house
        result = assess(card, answers)
        if result.stars != stars:  # n/a rescaling lifted a borderline pattern: keep gas
            answers["F6"] = "met" if "F6" not in failed else "not_met"
            result = assess(card, answers)
        assert result.stars == stars, (unit.code, sorted(failed), result.stars)
        day = today - timedelta(days=rng.randint(1, 27))
        local = datetime.combine(day, time(rng.randint(9, 17), rng.choice((0, 15, 30, 45))), tz)
        visited = local.astimezone(UTC)
        inspection = Inspection(
            unit_id=unit.id,
            inspector_id=inspectors[unit.area_id].id,
            scorecard_version_id=version.id,
            client_key=f"demo-{index:04d}",
            outcome=Outcome.COMPLETED,
            answers=answers,
            vetoes=[],
            visited_at=visited,
            created_at=visited,
        )
        session.add(inspection)
        session.flush()
        rate_inspection(session, inspection=inspection, now=visited)


def demo_users(session: Session) -> list[User]:
    return list(session.exec(select(User).order_by(User.id)))
