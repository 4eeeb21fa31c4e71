"""Planning at scale: the set-based planner on a synthetic register, SQLite by default.

    .venv/bin/python bench/plan.py [--units 100000] [--url URL]

Builds a throwaway database through the migrations, adds ``--units`` active units rated
in the Zhaxi proportions (13/141/6 per 160), then times three runs of
``rentals.tasks.services.plan``: the first (every unit gets two tasks), a rerun the same
day (nothing to do), and the next day's run. Prints times, rows/s and the ratio of the
first run to a raw ``sqlite3`` executemany of the same number of rows (the baseline of
PERFORMANCE.md, "Writing many rows").
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

# Run as a script, Python puts bench/ on the path, not the checkout: the synthetic register
# builder is shared with the tests, so the checkout's root goes first.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rentals import create_app, db  # noqa: E402
from rentals.config import TestConfig  # noqa: E402
from rentals.db import build_engine  # noqa: E402
from rentals.migrate import upgrade  # noqa: E402
from rentals.tasks import services  # noqa: E402
from tests.tasks.synthetic import add_register  # noqa: E402

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
    return time.perf_counter() - started


def timed_plan(app, today: date) -> tuple[float, services.PlanReport]:  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    with app.app_context(), db.unit_of_work() as session:
        report = services.plan(session, today=today)
    return time.perf_counter() - started, report


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--units", type=int, default=100_000)
    parser.add_argument("--url", default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        url = args.url or f"sqlite:///{folder / 'plan.db'}"
        engine = build_engine(url)
        upgrade(engine)
        with engine.begin() as conn:
            add_register(conn, args.units)
        engine.dispose()
        app = create_app({"DATABASE_URL": url}, base=TestConfig)
        first, report = timed_plan(app, DAY)
        rerun, again = timed_plan(app, DAY)
        following, nxt = timed_plan(app, DAY + timedelta(days=1))
        monday, boundary = timed_plan(app, MONDAY)
        base = baseline(report.created, folder)
        print(f"units: {args.units}")
        print(f"first run: {first:.2f}s  {report}  {report.created / first:,.0f} rows/s")
        print(f"rerun same day: {rerun:.2f}s  {again}")
        print(f"next day: {following:.2f}s  {nxt}")
        print(f"next Monday: {monday:.2f}s  {boundary}")
        print(f"raw sqlite3 executemany of {report.created} rows: {base:.2f}s")
        print(f"first run / baseline: {first / base:.1f}x")


if __name__ == "__main__":
    main()
