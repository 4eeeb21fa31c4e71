"""What the benchmarks through gunicorn share: the server, sign-in, a checklist, percentiles.

Used by bench/web.py and bench/load.py; not a benchmark itself.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import requests  # noqa: E402
from sqlalchemy import select  # noqa: E402

from bench import city  # noqa: E402
from rentals import clock, create_app, db  # noqa: E402
from rentals.config import TestConfig  # noqa: E402
from rentals.register.models import Unit  # noqa: E402
from rentals.tasks import services  # noqa: E402
from scoring import default_scorecard  # noqa: E402
from tests.pgserver import _free_port  # noqa: E402

PYTHON = sys.executable
#: The hidden fields of the checklist form a submit sends back.
TOKEN = re.compile(r'name="(csrf_token|client_key|latest_id)"[^>]*value="([^"]*)"')
#: Every item of the default scorecard met.
ANSWERS = {f"a_{item.code}": "met" for item in default_scorecard().items}


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def prepare(url: str) -> None:
    """The dashboard's kept counts (the city's raw fill leaves them empty; ``rentals db
    upgrade`` fills them the same way), and today's tasks, so the checklist completes one
    (as in the field)."""
    from rentals.dashboard.aggregates import rebuild_if_empty

    app = create_app({"DATABASE_URL": url}, base=TestConfig)
    with app.app_context(), db.unit_of_work() as session:
        rebuild_if_empty(session.connection())
    with app.app_context(), db.unit_of_work() as session:
        services.plan(session, today=clock.today())
    app.extensions["rentals.db"][0].dispose()


@contextlib.contextmanager
def gunicorn(
    url: str, folder: Path, name: str, extra: tuple[str, ...] = ()
) -> Iterator[tuple[str, subprocess.Popen]]:
    """``gunicorn -c gunicorn.conf.py`` with two sync workers on a free loopback port
    (its log in ``folder/<name>.log``); yields its base URL and process."""
    port = _free_port()
    env = {
        **os.environ,
        "RENTALS_DATABASE_URL": url,
        "RENTALS_SECRET_KEY": "bench-http",  # the same on every instance: cookies travel
        "RENTALS_INSTANCE_PATH": str(folder),
        "RENTALS_BIND": f"127.0.0.1:{port}",
        "RENTALS_WEB_WORKERS": "2",
        # Many clients sign in from one address within a second.
        "RENTALS_LOGIN_RATE_LIMIT": "1000 per minute",
    }
    gunicorn_bin = str(Path(PYTHON).with_name("gunicorn"))
    server = subprocess.Popen(
        [gunicorn_bin, "-c", "gunicorn.conf.py", "--access-logfile", "/dev/null"]
        + ["--max-requests", "0", *extra, "rentals:create_app()"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=open(folder / f"{name}.log", "w"),  # noqa: SIM115
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            try:
                requests.get(base + "/healthz", timeout=1)
                break
            except requests.RequestException:
                if server.poll() is not None:
                    raise SystemExit(f"gunicorn exited; see {folder / name}.log") from None
                time.sleep(0.1)
        yield base, server
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)


def sign_in(base: str, username: str) -> requests.Session:
    """A session signed in as one of the city's users (password ``city.PASSWORD``)."""
    client = requests.Session()
    page = client.get(base + "/login", timeout=30).text
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    form = {"csrf_token": token, "username": username, "password": city.PASSWORD}
    answer = client.post(base + "/login", data=form, timeout=30, allow_redirects=False)
    if answer.status_code not in (302, 303):
        raise SystemExit(f"sign-in of {username} failed: HTTP {answer.status_code}")
    return client


def checklist_form(client: requests.Session, base: str, code: str) -> dict[str, str] | None:
    """GET the checklist of unit ``code``: the fields of a submit with every item met, or
    None if the page did not open."""
    page = client.get(f"{base}/units/{code}/inspect", timeout=60)
    if page.status_code != 200:
        return None
    return {**dict(TOKEN.findall(page.text)), "outcome": "completed", **ANSWERS}


def submit_checklist(
    client: requests.Session, base: str, code: str, data: dict[str, str]
) -> requests.Response:
    """POST a checklist (JSON answer: ``{"status": "ok", "id": …}`` when recorded)."""
    return client.post(
        f"{base}/units/{code}/inspect",
        data=data,
        headers={"Accept": "application/json"},
        timeout=60,
    )


def codes_by_inspector(url: str, units: int, inspectors: int) -> dict[str, list[str]]:
    """Each inspector's own units (no two inspectors share one: a second submit on a unit
    whose checklist another inspector just recorded is refused as stale, by design)."""
    n = city.counts(units)
    out: dict[str, list[str]] = {}
    app = create_app({"DATABASE_URL": url}, base=TestConfig)
    with app.app_context(), db.unit_of_work() as session:
        for k in range(inspectors):
            area = k % n["areas"] + 1
            staff = city.inspectors_of_area(area, n)
            share = staff.index(3 + k)
            codes = session.scalars(
                select(Unit.code)
                .where(Unit.area_id == area, (Unit.id % len(staff)) == share)
                .order_by(Unit.id)
                .limit(500)
            ).all()
            out[f"i{k + 1:03d}"] = list(codes)
    app.extensions["rentals.db"][0].dispose()
    return out
