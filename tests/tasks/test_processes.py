"""Planner processes against a real database file or server: concurrency and crashes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from rentals import create_app, db
from rentals.config import TestConfig
from rentals.db import build_engine
from rentals.migrate import upgrade
from rentals.tasks.models import Task
from tests.conftest import fresh_database_url
from tests.tasks.helpers import seed_zhaxi
from tests.tasks.synthetic import add_register

ROOT = Path(__file__).resolve().parents[2]
DAY = "2027-02-01"


@pytest.fixture
def url(tmp_path_factory, tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    database = fresh_database_url(tmp_path_factory)
    engine = build_engine(database)
    upgrade(engine)
    engine.dispose()
    monkeypatch.setenv("RENTALS_INSTANCE_PATH", str(tmp_path / "instance"))
    return database


def _planner(url: str, **env: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.tasks.planner_proc", url, DAY],
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _counts(url: str) -> tuple[int, int]:
    """All task rows, and rows sharing a (unit, kind, period key) with another."""
    engine = build_engine(url)
    with engine.connect() as conn:
        total = conn.scalar(select(func.count()).select_from(Task))
        duplicated = conn.scalar(
            text(
                "SELECT count(*) FROM (SELECT unit_id, kind, period_key FROM task "
                "GROUP BY unit_id, kind, period_key HAVING count(*) > 1) AS d"
            )
        )
    engine.dispose()
    return int(total or 0), int(duplicated or 0)


def test_four_planners_started_together_leave_no_duplicate(url):
    app = create_app({"DATABASE_URL": url}, base=TestConfig)
    with app.app_context(), db.unit_of_work() as session:
        seed_zhaxi(session)
    db.engine_of(app).dispose()

    planners = [_planner(url) for _ in range(4)]
    results = [p.communicate(timeout=300) for p in planners]
    assert [p.returncode for p in planners] == [0, 0, 0, 0], [err[-2000:] for _o, err in results]
    # 160 units, each with this period's task and the next one, each exactly once.
    assert _counts(url) == (320, 0)
    created = sorted(int(out.split("created=")[1].split()[0]) for out, _err in results)
    assert sum(created) == 320 and created[-1] > 0


def test_a_planner_killed_halfway_is_completed_by_the_next_run(url):
    units = 12_000  # 24,000 rows: five insert batches, with a pause after each
    engine = build_engine(url)
    with engine.begin() as conn:
        add_register(conn, units)
    engine.dispose()

    slow = _planner(url, RENTALS_PLAN_BATCH_SLEEP="60")
    assert slow.stderr is not None
    for line in slow.stderr:  # wait until the first batch is written, then kill it
        if "batch of" in line:
            break
    else:
        pytest.fail("the planner ended before writing a batch: " + str(slow.wait()))
    slow.send_signal(signal.SIGKILL)
    slow.wait(timeout=60)
    slow.stderr.close()
    slow.stdout.close()  # type: ignore[union-attr]
    assert slow.returncode == -signal.SIGKILL
    assert _counts(url)[0] < 2 * units

    again = _planner(url)
    out, err = again.communicate(timeout=600)
    assert again.returncode == 0, err[-2000:]
    assert _counts(url) == (2 * units, 0)
    rerun = _planner(url)
    out, err = rerun.communicate(timeout=600)
    assert rerun.returncode == 0, err[-2000:]
    assert "created=0" in out
    assert _counts(url) == (2 * units, 0)
