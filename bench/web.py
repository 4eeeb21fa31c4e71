"""Web latency through gunicorn at scale: every page a manager opens, against /healthz.

    .venv/bin/python bench/web.py [--units 100000] [--requests 40]

Builds a throwaway SQLite register of ``--units`` units (bench/register.py's fill), plans
today's inspections, starts ``gunicorn -c gunicorn.conf.py`` with two sync workers on a
free loopback port, signs in as a manager and times ``--requests`` sequential GETs of
each page. Prints the median and 95th percentile of each page and its p95 as a ratio of
the p95 of ``/healthz`` measured in the same run (the issue's target: 4x or less).
"""

from __future__ import annotations

import argparse
import http.cookiejar
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import select  # noqa: E402

from bench.register import fill  # noqa: E402
from rentals import create_app, db  # noqa: E402
from rentals.auth.models import User  # noqa: E402
from rentals.auth.passwords import hash_password  # noqa: E402
from rentals.config import TestConfig  # noqa: E402
from rentals.tasks import services  # noqa: E402

PASSWORD = "bench-manager-2026"


def prepare(url: str, units: int) -> None:
    """The shared synthetic city (bench/city.py via bench.register.fill), its manager ``m``
    (of every community) with this benchmark's password, and today's tasks."""
    fill(url, units)
    app = create_app({"DATABASE_URL": url, "ARGON2_TIME_COST": 3}, base=TestConfig)
    with app.app_context(), db.unit_of_work() as session:
        manager = session.scalars(select(User).where(User.username == "m")).one()
        manager.password_hash = hash_password(PASSWORD)
        session.add(manager)
        services.plan(session, today=date.today())


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--units", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=40)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="rentals-web-"))
    url = f"sqlite:///{folder / 'web.db'}"
    started = time.perf_counter()
    prepare(url, args.units)
    print(f"register of {args.units:,} units ready in {time.perf_counter() - started:.0f} s")
    port = free_port()
    env = {
        **os.environ,
        "RENTALS_DATABASE_URL": url,
        "RENTALS_SECRET_KEY": "bench-web",
        "RENTALS_INSTANCE_PATH": str(folder),
        "RENTALS_BIND": f"127.0.0.1:{port}",
        "RENTALS_WEB_WORKERS": "2",
    }
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "-c",
            str(ROOT / "gunicorn.conf.py"),
            "--access-logfile",
            "/dev/null",
            "rentals:create_app()",
        ],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=open(folder / "server.log", "w"),  # noqa: SIM115
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(base + "/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )
        login = opener.open(base + "/login").read().decode()
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', login).group(1)
        form = {"csrf_token": token, "username": "m", "password": PASSWORD}
        opener.open(base + "/login", urllib.parse.urlencode(form).encode()).read()
        last = args.units // 50
        pages = {
            "/healthz (baseline)": "/healthz",
            "register, first page": "/units",
            "register, page 100": "/units?page=100",
            f"register, last page ({last})": f"/units?page={last}",
            "register, sort by stars": "/units?sort=stars",
            "register, address search": "/units?q=%E5%B9%B8%E7%A6%8F%E8%B7%AF996%E5%B7%B7",
            "unit file": "/units/C-0000500",
            "task board": "/tasks/board",
            "workload": "/tasks/workload",
            "dashboard": "/dashboard/",
            "print page": "/print",
        }
        results = {}
        for name, path in pages.items():
            samples = []
            for n in range(args.requests + 2):
                t = time.perf_counter()
                try:
                    with opener.open(base + path) as answer:
                        answer.read()
                except urllib.error.HTTPError as error:
                    raise SystemExit(f"{path}: HTTP {error.code}") from None
                if n >= 2:  # the first two warm the worker's caches
                    samples.append(time.perf_counter() - t)
            results[name] = (statistics.median(samples), percentile(samples, 0.95))
        floor = results["/healthz (baseline)"][1]
        print(f"{'page':<34} {'median ms':>10} {'p95 ms':>8} {'p95 / healthz':>14}")
        for name, (median, p95) in results.items():
            print(f"{name:<34} {median * 1000:10.1f} {p95 * 1000:8.1f} {p95 / floor:13.1f}x")
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
