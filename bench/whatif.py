"""What-if over a city: the queued run against a raw read of the same rows, same run.

    .venv/bin/python bench/whatif.py [--units 100000]

Builds a throwaway SQLite database through the migrations and fills it as
``bench/dashboard.py`` does (two rated inspections per unit), uploads a draft scorecard
whose three-star band is 95, then times

- the baseline: ``sqlite3`` reading the rows the what-if reads (newest rating per unit
  with its inspection's answers), nothing else;
- the job a manager starts from the page, run by the queue's own ``run`` as
  ``rentals worker`` runs it (rows streamed to the CSV kept in the database);

and, for comparison, the in-request what-if that keeps every row. The job and the
in-request run each run in a fresh process, which reports its peak memory; the script
prints the ratio, the counts and both peaks.
"""

from __future__ import annotations

import argparse
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import update  # noqa: E402
from sqlmodel import select  # noqa: E402

from bench.dashboard import fill  # noqa: E402
from rentals import create_app, db, queue  # noqa: E402
from rentals.config import TestConfig  # noqa: E402
from rentals.db import build_engine  # noqa: E402
from rentals.inspections.models import Inspection  # noqa: E402
from rentals.migrate import upgrade  # noqa: E402
from rentals.queue.models import Job  # noqa: E402
from rentals.ratings import whatif_jobs  # noqa: E402
from rentals.ratings.models import ScorecardVersion  # noqa: E402
from rentals.ratings.services import upload_scorecard  # noqa: E402
from rentals.ratings.whatif import what_if  # noqa: E402
from tests.ratings.helpers import answers, card_text  # noqa: E402

RAW = """
SELECT u.code, a.name, r.status, r.stars, r.score, i.outcome, i.answers, i.vetoes
FROM rating r JOIN unit u ON u.id = r.unit_id JOIN area a ON a.id = u.area_id
JOIN inspection i ON i.id = r.inspection_id
WHERE r.id IN (SELECT max(id) FROM rating GROUP BY unit_id) AND u.status != 'withdrawn'
ORDER BY a.name, u.code
"""


def peak_mb() -> float:
    """This process's peak resident memory (VmHWM: unlike ``ru_maxrss`` it starts
    afresh at exec, so a child does not report the builder's peak)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


def baseline(path: Path) -> tuple[float, int]:
    started = time.perf_counter()
    with sqlite3.connect(path) as conn:
        cursor = conn.execute(RAW)
        rows = 0
        while batch := cursor.fetchmany(5000):
            rows += len(batch)
    return time.perf_counter() - started, rows


def _app(url: str):  # type: ignore[no-untyped-def]
    return create_app({"DATABASE_URL": url}, base=TestConfig)


def run_job(url: str, job_id: str) -> None:
    """In a fresh process, as a worker: time the job and report its peak memory."""
    app = _app(url)
    before = peak_mb()
    started = time.perf_counter()
    queue.run(app, job_id)
    print(time.perf_counter() - started, peak_mb() - before, peak_mb())


def run_inline(url: str, version: int) -> None:
    """In a fresh process, as a web worker answering the page: every row kept."""
    app = _app(url)
    before = peak_mb()
    with app.app_context(), db.unit_of_work(write=False) as session:
        draft = session.exec(
            select(ScorecardVersion).where(ScorecardVersion.version == version)
        ).one()
        started = time.perf_counter()
        what_if(session, draft=draft)
        print(time.perf_counter() - started, peak_mb() - before, peak_mb())


def _child(*argv: str) -> tuple[float, float, float]:
    out = subprocess.run(
        [sys.executable, __file__, *argv], check=True, capture_output=True, text=True
    ).stdout.split()
    return float(out[-3]), float(out[-2]), float(out[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--units", type=int, default=100_000)
    parser.add_argument("--job", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--inline", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.job:
        run_job(*args.job)
    elif args.inline:
        run_inline(args.inline[0], int(args.inline[1]))
    else:
        build_and_compare(args.units)


def build_and_compare(units: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "whatif.db"
        url = f"sqlite:///{path}"
        engine = build_engine(url)
        upgrade(engine)
        engine.dispose()
        app = _app(url)
        started = time.perf_counter()
        fill(app, units)
        with app.app_context(), db.unit_of_work() as session:
            # Every item answered (the fill answers three), one unit in nine failing F1.
            session.execute(update(Inspection).values(answers=answers("M1")))
            session.execute(
                update(Inspection).where(Inspection.unit_id % 9 == 0).values(answers=answers("F1"))
            )
            draft = upload_scorecard(session, actor=None, text=card_text(2, three=95))
            version = draft.version
            job_id = whatif_jobs.start(session, draft=draft, owner_id=None)
        print(f"units: {units}  filled in {time.perf_counter() - started:.1f}s")
        raw, rows = baseline(path)
        queued, job_growth, job_peak = _child("--job", url, job_id)
        inline, inline_growth, inline_peak = _child("--inline", url, str(version))
        with app.app_context(), db.unit_of_work(write=False) as session:
            job = session.get(Job, job_id)
            assert job is not None and job.status == "done", (job and job.status, job and job.error)
            counts, size = job.result["counts"], queue.blob_info(session, job_id)[1]  # type: ignore[index]
        assert rows == sum(counts.values()), (rows, counts)
        print(f"raw read of {rows} rows: {raw:.2f}s")
        print(f"queued what-if: {queued:.2f}s  ratio {queued / raw:.1f}x  counts {counts}")
        print(f"  CSV kept with the job: {size / 1e6:.1f} MB")
        print(f"  worker process: peak {job_peak:.0f} MB (+{job_growth:.0f} MB for the run)")
        print(
            f"in-request what-if (every row kept): {inline:.2f}s, "
            f"peak {inline_peak:.0f} MB (+{inline_growth:.0f} MB)"
        )


if __name__ == "__main__":
    main()
