"""Register reads at scale: ratios against a point lookup by unit code, same run.

    .venv/bin/python bench/register.py [--units 1000000]

Builds a throwaway SQLite database through the migrations, fills it with raw
executemany (the fast path), then times the register's own queries
(rentals.register.queries.unit_page) as a manager would use them.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from sqlmodel import Session, select

from rentals import create_app
from rentals.auth.models import User
from rentals.config import TestConfig
from rentals.register.models import Unit
from rentals.register.queries import UnitFilter, unit_page

STATUSES = ["not_yet_rated", "three", "two", "two", "two", "one", "not_rated"]


def fill(url: str, units: int) -> None:
    """The shared synthetic city of ``units`` units (bench/city.py, built once per size and
    cached) copied to ``url``, a SQLite URL. Its units follow this benchmark's old fill:
    codes ``C-0000001`` …, addresses ``幸福路<u % 997>巷<u>号``, landlords ``房东<n>`` with
    mobiles ``+86139<n:08d>``; user 1 is an admin, ``m`` a manager of every community."""
    import shutil

    from bench import city

    shutil.copyfile(city.build(units), url.removeprefix("sqlite:///"))


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
            "filter area + rating": UnitFilter(area_id=7, rating_status="one"),
            "sort by stars": UnitFilter(sort="stars"),
            "search code prefix": UnitFilter(q="C-05000"),
            "search phone": UnitFilter(q="13900012345"),
            "search identity tail": UnitFilter(q="2345"),
            "search landlord name prefix": UnitFilter(q="房东1234"),
            "search address substring": UnitFilter(q="幸福路996巷"),
        }
        print(f"baseline: point lookup by code = {base * 1000:.3f} ms (1.0)")
        for name, flt in cases.items():
            t = timed(lambda flt=flt: unit_page(session, manager, flt), repeat=3)
            print(f"{name:<45} {t / base:10.0f} x  ({t * 1000:.1f} ms)")


if __name__ == "__main__":
    main()
