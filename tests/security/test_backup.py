"""``rentals backup`` then ``rentals restore`` elsewhere gives back every row of every table.

Runs on SQLite always, and on PostgreSQL (pg_dump/pg_restore) when the suite runs under
``python -m tests.pgserver``.
"""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from flask.cli import ScriptInfo
from sqlalchemy import MetaData, select, text
from sqlalchemy.engine import Engine

from rentals import create_app
from rentals.cli import main
from rentals.config import TestConfig
from rentals.db import build_engine
from rentals.migrate import upgrade
from tests.conftest import PG_URL, fresh_database_url


def _cli(url: str, *args: str):  # type: ignore[no-untyped-def]
    def make_app():  # type: ignore[no-untyped-def]
        return create_app({"DATABASE_URL": url, "CHECK_SCHEMA": False}, base=TestConfig)

    result = CliRunner().invoke(main, list(args), obj=ScriptInfo(create_app=make_app))
    assert result.exit_code == 0, (args, result.output, result.exception)
    return result


def _every_row(engine: Engine) -> dict[str, list[tuple]]:  # type: ignore[type-arg]
    meta = MetaData()
    with engine.connect() as conn:
        meta.reflect(bind=conn)
        out = {}
        for name, table in sorted(meta.tables.items()):
            rows = conn.execute(select(table)).all()
            out[name] = sorted((tuple(map(repr, row)) for row in rows), key=lambda r: r)
    return out


def _seeded(tmp_path_factory) -> str:  # type: ignore[no-untyped-def]
    url = fresh_database_url(tmp_path_factory)
    engine = build_engine(url)
    upgrade(engine)
    engine.dispose()
    _cli(url, "seed-demo")
    return url


def test_backup_and_restore_give_back_every_row(tmp_path, tmp_path_factory, monkeypatch):
    monkeypatch.setenv("RENTALS_INSTANCE_PATH", str(tmp_path / "instance"))
    source_url = _seeded(tmp_path_factory)
    source = build_engine(source_url)
    original = _every_row(source)
    assert len(original["unit"]) == 160
    assert original["audit_event"] and original["person"] and original["tenancy"]

    dump = tmp_path / "rentals.backup"
    _cli(source_url, "backup", str(dump))
    assert dump.stat().st_size > 0

    # Changes after the backup must not survive the restore.
    with source.begin() as conn:
        conn.execute(text("UPDATE unit SET rooms = rooms + 1"))
    source.dispose()

    target_url = fresh_database_url(tmp_path_factory)  # empty: a new machine
    _cli(target_url, "restore", "--yes", str(dump))
    target = build_engine(target_url)
    try:
        assert _every_row(target) == original
        # The restored database is complete: the app starts on it (schema current).
        create_app({"DATABASE_URL": target_url}, base=TestConfig)
    finally:
        target.dispose()

    # Restoring over the changed source puts it back too.
    _cli(source_url, "restore", "--yes", str(dump))
    source = build_engine(source_url)
    try:
        assert _every_row(source) == original
    finally:
        source.dispose()


def test_restore_refuses_a_file_that_is_not_a_backup(tmp_path, tmp_path_factory):
    if PG_URL:
        pytest.skip("SQLite check")
    junk = tmp_path / "junk.backup"
    junk.write_bytes(b"not a database at all" * 100)
    url = f"sqlite:///{tmp_path / 'target.db'}"

    def make_app():  # type: ignore[no-untyped-def]
        return create_app({"DATABASE_URL": url, "CHECK_SCHEMA": False}, base=TestConfig)

    result = CliRunner().invoke(
        main, ["restore", "--yes", str(junk)], obj=ScriptInfo(create_app=make_app)
    )
    assert result.exit_code != 0
