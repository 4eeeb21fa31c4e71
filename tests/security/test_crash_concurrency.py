"""Real processes: concurrent SQLite writers, and a web server SIGKILLed mid-request.

SQLite only (the file-locking behaviour is the point); PostgreSQL has its own MVCC.
"""

from __future__ import annotations

import multiprocessing
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import date
from http.cookiejar import CookieJar
from pathlib import Path

import pytest

from rentals.config import TestConfig
from tests.conftest import PG_URL

ROOT = Path(__file__).resolve().parents[2]
WORKERS = 4
WRITES = 10

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(bool(PG_URL), reason="SQLite locking behaviour"),
]


def _migrated_file(tmp_path: Path) -> str:
    from rentals.db import build_engine
    from rentals.migrate import upgrade

    url = f"sqlite:///{tmp_path / 'rentals.db'}"
    engine = build_engine(url)
    upgrade(engine)
    engine.dispose()
    return url


def _seed(url: str) -> dict[str, str]:
    """One area, one unit, one manager; returns what the tests need."""
    from rentals import create_app, db
    from rentals.register.models import Community
    from tests import factories

    app = create_app({"DATABASE_URL": url}, base=TestConfig)
    with app.app_context(), db.unit_of_work() as session:
        area = factories.make_area(session)
        unit = factories.make_unit(session, area, rooms=0)
        community = session.get(Community, area.community_id)
        manager = factories.make_user(session, "manager", communities=(community,))
        info = {"code": unit.code, "manager": manager.username}
    db.engine_of(app).dispose()
    return info


# --- concurrent writers -----------------------------------------------------------------


def _writer(url: str, code: str, worker: int, instance: str) -> list[str]:
    """Add WRITES tenants and bump the shared unit's room count, each in its own commit."""
    os.environ["RENTALS_INSTANCE_PATH"] = instance
    from sqlmodel import select

    from rentals import create_app, db
    from rentals.register import services
    from rentals.register.models import Unit
    from tests import factories

    errors: list[str] = []
    app = create_app({"DATABASE_URL": url}, base=TestConfig)
    with app.app_context():
        for i in range(WRITES):
            try:
                with db.unit_of_work() as session:
                    unit = session.exec(select(Unit).where(Unit.code == code)).one()
                    person = factories.make_person(
                        session,
                        name=f"w{worker}-{i}",
                        id_number=factories.valid_id_number(worker * 100 + i, "19850101"),
                    )
                    services.add_tenancy(
                        session,
                        actor=None,
                        unit=unit,
                        person=person,
                        moved_in=date(2026, 1, 1),
                        registered=True,
                    )
                    # Read-modify-write on one row: lost updates would show in the total.
                    services.update_unit(
                        session,
                        actor=None,
                        unit=unit,
                        data=services.UnitData(
                            code=unit.code,
                            area_id=unit.area_id,
                            address=unit.address,
                            rooms=unit.rooms + 1,
                        ),
                    )
            except Exception as err:  # noqa: BLE001 - every failure is reported
                errors.append(f"worker {worker} write {i}: {type(err).__name__}: {err}")
    db.engine_of(app).dispose()
    return errors


def test_concurrent_writer_processes_never_see_database_is_locked(tmp_path):
    url = _migrated_file(tmp_path)
    info = _seed(url)
    # fork: the children start with the app already imported (seconds faster than spawn).
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(WORKERS) as pool:
        results = pool.starmap(
            _writer,
            [(url, info["code"], w, str(tmp_path / "instance")) for w in range(WORKERS)],
        )
    errors = [e for batch in results for e in batch]
    assert not errors, "\n".join(errors)
    with sqlite3.connect(tmp_path / "rentals.db") as conn:
        tenancies = conn.execute("SELECT count(*) FROM tenancy").fetchone()[0]
        rooms = conn.execute("SELECT rooms FROM unit WHERE code = ?", (info["code"],)).fetchone()
        started = conn.execute(
            "SELECT count(*) FROM audit_event WHERE action = 'tenancy.started'"
        ).fetchone()[0]
    assert tenancies == started == WORKERS * WRITES
    assert rooms[0] == WORKERS * WRITES  # no lost update


# --- web server killed mid-request ------------------------------------------------------

#: Starts the real app under werkzeug; with RENTALS_TEST_PAUSE set, adding a tenancy
#: waits (after the person row is flushed) and drops a marker file, so the test can
#: SIGKILL the process while the request's transaction is open.
SERVER = """
import os, sys, time
from pathlib import Path
from werkzeug.serving import run_simple
from rentals import create_app
from rentals.config import TestConfig
from rentals.register import services

pause = os.environ.get("RENTALS_TEST_PAUSE")
if pause:
    original = services.add_tenancy
    def slow_add_tenancy(session, **kw):
        session.flush()
        Path(pause).write_text("in flight")
        time.sleep(30)
        return original(session, **kw)
    services.add_tenancy = slow_add_tenancy

app = create_app({"DATABASE_URL": sys.argv[1]}, base=TestConfig)
run_simple("127.0.0.1", int(sys.argv[2]), app, threaded=True)
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start(url: str, port: int, tmp_path: Path, pause: Path | None = None):  # type: ignore[no-untyped-def]
    env = {**os.environ, "RENTALS_INSTANCE_PATH": str(tmp_path / "instance")}
    if pause:
        env["RENTALS_TEST_PAUSE"] = str(pause)
    proc = subprocess.Popen(
        [sys.executable, "-c", SERVER, url, str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
            return proc
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.1)
    proc.kill()
    raise AssertionError("server did not start")


class Browser:
    def __init__(self, port: int) -> None:
        self.base = f"http://127.0.0.1:{port}"
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))

    def get(self, path: str) -> str:
        with self.opener.open(self.base + path, timeout=10) as r:
            return r.read().decode()

    def post(self, path: str, data: dict[str, str], timeout: float = 10) -> int:
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', self.get(path.split("?")[0]))
        assert token
        body = urllib.parse.urlencode({**data, "csrf_token": token.group(1)}).encode()
        with self.opener.open(self.base + path, body, timeout=timeout) as r:
            return r.status


def _tenant_rows(db_file: Path, id_number: str) -> tuple[int, int, int]:
    with sqlite3.connect(db_file) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        person = conn.execute("SELECT id FROM person WHERE id_number = ?", (id_number,)).fetchone()
        if person is None:
            return (0, 0, 0)
        tenancies = conn.execute(
            "SELECT count(*) FROM tenancy WHERE person_id = ?", (person[0],)
        ).fetchone()[0]
        events = conn.execute(
            "SELECT count(*) FROM audit_event WHERE subject_type = 'person' AND subject_id = ?",
            (str(person[0]),),
        ).fetchone()[0]
        return (1, tenancies, events)


def _tenant_form(id_number: str) -> dict[str, str]:
    return {"name": "断电测试", "id_number": id_number, "phone": "", "moved_in": "2026-02-01"}


def test_server_killed_mid_request_keeps_all_or_nothing(tmp_path):
    from tests import factories

    url = _migrated_file(tmp_path)
    info = _seed(url)
    db_file = tmp_path / "rentals.db"
    form_path = f"/units/{info['code']}/tenants/new"

    # 1. Killed while the transaction is open: nothing of the change survives.
    marker = tmp_path / "in-flight"
    port = _free_port()
    server = _start(url, port, tmp_path, pause=marker)
    doomed = factories.unique_id_number()
    try:
        browser = Browser(port)
        assert browser.post("/login", {"username": info["manager"], "password": "testpass123"})
        outcome: list[BaseException] = []

        def submit() -> None:
            try:
                browser.post(form_path, _tenant_form(doomed), timeout=20)
            except BaseException as err:  # noqa: BLE001 - the connection dies with the server
                outcome.append(err)

        thread = threading.Thread(target=submit)
        thread.start()
        deadline = time.monotonic() + 15
        while not marker.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert marker.exists(), "the request never reached the database"
        os.kill(server.pid, signal.SIGKILL)
        server.wait(5)
        thread.join(10)
        assert outcome, "the request should have died with the server"
    finally:
        if server.poll() is None:
            server.kill()
    assert _tenant_rows(db_file, doomed) == (0, 0, 0)

    # 2. Restarted, the same app serves and completes the same change in full.
    port = _free_port()
    server = _start(url, port, tmp_path)
    try:
        browser = Browser(port)
        browser.post("/login", {"username": info["manager"], "password": "testpass123"})
        kept = factories.unique_id_number()
        assert browser.post(form_path, _tenant_form(kept)) == 200  # after the redirect
        assert "断电测试" in browser.get(f"/units/{info['code']}")
    finally:
        server.send_signal(signal.SIGKILL)
        server.wait(5)
    person, tenancies, events = _tenant_rows(db_file, kept)
    assert (person, tenancies) == (1, 1) and events >= 1
    assert _tenant_rows(db_file, doomed) == (0, 0, 0)
