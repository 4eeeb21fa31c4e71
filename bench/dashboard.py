"""The managers' dashboard at scale: page time against ``/healthz``, same run.

    python -m bench.dashboard [--units 100000] [--url URL] [--db PATH]

Builds a throwaway database through the migrations, adds ``--units`` active units in the
Zhaxi proportions (the shared synthetic register) in areas of ``UNITS_PER_AREA`` units and
communities of ``AREAS_PER_COMMUNITY`` areas, two rated completed inspections per unit over
the last year, one task per unit this month, an open order for one unit in twenty and an
incident a year for one in ten, then rebuilds the dashboard's aggregates once (``rentals
dashboard rebuild``: the fill writes below the ORM, as an upgrade from a release without
them would find the data), and times the dashboard page (first view and again; there is no
cache) and every list behind a figure (first page with its total) as an admin, as the
manager of one community and as an admin filtering one area, against ``/healthz`` and a
one-row query as baselines, printing the load average with the figures. ``--db PATH``
keeps the SQLite database at PATH, and a later run given the same PATH upgrades it and
reuses its rows instead of filling again.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from html import unescape
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import insert, select, update  # noqa: E402

from rentals import create_app, db  # noqa: E402
from rentals.auth.models import Role  # noqa: E402
from rentals.auth.services import create_user  # noqa: E402
from rentals.config import TestConfig  # noqa: E402
from rentals.db import build_engine  # noqa: E402
from rentals.incidents.models import Incident, IncidentKind  # noqa: E402
from rentals.inspections.models import Inspection, RectificationOrder  # noqa: E402
from rentals.migrate import upgrade  # noqa: E402
from rentals.ratings.models import Rating  # noqa: E402
from rentals.ratings.services import ensure_default_scorecard  # noqa: E402
from rentals.register.models import Area, Unit  # noqa: E402
from rentals.tasks.models import Task  # noqa: E402
from tests.tasks.synthetic import add_register  # noqa: E402

UNITS_PER_AREA = 2500
AREAS_PER_COMMUNITY = 5
TODAY = date(2027, 1, 20)
STATUS = {3: "three", 2: "two", 1: "one"}
MET = {"F1": "met", "S2": "met", "S3": "met"}


def fill(app, units: int) -> None:  # type: ignore[no-untyped-def]
    with app.app_context(), db.unit_of_work() as session:
        version = ensure_default_scorecard(session, today=TODAY - timedelta(days=400))
        create_user(
            session,
            actor=None,
            username="benchadmin",
            display_name="bench",
            password="bench-password-1",
            role=Role.ADMIN,
        )
        version_id = version.id
    engine = app.extensions["rentals.db"][0]
    with engine.begin() as conn:
        areas = []
        for k, start in enumerate(range(0, units, UNITS_PER_AREA)):
            areas.append(add_register(conn, min(UNITS_PER_AREA, units - start), prefix=f"A{k:03d}"))
        # Group the areas into communities (add_register makes one community per area).
        for k, area_id in enumerate(areas):
            first = areas[k - k % AREAS_PER_COMMUNITY]
            conn.execute(
                update(Area.__table__)  # type: ignore[attr-defined]
                .where(Area.id == area_id)
                .values(
                    community_id=select(Area.community_id).where(Area.id == first).scalar_subquery()
                )
            )
        community = conn.execute(select(Area.community_id).where(Area.id == areas[0])).scalar_one()
        rows = conn.execute(select(Unit.id, Unit.stars)).all()
        base = datetime.combine(TODAY, datetime.min.time(), UTC)
        for visit in range(2):
            inspections, ratings = [], []
            for n, (unit_id, _stars) in enumerate(rows):
                at = base - timedelta(days=(n * 7 + visit * 150) % 360 + 1)
                answers = dict(MET, F1="not_met") if n % 9 == 0 else MET
                inspections.append(
                    {
                        "unit_id": unit_id,
                        "scorecard_version_id": version_id,
                        "client_key": f"b{visit}-{unit_id}",
                        "outcome": "completed",
                        "answers": answers,
                        "vetoes": [],
                        "notes": {},
                        "visited_at": at,
                        "created_at": at,
                        "summary": "",
                    }
                )
            for start in range(0, len(inspections), 10000):
                conn.execute(insert(Inspection.__table__), inspections[start : start + 10000])  # type: ignore[attr-defined]
            ids = conn.execute(
                select(Inspection.id, Inspection.unit_id, Inspection.visited_at).where(
                    Inspection.client_key.like(f"b{visit}-%")
                )
            ).all()
            stars_of = dict(rows)
            for iid, unit_id, at in ids:
                stars = stars_of[unit_id] if visit else max(1, stars_of[unit_id] - (unit_id % 2))
                ratings.append(
                    {
                        "unit_id": unit_id,
                        "inspection_id": iid,
                        "scorecard_version_id": version_id,
                        "score": 80,
                        "stars": stars,
                        "status": STATUS[stars],
                        "breakdown": {},
                        "rated_at": at,
                    }
                )
            for start in range(0, len(ratings), 10000):
                conn.execute(insert(Rating.__table__), ratings[start : start + 10000])  # type: ignore[attr-defined]
        tasks = [
            {
                "unit_id": u,
                "kind": "routine",
                "period_key": "2027-01",
                "start": date(2027, 1, 1),
                "due": date(2027, 1, 10 + u % 21),
                "status": "done" if u % 3 else "open",
                "created_at": base,
            }
            for u, _s in rows
        ]
        for start in range(0, len(tasks), 10000):
            conn.execute(insert(Task.__table__), tasks[start : start + 10000])  # type: ignore[attr-defined]
        last = conn.execute(
            select(Inspection.id, Inspection.unit_id).where(Inspection.client_key.like("b1-%"))
        ).all()
        orders = [
            {
                "unit_id": u,
                "inspection_id": i,
                "item_code": ("F1", "S3", "M1")[u % 3],
                "deadline": TODAY + timedelta(days=u % 20 - 10),
                "serious": False,
                "status": "open",
                "note": "",
                "created_at": base,
            }
            for i, u in last
            if u % 20 == 0
        ]
        conn.execute(insert(RectificationOrder.__table__), orders)  # type: ignore[attr-defined]
        # One incident a year for one unit in ten, spread over the last year.
        kinds = conn.execute(select(IncidentKind.id)).scalars().all()
        incidents = [
            {
                "unit_id": u,
                "kind_id": kinds[u % len(kinds)],
                "occurred_on": TODAY - timedelta(days=u % 365),
                "note": "",
                "resident_victim": u % 4 == 0,
                "reported_at": base,
                "retract_reason": "",
            }
            for u, _s in rows
            if u % 10 == 0
        ]
        for start in range(0, len(incidents), 10000):
            conn.execute(insert(Incident.__table__), incidents[start : start + 10000])  # type: ignore[attr-defined]
    with app.app_context(), db.unit_of_work() as session:
        create_user(
            session,
            actor=None,
            username="benchmanager",
            display_name="bench",
            password="bench-password-1",
            role=Role.MANAGER,
            community_ids=(community,),
        )


def timed(client, url: str, runs: int = 5) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(url)
        times.append(time.perf_counter() - started)
        assert response.status_code == 200, (url, response.status_code)
    return statistics.median(times)


LINK = re.compile(r'<a href="(/dashboard/list/[^"]+)" class="figure-link">(\d+)</a>')


def login(app, username: str):  # type: ignore[no-untyped-def]
    client = app.test_client()
    page = client.post("/login", data={"username": username, "password": "bench-password-1"})
    assert page.status_code == 302, page.get_data(as_text=True)[:300]
    return client


def time_lists(client, board: str, runs: int = 3) -> list[tuple[float, str, int]]:  # type: ignore[no-untyped-def]
    """(median seconds, list URL, rows its figure says) for every list the page links to,
    each list's first page with its total; the total must equal the figure."""
    html = client.get(board).get_data(as_text=True)
    out = []

    def area(url: str) -> str | None:
        found = re.search(r"[?&]area=(\d+)", url)
        return found.group(1) if found else None

    for url, n in dict(LINK.findall(html)).items():
        url = unescape(url)
        # The page's own month and filter only (not the per-month and per-area breakdowns).
        if "month=2027-01" not in url or area(url) != area(board):
            continue
        page = client.get(url).get_data(as_text=True)
        assert f'data-total="{n}"' in page, (url, n)
        out.append((timed(client, url, runs), url, int(n)))
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--units", type=int, default=100_000)
    parser.add_argument("--url", default=None)
    parser.add_argument("--db", default=None, help="keep (or reuse) the SQLite database here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(args.db) if args.db else Path(tmp) / "dashboard.db"
        url = args.url or f"sqlite:///{path}"
        reuse = args.url is None and args.db is not None and path.exists()
        engine = build_engine(url)
        upgrade(engine)
        engine.dispose()
        app = create_app({"DATABASE_URL": url, "WTF_CSRF_ENABLED": False}, base=TestConfig)
        started = time.perf_counter()
        if reuse:
            print(f"units: {args.units}  reusing {path}")
        else:
            fill(app, args.units)
            print(f"units: {args.units}  filled in {time.perf_counter() - started:.1f}s")
        started = time.perf_counter()
        with app.app_context(), db.unit_of_work() as session:
            from rentals.dashboard import aggregates

            report = aggregates.rebuild(session.connection())
        print(f"aggregates rebuilt in {time.perf_counter() - started:.1f}s: {report}")
        import rentals.dashboard.queries as q

        q.today = lambda: TODAY  # the bench's data is dated around TODAY
        client = login(app, "benchadmin")
        health = timed(client, "/healthz")
        started = time.perf_counter()
        client.get("/dashboard/?month=2027-01")
        cold = time.perf_counter() - started
        board = timed(client, "/dashboard/?month=2027-01")
        html = client.get("/dashboard/?month=2027-01").get_data(as_text=True)
        shown = re.findall(r'data-figure="([^"]+)">(?:<a[^>]*>)?(\d+)', html)
        # The page's own figures (not the per-month and per-area breakdowns).
        print("figures:", {k: v for k, v in shown if "-area-" not in k and "-month-" not in k})
        with app.app_context():
            from rentals.auth.models import User
            from rentals.dashboard import figures

            session = db.session()
            admin = session.execute(select(User).where(User.username == "benchadmin")).scalar_one()
            first_area = session.execute(select(Area.id).order_by(Area.id).limit(1)).scalar_one()
            flt = q.Filter(month=date(2027, 1, 1), today=TODAY)
            trivial = []
            for _ in range(5):
                started = time.perf_counter()
                session.execute(select(User.id).where(User.id == admin.id)).scalar_one()
                trivial.append(time.perf_counter() - started)
            one_row = statistics.median(trivial)
            started = time.perf_counter()
            figures.figures(session, admin, flt)
            print(f"  every figure (queries only): {(time.perf_counter() - started) * 1000:.0f} ms")
            started = time.perf_counter()
            figures.stale_count(session, admin, flt)
            stale_ms = (time.perf_counter() - started) * 1000
            print(f"  of which stale (indexed count): {stale_ms:.0f} ms")
        print(f"one-row query: {one_row * 1000:.2f} ms")
        print(f"/healthz: {health * 1000:.1f} ms")
        print(f"/dashboard/ first view: {cold * 1000:.0f} ms  ({cold / health:.0f}x healthz)")
        print(f"/dashboard/ again: {board * 1000:.0f} ms  ({board / health:.0f}x healthz)")
        scopes = (
            ("admin", client, "/dashboard/?month=2027-01"),
            ("manager of one community", login(app, "benchmanager"), "/dashboard/?month=2027-01"),
            ("admin, one area", client, f"/dashboard/?month=2027-01&area={first_area}"),
        )
        worst = 0.0
        for name, who, page in scopes:
            print(f"lists behind the figures, first page with its total, {name}:")
            for took, link, n in sorted(time_lists(who, page), key=lambda r: r[1]):
                worst = max(worst, took)
                shown = link.split("/dashboard/list/", 1)[1]
                ratio = took / health
                print(f"  {took * 1000:6.0f} ms  ({ratio:4.0f}x healthz)  {n:>8} rows  {shown}")
        ratio = worst / health
        print(f"slowest list page: {worst * 1000:.0f} ms ({ratio:.0f}x healthz; target 200 ms)")
        load = " ".join(f"{n:.2f}" for n in os.getloadavg())
        print(f"load average (1, 5, 15 min): {load}")


if __name__ == "__main__":
    main()
