"""Register reads at scale: ratios against a point lookup by unit code, same run.

    .venv/bin/python -m bench.register [--units 1000000]

(run from the repository root; ``.venv/bin/python bench/register.py`` works too). Builds
a throwaway SQLite database through the migrations, fills it with raw executemany (the
fast path; the database's triggers keep the unit tally and address grams as it goes),
then times the register's own queries (rentals.register.listing.unit_page) as a manager
would use them: pages by number near either end and by cursor in the middle, every
search route, address terms of one, two, three and more characters, common and rare.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlmodel import Session, select  # noqa: E402

from rentals import create_app  # noqa: E402
from rentals.auth.models import User  # noqa: E402
from rentals.config import TestConfig  # noqa: E402
from rentals.db import build_engine  # noqa: E402
from rentals.migrate import upgrade  # noqa: E402
from rentals.register.listing import UnitFilter, encode_cursor, unit_page  # noqa: E402
from rentals.register.models import Unit  # noqa: E402

STATUSES = ["not_yet_rated", "three", "two", "two", "two", "one", "not_rated"]


def fill(url: str, units: int) -> None:
    engine = build_engine(url)
    upgrade(engine)
    rng = random.Random(1)
    now = datetime.now(UTC).replace(tzinfo=None)
    raw = engine.raw_connection()
    cur = raw.cursor()
    cur.execute("BEGIN")
    cur.execute("INSERT INTO community (id, name, name_bo, issuer) VALUES (1, 'c', '', '')")
    cur.executemany(
        "INSERT INTO area (id, community_id, name, name_bo) VALUES (?, 1, ?, '')",
        [(a, f"区{a:02d}") for a in range(1, 41)],
    )
    people = units // 5
    cur.executemany(
        "INSERT INTO person (id, name, id_number, id_tail, phone, address, created_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?, '', ?, ?)",
        (
            (
                p,
                f"房东{p}",
                f"54010219800101{p:04d}"[-18:],
                f"{p:04d}"[-4:],
                f"+86139{p:08d}",
                now,
                now,
            )
            for p in range(1, people + 1)
        ),
    )
    cur.executemany(
        "INSERT INTO unit (id, code, area_id, address, street, house_number, unit_type, rooms,"
        " status, landlord_id, rating_status, stars, created_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?, 'room', 2, 'active', ?, ?, ?, ?, ?)",
        (
            (
                u,
                f"C-{u:07d}",
                u % 40 + 1,
                f"幸福路{u % 997}巷{u}号",
                f"幸福路{u % 997}巷",
                u,
                rng.randint(1, people),
                status,
                {"three": 3, "two": 2, "one": 1, "not_rated": 0}.get(status),
                now,
                now,
            )
            for u in range(1, units + 1)
            for status in [STATUSES[u % len(STATUSES)]]
        ),
    )
    cur.execute(
        "INSERT INTO user (id, username, display_name, password_hash, role, is_active,"
        " must_change_password, session_token, created_at)"
        " VALUES (1, 'm', 'm', 'x', 'manager', 1, 0, '', ?)",
        (now,),
    )
    cur.execute("COMMIT")
    cur.execute("ANALYZE")
    raw.close()
    engine.dispose()


def timed(fn, repeat: int = 7) -> float:  # type: ignore[no-untyped-def]
    fn()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--units", type=int, default=1_000_000)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="rentals-bench-"))
    url = f"sqlite:///{tmp / 'bench.db'}"
    start = time.perf_counter()
    fill(url, args.units)
    engine = build_engine(url)
    with engine.begin() as conn:  # a manager sees only their communities' units
        conn.exec_driver_sql("INSERT INTO user_community (user_id, community_id) VALUES (1, 1)")
    engine.dispose()
    print(f"filled {args.units:,} units in {time.perf_counter() - start:.1f} s")
    app = create_app({"DATABASE_URL": url}, base=TestConfig)
    with app.app_context(), Session(app.extensions["rentals.db"][0]) as session:
        manager = session.get(User, 1)
        base = timed(lambda: session.exec(select(Unit).where(Unit.code == "C-0500000")).first())
        last_page = args.units // 50
        cases = {
            "list, first page (code order, with count)": UnitFilter(),
            "list, page 100": UnitFilter(page=100),
            f"list, last page ({last_page})": UnitFilter(page=last_page),
            "list, middle page (cursor)": UnitFilter(
                after=encode_cursor(0, (f"C-{args.units // 2:07d}",)), page=last_page // 2
            ),
            "filter area + rating": UnitFilter(area_id=7, rating_status="one"),
            "sort by stars": UnitFilter(sort="stars"),
            "sort by stars, last page": UnitFilter(sort="stars", page=last_page),
            "sort by address, descending": UnitFilter(sort="address", descending=True),
            "search code prefix": UnitFilter(q="C-05000"),
            "search phone": UnitFilter(q="13900012345"),
            "search identity tail": UnitFilter(q="2345"),
            "search landlord name prefix": UnitFilter(q="房东1234"),
            "search address substring": UnitFilter(q="幸福路996巷"),
            "search address, 1 char (every unit)": UnitFilter(q="巷"),
            "search address, 2 chars (0.1 %)": UnitFilter(q="路0"),
            "search address, 3 chars (every unit)": UnitFilter(q="幸福路"),
        }
        print(f"baseline: point lookup by code = {base * 1000:.3f} ms (1.0)")
        for name, flt in cases.items():
            t = timed(lambda flt=flt: unit_page(session, manager, flt), repeat=3)
            page = unit_page(session, manager, flt)
            total = f"{page.total:,}" if page.exact else f"~{page.total:,}"
            print(f"{name:<45} {t / base:10.0f} x  ({t * 1000:.1f} ms, total {total})")


if __name__ == "__main__":
    main()
