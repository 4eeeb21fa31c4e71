"""A large import does not hold other writers off (issue 14.6): it writes in batches,
each its own short transaction, and another connection's small writes go through
between them. Runs on a database of its own (the shared test database keeps every test
inside one transaction, where nothing is ever committed)."""

from __future__ import annotations

import csv
import io
import threading
import time

import pytest
from sqlalchemy import text

from rentals import create_app, db
from rentals.cli import main
from rentals.config import TestConfig
from rentals.migrate import upgrade
from rentals.register.models import Area, Community
from tests import factories
from tests.conftest import fresh_database_url
from tests.register.ledgers import UNIT_HEADERS

ROWS = 20_000


def _ledger(n: int) -> bytes:
    buf = io.StringIO(newline="")
    out = csv.writer(buf)
    out.writerow(UNIT_HEADERS)
    for i in range(n):
        owner = i // 4
        body = f"540102{1950 + owner // 1000 % 50}0101{owner % 1000:03d}"
        out.writerow(
            [
                f"BIG-{i:06d}",
                "南区" if i % 2 else "北区",
                f"扎细路{i}号",
                "单间",
                "2",
                "",
                f"房东{owner}",
                body + factories.id_check(body),
                f"139{owner:08d}",
            ]
        )
    return buf.getvalue().encode()


@pytest.mark.slow
def test_other_writers_get_through_while_a_large_import_applies(tmp_path_factory, tmp_path):
    url = fresh_database_url(tmp_path_factory)
    engine = db.build_engine(url)
    upgrade(engine)
    engine.dispose()
    app = create_app({"DATABASE_URL": url}, base=TestConfig)
    with app.app_context(), db.unit_of_work() as session:
        community = Community(name="扎细社区")
        session.add(community)
        session.flush()
        session.add_all([Area(community_id=community.id, name=n) for n in ("南区", "北区")])
    path = tmp_path / "big.csv"
    path.write_bytes(_ledger(ROWS))

    writer_engine = db.build_engine(url)
    done = threading.Event()
    writes: list[tuple[float, int]] = []  # (seconds the write took, units it saw)
    failures: list[BaseException] = []

    def writer() -> None:
        n = 0
        while not done.is_set():
            n += 1
            start = time.perf_counter()
            try:
                with writer_engine.begin() as conn:
                    units = conn.execute(text("SELECT count(*) FROM unit")).scalar_one()
                    conn.execute(
                        text("INSERT INTO community (name, name_bo, issuer) VALUES (:n, '', '')"),
                        {"n": f"并发写入{n}"},
                    )
            except BaseException as err:  # noqa: BLE001 - reported below
                failures.append(err)
                return
            writes.append((time.perf_counter() - start, units))
            time.sleep(0.05)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        started = time.perf_counter()
        result = app.test_cli_runner().invoke(
            main, ["import-units", str(path), "--apply", "--community", "扎细社区"]
        )
        elapsed = time.perf_counter() - started
    finally:
        done.set()
        thread.join()
        writer_engine.dispose()
    assert result.exit_code == 0, result.output
    assert f"units: {ROWS} created" in result.output
    assert not failures, failures
    with db.engine_of(app).connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM unit")).scalar_one() == ROWS
        landed = conn.execute(
            text("SELECT count(*) FROM community WHERE name LIKE '并发写入%'")
        ).scalar_one()
    assert landed == len(writes) > 0
    # Writes happened between the import's batches, not only before or after it.
    between = [w for w in writes if 0 < w[1] < ROWS]
    assert len(between) >= 2, (elapsed, writes[:5])
    # None waited for the whole import: at most about one batch.
    slowest = max(seconds for seconds, _ in writes)
    assert slowest < max(elapsed / 3, 1.0), (slowest, elapsed)
    print(f"\n{ROWS} rows in {elapsed:.1f} s; {len(writes)} writes, slowest {slowest:.2f} s")
    db.engine_of(app).dispose()
