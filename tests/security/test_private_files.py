"""Personal data is not left where others can read it: downloads are never cached, and the
database, its WAL/SHM files and backups are owner-only (0600) whatever the umask."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from sqlalchemy import text

from rentals import backup
from rentals.db import build_engine
from tests.conftest import csrf_token
from tests.printing.helpers import make_task
from tests.security.matrix import probe_all
from tests.security.routes import OPEN_DATA

DOWNLOAD_TYPES = {"text/csv", "application/pdf", "image/png"}


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def open_umask():  # type: ignore[no-untyped-def]
    """The most permissive common umask: files would be world-readable by default."""
    old = os.umask(0o022)
    yield
    os.umask(old)


def test_every_download_is_sent_no_store(app, world, session):
    probes, _ = probe_all(app, world, session, ("manager", "inspector_a", "landlord_a"))
    downloads = [
        p
        for p in probes
        if p.status == 200
        and p.endpoint not in OPEN_DATA
        and (
            p.headers.get("Content-Disposition", "").startswith("attachment")
            or p.headers.get("Content-Type", "").split(";")[0] in DOWNLOAD_TYPES
        )
    ]
    urls = {p.url for p in downloads}
    assert {"/units/export.csv", "/units/export.xlsx"} <= urls, urls
    cached = [
        (p.url, p.role, p.headers.get("Cache-Control"))
        for p in downloads
        if "no-store" not in p.headers.get("Cache-Control", "")
    ]
    assert not cached, cached


def test_a_printed_roster_is_sent_no_store(login_as, session, world):
    from datetime import date

    make_task(session, world.unit_a, date(2027, 2, 10))
    session.commit()
    client = login_as("manager")
    token = csrf_token(client, "/print")
    response = client.post(
        "/print/roster",
        data={
            "r-csrf_token": token,
            "r-area": "甲区",
            "r-start": "2027-02-08",
            "r-end": "2027-02-14",
        },
    )
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Cache-Control"] == "no-store"


def test_the_sqlite_database_and_its_wal_and_shm_are_owner_only(tmp_path, open_umask):
    path = tmp_path / "rentals.db"
    engine = build_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (x TEXT)"))
        conn.execute(text("INSERT INTO t VALUES ('110105194912310021')"))
    with engine.connect() as conn:  # WAL mode keeps -wal and -shm while a connection is open
        conn.execute(text("SELECT * FROM t")).all()
        files = [path, path.with_name("rentals.db-wal"), path.with_name("rentals.db-shm")]
        assert all(f.exists() for f in files), list(tmp_path.iterdir())
        assert {f.name: _mode(f) for f in files} == {f.name: 0o600 for f in files}
    engine.dispose()


def test_an_existing_world_readable_database_is_tightened(tmp_path, open_umask):
    path = tmp_path / "old.db"
    path.write_bytes(b"")
    path.chmod(0o644)
    build_engine(f"sqlite:///{path}").dispose()
    assert _mode(path) == 0o600


def test_a_backup_is_owner_only(tmp_path, database_url, open_umask):
    out = tmp_path / "rentals.backup"
    backup.backup(database_url, out)
    assert out.stat().st_size > 0
    assert _mode(out) == 0o600


def test_a_restored_sqlite_database_is_owner_only(tmp_path, open_umask):
    source = tmp_path / "source.db"
    engine = build_engine(f"sqlite:///{source}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (x TEXT)"))
    engine.dispose()
    dump = tmp_path / "dump.db"
    backup.backup(f"sqlite:///{source}", dump)
    target = tmp_path / "restored.db"
    backup.restore(f"sqlite:///{target}", dump)
    assert _mode(dump) == 0o600 and _mode(target) == 0o600
