"""Printing benchmark: ratios against a warm one-page Latin-only A5 PDF of the same run.

    .venv/bin/python bench/print.py [--repeat N]

Targets (issue 7): one plaque <= 1x, 160 plaques in one document <= 45x, a 1,000-row
roster <= 75x.  Sample data is built here (no database); the pre-subset CJK font is
built first if missing (scripts/setup.sh normally does it).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rentals.printing import documents, fonts, plaque_pdf, plaques, render, rosters  # noqa: E402

LATIN = (
    "<html lang='en'><body><h1>Baseline</h1><p>"
    + "The quick brown fox jumps over the lazy dog. " * 20
    + "</p></body></html>"
)
TARGETS = {"one plaque": 1.0, "160 plaques, one document": 45.0, "1,000-row roster": 75.0}
SPLIT = (("three", 3, 13), ("two", 2, 141), ("one", 1, 6))


def baseline() -> None:
    """WeasyPrint's defaults, as PERFORMANCE.md measured its ~80 ms baseline."""
    from weasyprint import CSS, HTML

    HTML(string=LATIN).write_pdf(stylesheets=[_latin_css(CSS)])


def baseline_shared_fonts() -> None:
    """Same page with the process's shared FontConfiguration (a stricter yardstick)."""
    from weasyprint import CSS, HTML

    HTML(string=LATIN).write_pdf(stylesheets=[_latin_css(CSS)], font_config=render.font_config())


_CSS = None


def _latin_css(css_class):  # type: ignore[no-untyped-def]
    global _CSS
    if _CSS is None:
        _CSS = css_class(string="@page { size: A5 landscape } body { font-family: 'DejaVu Sans' }")
    return _CSS


def plaque_sources(n: int) -> list[dict]:
    out = []
    statuses = [s for s, stars, count in SPLIT for _ in range(count)]
    stars = {s: st for s, st, _c in SPLIT}
    for i in range(n):
        status = statuses[i % len(statuses)]
        serial = plaques.new_serial()
        out.append(
            {
                "unit_code": f"ZX-{'S' if i < 80 else 'N'}-{i + 1:03d}",
                "address": f"扎细路{'南' if i < 80 else '北'}{i % 9 + 1}巷{i + 1}号",
                "area": "南区",
                "community": "扎细社区",
                "community_bo": "བཀྲ་ཤིས་སྡོད་ཁུལ།",
                "issuer": "扎细社区居委会 · 扎细警务室",
                "stars": stars[status],
                "rating_status": status,
                "valid_until": date(2027, 11, 30),
                "serial": serial,
                "qr_url": plaques.public_url("http://127.0.0.1:5000", serial),
            }
        )
    return out


def roster_contexts(rows: int) -> list[dict]:
    names = ["次仁多吉", "扎西", "卓玛", "王建国", "格桑曲珍"]
    sources = [
        {
            "unit_code": f"ZX-S-{i:04d}",
            "address": f"扎细路南{i % 9 + 1}巷{i}号",
            "landlord_name": names[i % 5],
            "landlord_phone": f"+86139{i:08d}",
            "stars": 1 + i % 3,
            "rating_status": ("one", "two", "three")[i % 3],
            "due": date(2027, 2, 1 + i % 28),
            "last_inspection": date(2027, 1, 1 + i % 28),
            "open_orders": None,
        }
        for i in range(rows)
    ]
    return rosters.roster_contexts(
        sources,
        title="出租房排查台账",
        area="南区",
        period="2027-02",
        inspector="",
        printed=date(2027, 1, 30),
    )


def timed(fn, repeat: int) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """Median wall time and median CPU time (this process and its workers) of ``repeat`` runs.

    The median, not the best run: on a shared machine a short baseline often gets a core
    to itself while a long document never does, so best-of-n flatters the baseline.
    """
    walls, cpus = [], []
    for _ in range(repeat):
        before = _cpu()
        start = time.perf_counter()
        fn()
        walls.append(time.perf_counter() - start)
        cpus.append(_cpu() - before)
    return statistics.median(walls), statistics.median(cpus)


def _cpu() -> float:
    """User + system time of this process and its finished workers (microsecond clock)."""
    import resource

    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    fonts.check()
    if not fonts.subset_fonts():
        print("building the pre-subset CJK font (once)...", flush=True)
        fonts.build_subset_fonts()
    one = plaques.plaque_context(plaque_sources(1))
    many = [
        plaques.plaque_context(chunk)
        for chunk in _chunks(plaque_sources(160), documents.PLAQUES_PER_CHUNK)
    ]
    roster = roster_contexts(1000)
    # Warm up every path once (imports, fonts, parsed stylesheets).
    baseline()
    plaque_pdf.render_plaques([one])
    rosters.render_roster(roster[:1])
    base, base_cpu = timed(baseline, max(args.repeat, 5))
    strict, _cpu = timed(baseline_shared_fonts, max(args.repeat, 5))
    results = {
        "one plaque": timed(
            lambda: plaque_pdf.render_plaques([one]),
            max(args.repeat, 5),
        ),
        "160 plaques, one document": timed(
            lambda: plaque_pdf.render_plaques(many),
            args.repeat,
        ),
        "1,000-row roster": timed(lambda: rosters.render_roster(roster), args.repeat),
    }
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"load average {load:.1f} on {os.cpu_count()} cores (ratios are noisy under load)")
    print(f"baseline (one-page Latin A5, WeasyPrint defaults): {base * 1000:.0f} ms")
    print(f"  (with a shared FontConfiguration: {strict * 1000:.0f} ms)")
    for name, (seconds, cpu) in results.items():
        ratio = seconds / base
        ok = ratio <= TARGETS[name]
        print(
            f"{name:<28} {seconds:7.2f} s  {ratio:6.1f}x  "
            f"(target <= {TARGETS[name]:g}x) {'ok' if ok else 'MISSED'}"
            f"  [{seconds / strict:.1f}x the stricter baseline;"
            f" CPU {cpu / base_cpu:.1f}x the baseline's CPU]"
        )
    return 0


def _chunks(items: list, size: int) -> list[list]:
    return [items[i : i + size] for i in range(0, len(items), size)]


if __name__ == "__main__":
    sys.exit(main())
