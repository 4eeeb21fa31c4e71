"""Register reads at scale: ratios against a point lookup by unit code, same run.

    .venv/bin/python -m bench.register [--units 1000000]

(run from the repository root; ``.venv/bin/python bench/register.py`` works too). Copies
the shared synthetic city (bench/city.py, whose raw fill leaves the database's triggers to
keep the unit tally and address grams), then times the register's own queries
(rentals.register.listing.unit_page) as the city's manager would use them: pages by
number near either end and by cursor in the middle, every search route, address terms
of one, two, three and more characters, common and rare.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlmodel import Session, select  # noqa: E402

from rentals import create_app  # noqa: E402
from rentals.auth.models import User  # noqa: E402
from rentals.config import TestConfig  # noqa: E402
from rentals.register.listing import UnitFilter, encode_cursor, unit_page  # noqa: E402
from rentals.register.models import Unit  # noqa: E402


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
        manager = session.exec(select(User).where(User.username == "m")).one()
        base = timed(lambda: session.exec(select(Unit).where(Unit.code == "C-0500000")).first())
        last_page = args.units // 50
        cases = {
            "list, first page (code order, with count)": UnitFilter(),
            "list, page 100": UnitFilter(page=100),
            f"list, last page ({last_page})": UnitFilter(page=last_page),
            "list, middle page (cursor)": UnitFilter(
                after=encode_cursor(0, (f"C-{args.units // 2:07d}",)), page=last_page // 2
            ),
            "filter area + rating": UnitFilter(area_id=7, rating_status="one"),
            "sort by stars": UnitFilter(sort="stars"),
            "sort by stars, last page": UnitFilter(sort="stars", page=last_page),
            "sort by address, descending": UnitFilter(sort="address", descending=True),
            "search code prefix": UnitFilter(q="C-05000"),
            "search phone": UnitFilter(q="13900012345"),
            "search identity tail": UnitFilter(q="2345"),
            "search landlord name prefix": UnitFilter(q="房东1234"),
            "search address substring": UnitFilter(q="幸福路996巷"),
            "search address, 1 char (every unit)": UnitFilter(q="巷"),
            "search address, 2 chars (0.1 %)": UnitFilter(q="路0"),
            "search address, 3 chars (every unit)": UnitFilter(q="幸福路"),
        }
        print(f"baseline: point lookup by code = {base * 1000:.3f} ms (1.0)")
        for name, flt in cases.items():
            t = timed(lambda flt=flt: unit_page(session, manager, flt), repeat=3)
            page = unit_page(session, manager, flt)
            total = f"{page.total:,}" if page.exact else f"~{page.total:,}"
            print(f"{name:<45} {t / base:10.0f} x  ({t * 1000:.1f} ms, total {total})")


if __name__ == "__main__":
    main()
