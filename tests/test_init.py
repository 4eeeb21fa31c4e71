"""`rentals init`: a real installation's first start (migrate, then the first administrator)."""

from __future__ import annotations

import re

import pytest
from argon2 import PasswordHasher
from click.testing import CliRunner
from sqlalchemy import create_engine, text

from tests.conftest import fresh_database_url


@pytest.fixture
def empty_db(tmp_path_factory, tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    """An empty database (not even migrated) that the `rentals` command will use."""
    url = fresh_database_url(tmp_path_factory)
    monkeypatch.setenv("RENTALS_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.setattr("rentals.config.Config.DATABASE_URL", url)
    monkeypatch.setattr("sys.argv", ["rentals", "init"])
    return url


def _run(*args: str, stdin: str | None = None):  # type: ignore[no-untyped-def]
    from rentals.cli import main

    return CliRunner().invoke(main, list(args), input=stdin)


def _users(url: str) -> list[tuple]:
    engine = create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(
            text('SELECT username, role, must_change_password, password_hash FROM "user"')
        ).all()
    engine.dispose()
    return [tuple(row) for row in rows]


def test_init_with_admin_migrates_and_prints_a_one_time_password(empty_db):
    result = _run("init", "--admin", "Chief")
    assert result.exit_code == 0, result.output
    match = re.search(r"One-time password .*: (\S+)$", result.output, re.MULTILINE)
    assert match, result.output
    password = match.group(1)
    # The password rules, written out here: 8+ characters, letters and digits.
    assert len(password) >= 8 and re.search(r"[A-Za-z]", password) and re.search(r"\d", password)
    [(username, role, must_change, password_hash)] = _users(empty_db)
    assert (username, role, bool(must_change)) == ("chief", "admin", True)
    assert PasswordHasher().verify(password_hash, password)


def test_init_refuses_when_an_administrator_exists(empty_db):
    assert _run("init", "--admin", "chief").exit_code == 0
    again = _run("init", "--admin", "second")
    assert again.exit_code != 0
    assert "exists already" in again.output
    assert [row[0] for row in _users(empty_db)] == ["chief"]


def test_init_asks_for_the_administrator_when_no_name_is_given(empty_db):
    result = _run("init", stdin="chief\n卓玛\nzhaxi2027x\nzhaxi2027x\n")
    assert result.exit_code == 0, result.output
    assert "One-time password" not in result.output
    [(username, role, must_change, password_hash)] = _users(empty_db)
    assert (username, role, bool(must_change)) == ("chief", "admin", False)
    assert PasswordHasher().verify(password_hash, "zhaxi2027x")


def test_init_refuses_a_weak_password_and_creates_nothing(empty_db):
    result = _run("init", stdin="chief\n卓玛\nshort\nshort\n")
    assert result.exit_code != 0
    assert _users(empty_db) == []
