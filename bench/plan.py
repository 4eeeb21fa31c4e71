"""Planning at scale: the daily planner on the synthetic city, SQLite or PostgreSQL.

    python -m bench.plan [--units 100000] [--postgres] [--url URL]

Takes a private copy of the city of ``--units`` units (bench/city.py; built and cached on
first use), then times four runs of ``rentals.tasks.services.plan``: the first (every
unit gets two tasks), a rerun the same day (nothing to do), the next day's run and the
next Monday's (the weekly units' period starts). ``--postgres`` starts a throwaway
PostgreSQL server on a loopback port (tests/pgserver.py's machinery) and copies the city
into it (the register only: units, areas, people, users; the planner reads nothing else);
``--url`` names an empty PostgreSQL database instead. Prints times, rows/s and
the ratio of the first run to a raw ``sqlite3`` executemany of the same number of rows
into a table with one unique key, measured in the same run (the baseline of
PERFORMANCE.md, "Writing many rows"; target: 2.5x or less); on PostgreSQL also a raw
psycopg COPY of those rows into a table with one unique key, PostgreSQL's own floor.
"""

from __future__ import annotations

import argparse
import contextlib
import sqlite3
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import city  # noqa: E402
from bench.pg import postgres_server  # noqa: E402
from rentals import create_app, db  # noqa: E402
from rentals.config import TestConfig  # noqa: E402
from rentals.tasks import services  # noqa: E402

DAY = date(2027, 2, 3)
MONDAY = date(2027, 2, 8)


def baseline(rows: int, folder: Path) -> float:
    conn = sqlite3.connect(folder / "baseline.db", isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute(
        "CREATE TABLE t (unit_id INTEGER, kind TEXT, period_key TEXT, due TEXT, "
        "UNIQUE (unit_id, kind, period_key))"
    )
    data = [(n // 2, "routine", f"K{n % 2}", "2027-02-28") for n in range(rows)]
    started = time.perf_counter()
    conn.execute("BEGIN")
    conn.executemany("INSERT INTO t VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING", data)
    conn.execute("COMMIT")
    took = time.perf_counter() - started
    conn.close()
    return took


def pg_baseline(rows: int, url: str) -> float:
    """PostgreSQL's own floor for the same rows: psycopg COPY into a table with one
    unique key and no foreign keys (PERFORMANCE.md: 0.77 of the SQLite baseline)."""
    import psycopg

    data = [(n // 2, "routine", f"K{n % 2}", "2027-02-28") for n in range(rows)]
    with psycopg.connect(url.replace("postgresql+psycopg", "postgresql")) as conn:
        conn.execute(
            "CREATE TABLE bench_t (unit_id INTEGER, kind TEXT, period_key TEXT, due DATE, "
            "UNIQUE (unit_id, kind, period_key))"
        )
        conn.commit()
        started = time.perf_counter()
        with conn.cursor().copy("COPY bench_t FROM STDIN") as copy:
            for row in data:
                copy.write_row(row)
        conn.commit()
        took = time.perf_counter() - started
        conn.execute("DROP TABLE bench_t")
    return took


def timed_plan(app, today: date) -> tuple[float, services.PlanReport]:  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    with app.app_context(), db.unit_of_work() as session:
        report = services.plan(session, today=today)
    return time.perf_counter() - started, report


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--units", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--url", default=None, help="an empty PostgreSQL database")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, contextlib.ExitStack() as stack:
        folder = Path(tmp)
        started = time.perf_counter()
        if args.url or args.postgres:
            url = args.url or stack.enter_context(postgres_server())
            city.postgres_city(url, args.units, args.seed, tables=city.REGISTER)
            engine = "PostgreSQL"
        else:
            url = city.sqlite_city(args.units, folder, args.seed)
            engine = "SQLite"
        print(
            f"{engine} city of {args.units:,} units ready in {time.perf_counter() - started:.0f}s"
        )
        app = create_app({"DATABASE_URL": url}, base=TestConfig)
        first, report = timed_plan(app, DAY)
        rerun, again = timed_plan(app, DAY)
        following, nxt = timed_plan(app, DAY + timedelta(days=1))
        monday, boundary = timed_plan(app, MONDAY)
        app.extensions["rentals.db"][0].dispose()
        base = baseline(report.created, folder)
        pg = pg_baseline(report.created, url) if engine == "PostgreSQL" else None
        print(f"units: {args.units:,} ({engine})")
        print(f"first run: {first:.2f}s  {report}  {report.created / first:,.0f} rows/s")
        print(f"rerun same day: {rerun:.2f}s  {again}")
        print(f"next day: {following:.2f}s  {nxt}")
        print(f"next Monday: {monday:.2f}s  {boundary}")
        print(f"raw sqlite3 executemany of {report.created:,} rows: {base:.2f}s")
        if pg is not None:
            print(f"raw psycopg COPY of those rows into PostgreSQL: {pg:.2f}s ({pg / base:.2f}x)")
        print(f"first run / baseline: {first / base:.2f}x (target 2.5x)")


if __name__ == "__main__":
    main()
