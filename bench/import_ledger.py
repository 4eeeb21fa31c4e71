"""Ledger import at scale: rows per second for dry run, apply and re-import.

    .venv/bin/python bench/import_ledger.py [--rows 10000] [--url postgresql+psycopg://…]
    .venv/bin/python -m tests.pgserver .venv/bin/python bench/import_ledger.py

Builds a throwaway SQLite database through the migrations (or uses --url, else
RENTALS_TEST_DATABASE_URL as set by tests.pgserver; either must be an empty
database), generates a units ledger (a landlord per three units) and a tenants ledger
of the same size, and imports each three times: dry run, apply, apply again (which
must change nothing).

Measured 2026-11-22 (10,000 rows, 2 CPUs, PostgreSQL from tests.pgserver), seconds for
apply (plan + write), before → after the batch services:
    SQLite      units 15.3 → 4.7    tenants 19.3 → 4.9
    PostgreSQL  units 20.4 → 6.0    tenants 32.8 → 10.3

Since 2026-12-04 the apply writes in batches (``importer.BATCH_SIZE`` rows per
transaction, the lock left free between them, as the page and the CLI do); a second
connection meanwhile writes one row every 50 ms and the slowest of those writes is
printed as "writer waited": about one batch, not the whole import (issue 14.6).
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import tempfile
import threading
import time

from sqlalchemy import text

from rentals import create_app, db
from rentals.config import TestConfig
from rentals.migrate import upgrade
from rentals.register.importer import batch_commits, run_import
from rentals.register.ledger import TENANT_COLUMNS, UNIT_COLUMNS
from rentals.register.models import Area, Community
from rentals.validators import id_check_character


def _id_number(n: int) -> str:
    body = f"540102{1950 + n // 1000 % 50}0101{n % 1000:03d}"
    return body + id_check_character(body)


def _csv(rows: list[list[str]]) -> bytes:
    buf = io.StringIO(newline="")
    csv.writer(buf).writerows(rows)
    return buf.getvalue().encode("utf-8")


def ledgers(n: int) -> tuple[bytes, bytes]:
    units = [[c.header for c in UNIT_COLUMNS]]
    tenants = [[c.header for c in TENANT_COLUMNS]]
    for i in range(n):
        owner = i // 3
        units.append(
            [
                f"B-{i:06d}",
                "南区" if i % 2 else "北区",
                f"扎细路{i}号",
                "单间",
                "2",
                "30.5",
                f"房东{owner}",
                _id_number(owner),
                f"139{owner:08d}",
            ]
        )
        tenants.append(
            [f"B-{i:06d}", f"租户{i}", _id_number(20000 + i), f"138{i:08d}", "2026-01-05", "是"]
        )
    return _csv(units), _csv(tenants)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10000)
    parser.add_argument("--url", default=os.environ.get("RENTALS_TEST_DATABASE_URL", ""))
    args = parser.parse_args()
    url = args.url or f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    app = create_app({"DATABASE_URL": url, "CHECK_SCHEMA": False}, base=TestConfig)
    upgrade(db.engine_of(app))
    units, tenants = ledgers(args.rows)
    with app.app_context():
        with db.unit_of_work() as session:
            community = Community(name="扎细")
            session.add(community)
            session.flush()
            session.add_all([Area(community_id=community.id, name=n) for n in ("南区", "北区")])
        for kind, data in (("units", units), ("tenants", tenants)):
            for label, apply in (("dry run", False), ("apply", True), ("again", True)):
                waits: list[float] = []
                done = threading.Event()
                writer = threading.Thread(target=_writer, args=(url, done, waits))
                writer.start()
                start = time.perf_counter()
                try:
                    with db.unit_of_work(write=False) as session:
                        report = run_import(
                            session,
                            actor=None,
                            kind=kind,
                            data=data,
                            apply=apply,
                            next_transaction=batch_commits(session),
                        )
                    seconds = time.perf_counter() - start
                finally:
                    done.set()
                    writer.join()
                counts = {k: dict(v) for k, v in report.counts().items()}
                print(
                    f"{kind:8} {label:8} {args.rows} rows {seconds:7.2f} s "
                    f"{args.rows / seconds:7.0f} rows/s ok={report.ok} batches={report.batches} "
                    f"writer waited ≤{max(waits, default=0):.2f} s over {len(waits)} writes "
                    f"{counts}"
                )


def _writer(url: str, done: threading.Event, waits: list[float]) -> None:
    """Another writer: one small committed write every 50 ms, timed."""
    engine = db.build_engine(url)
    n = 0
    while not done.is_set():
        n += 1
        start = time.perf_counter()
        with engine.begin() as conn:
            conn.execute(
                text("INSERT INTO community (name, name_bo, issuer) VALUES (:n, '', '')"),
                {"n": f"bench-writer-{time.time_ns()}-{n}"},
            )
        waits.append(time.perf_counter() - start)
        time.sleep(0.05)
    engine.dispose()


if __name__ == "__main__":
    main()
