"""Web latency through gunicorn: every page a user opens and a checklist submit, against /healthz.

    .venv/bin/python -m bench.web [--units 100000] [--engine sqlite|postgresql]
                                  [--requests 40] [--seed 1]

(run from the repository root). Takes the shared synthetic city of ``--units`` units
(bench/city.py: a private SQLite copy, or the same rows COPYed into a throwaway
PostgreSQL server started here, bench/pg.py), plans today's tasks and starts
``gunicorn -c gunicorn.conf.py`` with two sync workers on a free loopback port. Signs in
as the city's manager ``m`` (of every community) and as inspector ``i001``, opens every
page once cold (printed), then ``--requests`` + ``WARM`` rounds, each round opening every page
once in turn, ``/healthz`` included (so a busy machine slows the baseline and the pages
alike; the first ``WARM`` rounds warm both workers and are dropped):

- as the manager: the register's first, middle and last page (page numbers) and the
  middle page as its "next" links reach it (a cursor), each sort
  (code, address, area, stars; ascending and descending), an address search, a unit
  file, the task board, the workload, the dashboard and the print page;
- as the inspector: their home (due visits, ``/inspect``), their task list
  (``/tasks/mine``) and a checklist of one of their units: the form (GET) and the
  submit (POST, every item met, JSON answer), timed apart, a different unit each round.

Prints the median and 95th percentile of each and its p95 as a ratio of the p95 of
``/healthz`` in the same run (the issue's target: 4x or less), then the load average.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import requests  # noqa: E402

from bench import city  # noqa: E402
from bench.http import (  # noqa: E402
    checklist_form,
    codes_by_inspector,
    gunicorn,
    percentile,
    prepare,
    sign_in,
    submit_checklist,
)
from bench.pg import postgres_server  # noqa: E402
from rentals.register.listing import encode_cursor  # noqa: E402

PAGE_SIZE = 50  # rentals.config.Config.PAGE_SIZE
#: Rounds dropped before timing: each sync worker takes requests at random and compiles
#: its templates and fills its caches on its own first requests.
WARM = 4
SEARCH = "幸福路996巷"  # one street of 997: about units / 997 matches


def manager_pages(units: int) -> dict[str, str]:
    last = max(1, -(-units // PAGE_SIZE))
    pages = {
        "register, first page": "/units",
        f"register, middle page ({last // 2 or 1})": f"/units?page={last // 2 or 1}",
        # What "next" links lead to at that depth (the page of the unit halfway down).
        "register, middle page (cursor)": "/units?"
        + urllib.parse.urlencode(
            {"after": encode_cursor(0, (f"C-{max(1, units // 2):07d}",)), "page": last // 2 or 1}
        ),
        f"register, last page ({last})": f"/units?page={last}",
    }
    for sort in ("code", "address", "area", "stars"):
        for direction in ("asc", "desc"):
            pages[f"register, sort {sort} {direction}"] = f"/units?sort={sort}&dir={direction}"
    pages["register, address search"] = "/units?q=" + urllib.parse.quote(SEARCH)
    pages["unit file"] = f"/units/C-{max(1, units // 2):07d}"
    pages["task board"] = "/tasks/board"
    pages["workload"] = "/tasks/workload"
    pages["dashboard"] = "/dashboard/"
    pages["print page"] = "/print"
    return pages


INSPECTOR_PAGES = {
    "inspector's home": "/inspect",
    "inspector's tasks": "/tasks/mine",
}


def timed_get(client: requests.Session, url: str) -> float:
    started = time.perf_counter()
    answer = client.get(url, timeout=900)
    took = time.perf_counter() - started
    if answer.status_code != 200:
        raise SystemExit(f"{url}: HTTP {answer.status_code}")
    return took


def measure(base: str, url: str, units: int, rounds: int) -> dict[str, list[float]]:
    manager = sign_in(base, "m")
    inspector = sign_in(base, "i001")
    codes = codes_by_inspector(url, units, 1)["i001"]
    if len(codes) < rounds + WARM + 1:
        raise SystemExit(f"i001 has only {len(codes)} units for {rounds + WARM + 1} checklists")
    probes: dict[str, Callable[[int], float]] = {
        "/healthz (baseline)": lambda _r: timed_get(manager, base + "/healthz")
    }
    for name, path in manager_pages(units).items():
        probes[name] = lambda _r, path=path: timed_get(manager, base + path)
    for name, path in INSPECTOR_PAGES.items():
        probes[name] = lambda _r, path=path: timed_get(inspector, base + path)
    submits: list[float] = []

    def checklist(r: int) -> float:
        code = codes[r]
        started = time.perf_counter()
        data = checklist_form(inspector, base, code)
        took = time.perf_counter() - started
        if data is None:
            raise SystemExit(f"checklist of {code}: not 200")
        started = time.perf_counter()
        answer = submit_checklist(inspector, base, code, data)
        submits.append(time.perf_counter() - started)
        if answer.status_code != 200 or answer.json().get("status") != "ok":
            raise SystemExit(f"submit of {code}: HTTP {answer.status_code} {answer.text[:200]}")
        return took

    probes["checklist form (GET)"] = checklist
    cold = {name: probe(0) for name, probe in probes.items()}
    submits.clear()
    print("cold (first request of each, s): " + ", ".join(f"{n} {t:.2f}" for n, t in cold.items()))
    samples: dict[str, list[float]] = {name: [] for name in probes}
    for r in range(1, rounds + WARM + 1):
        for name, probe in probes.items():
            took = probe(r)
            if r > WARM:  # the first rounds warm both workers
                samples[name].append(took)
    samples["checklist submit (POST)"] = submits[WARM:]
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--units", type=int, default=100_000)
    parser.add_argument("--engine", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="rentals-web-") as tmp:
        folder = Path(tmp)
        pg = postgres_server() if args.engine == "postgresql" else contextlib.nullcontext()
        with pg as pg_url:
            if pg_url:
                url = city.postgres_city(pg_url, args.units, args.seed)
            else:
                url = city.sqlite_city(args.units, folder, args.seed)
            prepare(url)
            took = time.perf_counter() - started
            print(f"{args.engine} city of {args.units:,} units ready in {took:.0f} s")
            # A cold dashboard of a big city on a busy machine may pass gunicorn.conf.py's 60 s.
            with gunicorn(url, folder, "web", ("--timeout", "900")) as (base, _server):
                try:
                    samples = measure(base, url, args.units, args.requests)
                except SystemExit:
                    print((folder / "web.log").read_text()[-4000:], file=sys.stderr)
                    raise
    floor = percentile(samples["/healthz (baseline)"], 0.95)
    print(
        f"\n{args.engine}, {args.units:,} units, 2 sync workers, "
        f"{args.requests} requests of each (p95 target: 4x /healthz)"
    )
    print(f"{'page':<36} {'median ms':>10} {'p95 ms':>8} {'p95 / healthz':>14}")
    for name, values in samples.items():
        median, p95 = statistics.median(values), percentile(values, 0.95)
        print(f"{name:<36} {median * 1000:10.1f} {p95 * 1000:8.1f} {p95 / floor:13.1f}x")
    print("load average (1, 5, 15 min): " + ", ".join(f"{v:.2f}" for v in os.getloadavg()))


if __name__ == "__main__":
    main()
