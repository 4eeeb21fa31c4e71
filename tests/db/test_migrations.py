"""Migrations build the schema the models describe, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

import rentals.models  # noqa: F401
from rentals import create_app
from rentals.config import TestConfig
from rentals.db import build_engine
from rentals.migrate import SchemaBehind, downgrade, pending_revisions, upgrade
from rentals.modelbase import metadata
from tests.conftest import fresh_database_url


@pytest.fixture
def empty_url(tmp_path_factory):  # type: ignore[no-untyped-def]
    return fresh_database_url(tmp_path_factory)


#: Search structures that live only in migrations (engine-specific, no model).
ENGINE_ONLY = ("unit_fts", "ix_unit_address_trgm")


def _modelled(obj, name, type_, reflected, compare_to):  # type: ignore[no-untyped-def]
    return not (name or "").startswith(ENGINE_ONLY)


def test_upgrade_builds_exactly_the_models(empty_url):
    engine = build_engine(empty_url)
    upgrade(engine)
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_object": _modelled})
        diffs = compare_metadata(context, metadata)
    engine.dispose()
    assert diffs == [], f"models and migrations disagree; write a migration: {diffs!r}"


def test_downgrade_to_base_and_up_again(empty_url):
    engine = build_engine(empty_url)
    upgrade(engine)
    downgrade(engine, "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    upgrade(engine)
    assert "unit" in inspect(engine).get_table_names()
    assert pending_revisions(engine) == set()
    engine.dispose()


def test_app_refuses_to_start_on_a_schema_that_is_behind(empty_url, tmp_path, monkeypatch):
    monkeypatch.setenv("RENTALS_INSTANCE_PATH", str(tmp_path))
    with pytest.raises(SchemaBehind, match="rentals db upgrade"):
        create_app({"DATABASE_URL": empty_url}, base=TestConfig)


def test_cli_upgrade_then_app_starts(empty_url, tmp_path, monkeypatch):
    from click.testing import CliRunner

    from rentals.cli import main

    monkeypatch.setenv("RENTALS_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("RENTALS_DATABASE_URL", empty_url)
    monkeypatch.setattr("sys.argv", ["rentals", "db", "upgrade"])
    monkeypatch.setattr("rentals.config.Config.DATABASE_URL", empty_url)
    result = CliRunner().invoke(main, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    app = create_app({"DATABASE_URL": empty_url}, base=TestConfig)
    assert app.config["DATABASE_URL"] == empty_url
