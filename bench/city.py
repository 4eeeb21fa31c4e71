"""A deterministic synthetic city shared by the benchmarks, built once per size and seed.

    python -m bench.city [--units 1000000] [--seed 1]

Prints where the cached city lives and what it holds (building it first if needed).
Benchmarks call ``sqlite_city`` (a private copy of the cached SQLite file, ready to
open) or ``postgres_city`` (the same rows copied into a PostgreSQL database with COPY).

What the city holds, all of it a function of ``units`` and ``seed`` only:

- communities of ``AREAS_PER_COMMUNITY`` areas, ``UNITS_PER_AREA`` units an area
  (a million units: 80 communities, 400 areas);
- units ``C-0000001`` …, all active, at ``幸福路<u % 997>巷<u>号``, rated 3/2/1 stars in the
  Zhaxi proportions 13/141/6 in every block of 160 consecutive units (shuffled inside
  the block);
- one landlord per ``UNITS_PER_LANDLORD`` units (``房东<n>``, mobile ``+86139<n:08d>``) and
  one tenant with an open tenancy in nine units of ten; every person has an identity
  number valid by GB 11643 (region, birth date, sequence, ISO 7064 MOD 11-2 check digit,
  computed here by ``id_number``, not by the product);
- a year of inspections before ``ANCHOR``: ``VISITS`` rated visits a unit by one of its
  area's inspectors, the newest giving the unit its stars (each visit's answers, score
  and breakdown are those of a checklist the scoring core rates at that many stars);
- users: ``admin`` (admin), ``m`` (manager of every community) and inspectors ``i001`` …
  (at least 50, one area each, every area served), all with the password ``PASSWORD``.

The cache is ``bench/.cache/city-<units>-s<seed>-<schema>.sqlite``; ``<schema>`` is a hash
of the migrations and of ``CITY_VERSION``, so a schema change builds a new city.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import shutil
import sqlite3
import sys
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

CACHE = ROOT / "bench" / ".cache"
#: Bump when what the city holds changes (the cache key carries it).
CITY_VERSION = "3"
ANCHOR = date(2026, 12, 1)
UNITS_PER_AREA = 2500
AREAS_PER_COMMUNITY = 5
UNITS_PER_LANDLORD = 4
VISITS = 1
MIN_INSPECTORS = 50
PASSWORD = "bench-city-2026"
#: Zhaxi: 13 three-star, 141 two-star and 6 one-star units of 160.
ZHAXI = [3] * 13 + [2] * 141 + [1] * 6
STATUS = {3: "three", 2: "two", 1: "one"}
#: Lhasa county codes valid for births from 1985 on (GB/T 2260).
REGIONS = ("540102", "540121", "540122", "540123", "540124", "540127")
_WEIGHTS = [pow(2, 17 - i, 11) for i in range(17)]
_CHECK = "10X98765432"


def id_number(region: str, born: date, sequence: int) -> str:
    """A GB 11643 citizen identity number: 6-digit region, YYYYMMDD, 3-digit sequence and
    the ISO 7064 MOD 11-2 check character."""
    body = f"{region}{born:%Y%m%d}{sequence:03d}"
    return body + _CHECK[sum(int(c) * w for c, w in zip(body, _WEIGHTS, strict=True)) % 11]


def person_id_number(n: int, rng: random.Random) -> str:
    """Person ``n``'s number: unique through (birth day, sequence) = divmod(n, 1000)."""
    day, seq = divmod(n, 1000)
    return id_number(rng.choice(REGIONS), date(1985, 1, 1) + timedelta(days=day), seq)


def counts(units: int) -> dict[str, int]:
    areas = max(1, -(-units // UNITS_PER_AREA))
    return {
        "units": units,
        "areas": areas,
        "communities": max(1, -(-areas // AREAS_PER_COMMUNITY)),
        "landlords": max(1, -(-units // UNITS_PER_LANDLORD)),
        "tenants": units - units // 10,
        "inspectors": max(MIN_INSPECTORS, areas),
        "inspections": units * VISITS,
    }


def _schema_key() -> str:
    digest = hashlib.sha1()
    for path in sorted((ROOT / "migrations" / "versions").glob("*.py")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    digest.update(CITY_VERSION.encode())
    return digest.hexdigest()[:10]


def cache_path(units: int, seed: int) -> Path:
    return CACHE / f"city-{units}-s{seed}-{_schema_key()}.sqlite"


def _ts(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def _stars(units: int, rng: random.Random) -> list[int]:
    stars: list[int] = []
    while len(stars) < units:
        block = ZHAXI[:]
        rng.shuffle(block)
        stars.extend(block)
    return stars[:units]


def visit_records() -> dict[int, tuple[str, str, str]]:
    """Per star level, one checklist giving it (answers JSON, breakdown JSON, score):
    everything met for three stars, then items failed in card order until the scoring
    core (``scoring.assess``) gives two stars, then one."""
    import json

    from scoring import assess, default_scorecard, display_score

    card = default_scorecard()
    answers = {item.code: "met" for item in card.items}
    out = {}
    for target in (3, 2, 1):
        for item in card.items:
            if assess(card, answers).stars <= target:
                break
            answers[item.code] = "not_met"
        result = assess(card, answers)
        assert result.stars == target, (target, result.stars)
        out[target] = (
            json.dumps(answers),
            json.dumps(result.to_dict(), ensure_ascii=False),
            str(display_score(result.score)),
        )
    return out


def inspectors_of_area(area: int, n: dict[str, int]) -> list[int]:
    """User ids of the inspectors serving ``area`` (1-based): inspector k (0-based, user id
    3 + k) serves area k % areas + 1."""
    return [3 + k for k in range(area - 1, n["inspectors"], n["areas"])]


def _fill(path: Path, units: int, seed: int) -> None:
    from argon2 import PasswordHasher

    from scoring import default_scorecard

    n = counts(units)
    rng = random.Random(seed)
    now = _ts(datetime.combine(ANCHOR, datetime.min.time(), UTC))
    conn = sqlite3.connect(path, isolation_level=None)
    cur = conn.cursor()
    cur.execute("PRAGMA journal_mode=OFF")
    cur.execute("PRAGMA synchronous=OFF")
    cur.execute("PRAGMA cache_size=-200000")
    cur.execute("BEGIN")
    cur.executemany(
        "INSERT INTO community (id, name, name_bo, issuer, police_station, public_url)"
        " VALUES (?, ?, '', '', '', '')",
        [(c, f"合成社区{c:03d}") for c in range(1, n["communities"] + 1)],
    )
    cur.executemany(
        "INSERT INTO area (id, community_id, name, name_bo) VALUES (?, ?, ?, '')",
        [(a, (a - 1) // AREAS_PER_COMMUNITY + 1, f"片区{a:04d}") for a in range(1, n["areas"] + 1)],
    )
    # One hash for every account (argon2 reads its parameters from the hash).
    password_hash = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(PASSWORD)
    users = [(1, "admin", "管理员", "admin"), (2, "m", "社区经理", "manager")]
    users += [
        (3 + k, f"i{k + 1:03d}", f"巡查员{k + 1}", "inspector") for k in range(n["inspectors"])
    ]
    cur.executemany(
        "INSERT INTO user (id, username, display_name, password_hash, role, is_active,"
        " must_change_password, session_token, created_at) VALUES (?, ?, ?, ?, ?, 1, 0, '', ?)",
        [(uid, name, display, password_hash, role, now) for uid, name, display, role in users],
    )
    cur.executemany(
        "INSERT INTO user_community (user_id, community_id) VALUES (2, ?)",
        [(c,) for c in range(1, n["communities"] + 1)],
    )
    cur.executemany(
        "INSERT INTO user_area (user_id, area_id) VALUES (?, ?)",
        [(3 + k, k % n["areas"] + 1) for k in range(n["inspectors"])],
    )
    card = default_scorecard()
    from rentals.ratings.services import default_scorecard_text

    cur.execute(
        "INSERT INTO scorecard_version (id, version, title, source, active_from, created_at)"
        " VALUES (1, ?, ?, ?, ?, ?)",
        (
            card.version,
            card.title.get("zh") or "",
            default_scorecard_text(),
            (ANCHOR - timedelta(days=400)).isoformat(),
            now,
        ),
    )

    people_rng = random.Random(seed * 7919 + 1)

    def people() -> Iterator[tuple]:
        for p in range(1, n["landlords"] + 1):
            number = person_id_number(p, people_rng)
            yield (p, f"房东{p}", number, number[-4:], f"+86139{p:08d}", "", now, now)
        for t in range(1, n["tenants"] + 1):
            p = n["landlords"] + t
            number = person_id_number(p, people_rng)
            yield (p, f"租户{t}", number, number[-4:], f"+86138{t:08d}", "", now, now)

    cur.executemany(
        "INSERT INTO person (id, name, id_number, id_tail, phone, address, created_at,"
        " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        people(),
    )
    stars = _stars(units, rng)
    landlords = n["landlords"]

    def unit_rows() -> Iterator[tuple]:
        for u in range(1, units + 1):
            s = stars[u - 1]
            yield (
                u,
                f"C-{u:07d}",
                (u - 1) // UNITS_PER_AREA + 1,
                f"幸福路{u % 997}巷{u}号",
                f"幸福路{u % 997}巷",
                u,
                rng.randint(1, landlords),
                STATUS[s],
                s,
                now,
                now,
            )

    cur.executemany(
        "INSERT INTO unit (id, code, area_id, address, street, house_number, unit_type,"
        " type_label, rooms, status, landlord_id, rating_status, stars, created_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?, 'room', '', 1, 'active', ?, ?, ?, ?, ?)",
        unit_rows(),
    )

    def tenancies() -> Iterator[tuple]:
        t = 0
        for u in range(1, units + 1):
            if u % 10 == 0:
                continue  # one unit in ten has no tenant
            t += 1
            moved_in = ANCHOR - timedelta(days=30 + (u * 37) % 700)
            yield (t, u, landlords + t, moved_in.isoformat(), u % 3 != 0, now)

    cur.executemany(
        "INSERT INTO tenancy (id, unit_id, person_id, moved_in, registered, source, confirmed,"
        " created_at) VALUES (?, ?, ?, ?, ?, 'staff', 1, ?)",
        tenancies(),
    )
    records = visit_records()
    anchor = datetime.combine(ANCHOR, datetime.min.time(), UTC)

    def visits() -> Iterator[tuple]:
        visit_rng = random.Random(seed * 104729 + 2)  # the same visits on every pass
        iid = 0
        for u in range(1, units + 1):
            staff = inspectors_of_area((u - 1) // UNITS_PER_AREA + 1, n)
            first = visit_rng.randint(1, 365 // VISITS)
            for k in range(VISITS):
                iid += 1
                # Oldest first, the newest within the last half year: ids grow with time
                # per unit, so the newest rating (unit, id) is the last visit's.
                days = first + (VISITS - 1 - k) * (365 // VISITS)
                at = _ts(anchor - timedelta(days=days, hours=visit_rng.randint(0, 9)))
                s = stars[u - 1] if k == VISITS - 1 else visit_rng.choice(ZHAXI)
                yield iid, u, staff[iid % len(staff)], f"city-{u}-{k}", at, s

    cur.executemany(
        "INSERT INTO inspection (id, unit_id, inspector_id, scorecard_version_id, client_key,"
        " outcome, answers, vetoes, notes, visited_at, created_at, summary)"
        " VALUES (?, ?, ?, 1, ?, 'completed', ?, '[]', '{}', ?, ?, '')",
        ((iid, u, who, key, records[s][0], at, at) for iid, u, who, key, at, s in visits()),
    )
    cur.executemany(
        "INSERT INTO rating (id, unit_id, inspection_id, scorecard_version_id, score, stars,"
        " status, breakdown, rated_at) VALUES (?, ?, ?, 1, ?, ?, ?, ?, ?)",
        (
            (iid, u, iid, records[s][2], s, STATUS[s], records[s][1], at)
            for iid, u, _w, _k, at, s in visits()
        ),
    )
    cur.execute("COMMIT")
    cur.execute("ANALYZE")
    cur.execute("PRAGMA journal_mode=WAL")
    conn.close()


def build(units: int, seed: int = 1, *, quiet: bool = False) -> Path:
    """The cached city's SQLite file, built through the migrations first if missing."""
    from rentals.db import build_engine
    from rentals.migrate import upgrade

    path = cache_path(units, seed)
    if path.exists():
        return path
    CACHE.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(f".partial{os.getpid()}")
    partial.unlink(missing_ok=True)
    started = time.perf_counter()
    engine = build_engine(f"sqlite:///{partial}")
    upgrade(engine)
    engine.dispose()
    _fill(partial, units, seed)
    for suffix in ("-wal", "-shm"):
        Path(str(partial) + suffix).unlink(missing_ok=True)
    partial.rename(path)
    if not quiet:
        took = time.perf_counter() - started
        print(f"city of {units:,} units (seed {seed}) built in {took:.0f}s")
    return path


def sqlite_city(units: int, folder: Path, seed: int = 1, name: str = "city.db") -> str:
    """A private copy of the cached city in ``folder``; returns its database URL."""
    target = Path(folder) / name
    shutil.copyfile(build(units, seed), target)
    return f"sqlite:///{target}"


#: Tables copied into PostgreSQL, parents first.
TABLES = (
    "community",
    "area",
    "user",
    "user_community",
    "user_area",
    "scorecard_version",
    "person",
    "unit",
    "tenancy",
    "inspection",
    "rating",
)


#: What the planner reads: the register without its people's history.
REGISTER = TABLES[:8]


def postgres_city(url: str, units: int, seed: int = 1, tables: tuple[str, ...] = TABLES) -> str:
    """Migrate the (empty) PostgreSQL database at ``url`` and COPY the city (or only
    ``tables`` of it, parents first) into it."""
    from sqlalchemy import text

    from rentals.db import build_engine
    from rentals.migrate import upgrade

    source = sqlite3.connect(build(units, seed))
    engine = build_engine(url)
    upgrade(engine)
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        cur.execute("SET TIME ZONE 'UTC'")
        for table in tables:
            columns = [row[1] for row in source.execute(f'PRAGMA table_info("{table}")')]
            names = ", ".join(f'"{c}"' for c in columns)
            # Table and column names come from TABLES and the schema, never from input.
            rows = source.execute(f'SELECT {names} FROM "{table}"')  # noqa: S608
            with cur.copy(f'COPY "{table}" ({names}) FROM STDIN') as copy:
                for row in rows:
                    copy.write_row([None if v is None else str(v) for v in row])
        raw.commit()
    finally:
        raw.close()
    with engine.begin() as conn:
        for table in tables:
            if table in ("user_community", "user_area"):
                continue
            sql = (
                f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "  # noqa: S608
                f'(SELECT COALESCE(MAX(id), 1) FROM "{table}"))'
            )
            conn.execute(text(sql))
        conn.execute(text("ANALYZE"))
    engine.dispose()
    source.close()
    return url


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--units", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    path = build(args.units, args.seed)
    print(f"{path} ({path.stat().st_size / 2**20:,.0f} MB)")
    for name, value in counts(args.units).items():
        print(f"  {name}: {value:,}")


if __name__ == "__main__":
    main()
