"""Load: simulated inspectors submitting checklists through gunicorn, then memory.

    python -m bench.load [--units 10000] [--inspectors 50] [--seconds 60]
                         [--engine both|postgres|sqlite|none] [--memory-units N]

For each engine, takes the synthetic city of ``--units`` units (bench/city.py), plans
today's tasks and starts the web app with ``gunicorn -c gunicorn.conf.py``: on
PostgreSQL two instances on two loopback ports (two sync workers each) sharing one
throwaway server started here (tests/pgserver.py's machinery); on SQLite one instance.
``--inspectors`` client threads (plain ``requests`` sessions, loopback only), each signed
in as one of the city's inspectors and bound to one instance, open the checklist of a
unit of their own area and submit it (all items met, JSON answer) for ``--seconds``.
Afterwards the inspections in the database are compared with what the clients were
told: every accepted submit recorded once, nothing else recorded. Prints submits/s and
the median and 95th percentile of the submit (POST) and of the whole visit (GET + POST),
against ``/healthz`` of the same instances in the same run.

Memory (``--memory-units``, default: ``--units``; 0 skips it): on a SQLite city of that
size, a manager opens the main manager pages of bench/web.py through a gunicorn worker,
then a roster print runs through ``rentals worker``; prints the resident set size
(current and peak) of each web worker and of the queue worker (target: under 200 MB).
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import requests  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from bench import city  # noqa: E402
from bench.http import (  # noqa: E402
    PYTHON,
    checklist_form,
    codes_by_inspector,
    gunicorn,
    percentile,
    prepare,
    sign_in,
    submit_checklist,
)
from bench.pg import postgres_server  # noqa: E402
from rentals import clock, create_app, db  # noqa: E402
from rentals.config import TestConfig  # noqa: E402
from rentals.inspections.models import Inspection  # noqa: E402


class Inspector(threading.Thread):
    def __init__(self, base: str, username: str, codes: list[str], until: float, seed: int):
        super().__init__(daemon=True)
        self.base, self.username, self.codes, self.until = base, username, codes, until
        self.rng = random.Random(seed)
        self.posts: list[float] = []
        self.visits: list[float] = []
        self.window: list[float] = []  # first visit's start, last visit's end
        self.recorded: list[tuple[int, str]] = []
        self.errors: list[str] = []

    def run(self) -> None:
        try:
            client = sign_in(self.base, self.username)
        except Exception as error:  # noqa: BLE001 - reported, not raised, from a thread
            self.errors.append(f"sign-in: {error}")
            return
        while time.perf_counter() < self.until:
            code = self.rng.choice(self.codes)
            started = time.perf_counter()
            try:
                data = checklist_form(client, self.base, code)
                if data is None:
                    self.errors.append(f"GET {code}: not 200")
                    continue
                posted = time.perf_counter()
                answer = submit_checklist(client, self.base, code, data)
                done = time.perf_counter()
            except requests.RequestException as error:
                self.errors.append(f"{code}: {type(error).__name__}")
                continue
            if answer.status_code != 200 or answer.json().get("status") != "ok":
                self.errors.append(f"POST {code}: HTTP {answer.status_code} {answer.text[:120]}")
                continue
            self.recorded.append((answer.json()["id"], data["client_key"]))
            self.posts.append(done - posted)
            self.visits.append(done - started)
            self.window[:] = [self.window[0] if self.window else started, done]


def healthz_p95(bases: list[str], n: int = 200) -> float:
    client = requests.Session()
    samples = []
    for k in range(n):
        started = time.perf_counter()
        client.get(bases[k % len(bases)] + "/healthz", timeout=10)
        samples.append(time.perf_counter() - started)
    return percentile(samples, 0.95)


def inspections_after(url: str, first_id: int) -> list[tuple[int, str]]:
    app = create_app({"DATABASE_URL": url}, base=TestConfig)
    with app.app_context(), db.unit_of_work() as session:
        rows = session.execute(
            select(Inspection.id, Inspection.client_key).where(Inspection.id > first_id)
        ).all()
    app.extensions["rentals.db"][0].dispose()
    return [(int(i), str(k)) for i, k in rows]


def newest_inspection(url: str) -> int:
    app = create_app({"DATABASE_URL": url}, base=TestConfig)
    with app.app_context(), db.unit_of_work() as session:
        newest = session.scalar(select(func.max(Inspection.id))) or 0
    app.extensions["rentals.db"][0].dispose()
    return int(newest)


def load(url: str, bases: list[str], args: argparse.Namespace, label: str) -> bool:
    codes = codes_by_inspector(url, args.units, args.inspectors)
    first = newest_inspection(url)
    floor = healthz_p95(bases)
    until = time.perf_counter() + 5 + args.seconds  # sign-ins first, then the run
    threads = [
        Inspector(bases[k % len(bases)], name, own, until, seed=k)
        for k, (name, own) in enumerate(codes.items())
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    spans = [t.window for t in threads if t.window]
    took = (max(s[1] for s in spans) - min(s[0] for s in spans)) if spans else 0.0
    recorded = [r for t in threads for r in t.recorded]
    errors = [e for t in threads for e in t.errors]
    posts = [s for t in threads for s in t.posts]
    visits = [s for t in threads for s in t.visits]
    stored = inspections_after(url, first)
    lost = set(recorded) - set(stored)
    extra = set(stored) - set(recorded)
    twice = len(recorded) - len({key for _i, key in recorded})
    print(f"\n{label}: {args.inspectors} inspectors, {len(bases)} instance(s), {took:.0f}s")
    print(f"  submits accepted: {len(recorded):,}  ({len(recorded) / max(took, 1e-9):.1f}/s)")
    print(f"  errors: {len(errors)}" + (f"  first: {errors[:3]}" if errors else ""))
    print(
        f"  in the database: {len(stored):,}  lost: {len(lost)}  not acknowledged: "
        f"{len(extra)}  recorded twice: {twice}"
    )
    if posts:
        print(f"  /healthz p95: {floor * 1000:.1f} ms (baseline)")
        for name, samples in (("submit (POST)", posts), ("visit (GET + POST)", visits)):
            median, p95 = statistics.median(samples), percentile(samples, 0.95)
            print(
                f"  {name:<20} median {median * 1000:7.1f} ms  p95 {p95 * 1000:7.1f} ms"
                f"  p95/healthz {p95 / floor:6.1f}x"
            )
    return not errors and not lost and not extra and not twice and bool(recorded)


# --- memory -----------------------------------------------------------------------


def rss(pid: int) -> tuple[float, float]:
    """Resident set size now and at its peak, in MB."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _sep, value = line.partition(":")
        fields[key] = value.strip()
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


def pages(units: int) -> list[str]:
    """The main pages a manager opens (a subset of bench/web.py's)."""
    return [
        "/healthz",
        "/units",
        "/units?page=100",
        f"/units?page={max(1, units // 50)}",
        "/units?sort=stars",
        "/units?q=%E5%B9%B8%E7%A6%8F%E8%B7%AF996%E5%B7%B7",
        "/units/C-0000500",
        "/tasks/board",
        "/tasks/workload",
        "/dashboard/",
        "/print",
    ]


def memory(units: int, folder: Path) -> None:
    url = city.sqlite_city(units, folder, name="memory.db")
    prepare(url)
    # A cold page of a big city on a busy machine may pass the 60 s of gunicorn.conf.py.
    with gunicorn(url, folder, "memory-web", ("--timeout", "900")) as (base, server):
        client = sign_in(base, "m")
        slowest: dict[str, float] = {}
        for _ in range(3):
            for path in pages(units):
                started = time.perf_counter()
                answer = client.get(base + path, timeout=900)
                slowest[path] = max(slowest.get(path, 0.0), time.perf_counter() - started)
                if answer.status_code != 200:
                    raise SystemExit(f"{path}: HTTP {answer.status_code}")
        print(f"\nmemory at {units:,} units (SQLite), after the page set three times:")
        print("  slowest of three: " + ", ".join(f"{p} {t:.1f}s" for p, t in slowest.items()))
        for pid in children(server.pid):
            now, peak = rss(pid)
            print(f"  gunicorn web worker {pid}: RSS {now:.0f} MB (peak {peak:.0f} MB)")
    env = {
        **os.environ,
        "RENTALS_DATABASE_URL": url,
        "RENTALS_SECRET_KEY": "bench-load",
        "RENTALS_INSTANCE_PATH": str(folder),
        "RENTALS_SCHEDULER": "0",
    }
    worker = subprocess.Popen(
        [PYTHON, "-m", "rentals.cli", "worker"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=open(folder / "worker.log", "w"),  # noqa: SIM115
    )
    try:
        from rentals.printing import jobs
        from rentals.queue.models import Job

        app = create_app({"DATABASE_URL": url, "QUEUE_IMMEDIATE": False}, base=TestConfig)
        time.sleep(5)  # imported and polling an empty queue
        idle, _peak = rss(worker.pid)
        print(f"  rentals worker {worker.pid}, idle: RSS {idle:.0f} MB")
        today = clock.today()
        with app.app_context():
            job_id = jobs.start(
                "roster",
                {
                    "area": "片区0001",
                    "start": today,
                    "end": today + timedelta(days=6),
                    "inspector": None,
                    "area_ids": None,
                    "printed": today,
                },
                owner_id=1,
            )
            db.session().commit()  # jobs.start adds to the request's unit of work
        started = time.perf_counter()
        status = "queued"
        while time.perf_counter() - started < 600:
            with app.app_context(), db.unit_of_work() as session:
                job = session.get(Job, job_id)
                status, result, error = job.status, job.result, job.error  # type: ignore[union-attr]
            if status in ("done", "failed"):
                break
            time.sleep(0.5)
        now, peak = rss(worker.pid)
        print(
            f"  rentals worker {worker.pid} after a roster print ({status}, {result or error},"
            f" {time.perf_counter() - started:.1f}s): RSS {now:.0f} MB (peak {peak:.0f} MB)"
        )
        app.extensions["rentals.db"][0].dispose()
    finally:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--units", type=int, default=10_000)
    parser.add_argument("--inspectors", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--engine", choices=("both", "postgres", "sqlite", "none"), default="both")
    parser.add_argument("--memory-units", type=int, default=None)
    args = parser.parse_args()
    if args.inspectors > city.counts(args.units)["inspectors"]:
        raise SystemExit(f"the city of {args.units} units has fewer inspectors")
    ok = True
    with tempfile.TemporaryDirectory(prefix="rentals-load-") as tmp:
        folder = Path(tmp)
        if args.engine in ("both", "postgres"):
            with postgres_server() as url:
                city.postgres_city(url, args.units, args.seed)
                prepare(url)
                with (
                    gunicorn(url, folder, "pg-a") as (first, _a),
                    gunicorn(url, folder, "pg-b") as (second, _b),
                ):
                    ok &= load(url, [first, second], args, "PostgreSQL, two instances")
        if args.engine in ("both", "sqlite"):
            url = city.sqlite_city(args.units, folder, args.seed)
            prepare(url)
            with gunicorn(url, folder, "sqlite") as (base, _server):
                ok &= load(url, [base], args, "SQLite, one instance")
        units = args.units if args.memory_units is None else args.memory_units
        if units:
            memory(units, folder)
    if args.engine != "none":
        print("\nno error, nothing lost, nothing twice" if ok else "\nFAILED: see above")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
