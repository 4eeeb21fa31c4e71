"""Backups and restores of the whole database, for either engine.

SQLite uses the online backup API (``sqlite3.Connection.backup``): a consistent copy
while the app keeps serving, WAL included. PostgreSQL uses ``pg_dump`` in custom
format and ``pg_restore --clean``. A restore replaces everything in the target, so
stop the web server and the scheduler first.
"""

from __future__ import annotations

import logging
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy.engine import make_url

from rentals.db import owner_only

log = logging.getLogger(__name__)

#: Where Debian puts the PostgreSQL 15 client tools when they are not on PATH.
PG_BIN_DIRS = ("/usr/lib/postgresql/15/bin",)


class BackupError(RuntimeError):
    """The backup or restore could not be made; the message says why."""


def _sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError("An in-memory SQLite database cannot be backed up.")
    return Path(database)


def _pg_tool(name: str) -> str:
    for folder in PG_BIN_DIRS:
        candidate = Path(folder) / name
        if candidate.exists():
            return str(candidate)
    found = shutil.which(name)
    if not found:
        raise BackupError(f"{name} not found; install the PostgreSQL client tools.")
    return found


def _libpq_url(url: str) -> str:
    """``postgresql+psycopg://…`` -> ``postgresql://…`` for pg_dump and pg_restore."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _run(args: list[str]) -> None:
    result = subprocess.run(args, capture_output=True, text=True, env={**os.environ})
    if result.returncode != 0:
        raise BackupError(f"{Path(args[0]).name} failed: {result.stderr.strip()}")


def _sqlite_copy(source: Path, target: Path) -> None:
    owner_only(target)  # before sqlite3 creates it world-readable
    src = sqlite3.connect(source)
    try:
        dst = sqlite3.connect(target)
        try:
            src.backup(dst)
        finally:
            dst.close()
    finally:
        src.close()


def backup(url: str, out: Path) -> Path:
    """Write a backup of the database at ``url`` to ``out`` (overwritten if present)."""
    out = Path(out)
    backend = make_url(url).get_backend_name()
    if backend == "sqlite":
        source = _sqlite_path(url)
        if not source.exists():
            raise BackupError(f"No database at {source}.")
        tmp = out.with_name(out.name + ".partial")
        tmp.unlink(missing_ok=True)
        _sqlite_copy(source, tmp)
        tmp.replace(out)  # a crash mid-backup never leaves a half file under the real name
    elif backend == "postgresql":
        owner_only(out)  # pg_dump writes into it and keeps the mode
        _run([_pg_tool("pg_dump"), "--format=custom", f"--file={out}", _libpq_url(url)])
    else:
        raise BackupError(f"Backups of {backend} databases are not supported.")
    log.info("backup written to %s (%d bytes)", out, out.stat().st_size)
    return out


def restore(url: str, source: Path) -> None:
    """Replace the database at ``url`` with the backup in ``source``."""
    source = Path(source)
    if not source.exists():
        raise BackupError(f"No backup at {source}.")
    backend = make_url(url).get_backend_name()
    if backend == "sqlite":
        with sqlite3.connect(source) as check:
            if check.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                raise BackupError(f"{source} is not a sound SQLite database.")
        target = _sqlite_path(url)
        target.parent.mkdir(parents=True, exist_ok=True)
        _sqlite_copy(source, target)
    elif backend == "postgresql":
        _run(
            [
                _pg_tool("pg_restore"),
                "--clean",
                "--if-exists",
                "--no-owner",
                "--single-transaction",
                f"--dbname={_libpq_url(url)}",
                str(source),
            ]
        )
    else:
        raise BackupError(f"Restores of {backend} databases are not supported.")
    log.info("database restored from %s", source)
