"""Production settings by default: no secret, no start; development secrets only when asked."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = Path(sys.executable).with_name("gunicorn")
SAYS_WHY = "RENTALS_SECRET_KEY is not set"


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RENTALS_")}
    env["RENTALS_INSTANCE_PATH"] = str(tmp_path / "instance")
    env["RENTALS_DATABASE_URL"] = f"sqlite:///{tmp_path / 'empty.db'}"
    return {**env, **extra}


def _python(code: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
    )


def test_create_app_without_a_secret_refuses_to_start_and_says_why(tmp_path):
    out = _python("from rentals import create_app; create_app()", _env(tmp_path))
    assert out.returncode != 0
    assert SAYS_WHY in out.stderr
    assert not (tmp_path / "instance" / "secret_key").exists()


def test_gunicorn_without_a_secret_refuses_to_start_and_says_why(tmp_path):
    out = subprocess.run(
        [str(GUNICORN), "--check-config", "rentals:create_app()"],
        cwd=ROOT,
        env=_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode != 0
    assert SAYS_WHY in out.stdout + out.stderr


def test_create_app_with_a_secret_uses_the_production_settings(tmp_path):
    code = (
        "from rentals import create_app\n"
        "app = create_app({'CHECK_SCHEMA': False})\n"
        "print(app.config['SECRET_KEY'], app.config['SECRET_KEY_FILE'], app.config['TESTING'])\n"
    )
    out = _python(code, _env(tmp_path, RENTALS_SECRET_KEY="s" * 40))
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["s" * 40, "None", "False"]
    assert not (tmp_path / "instance" / "secret_key").exists()


def test_the_development_settings_keep_one_owner_only_secret_across_restarts(tmp_path):
    code = (
        "from rentals import create_app\n"
        "from rentals.config import DevelopmentConfig\n"
        "app = create_app({'CHECK_SCHEMA': False}, base=DevelopmentConfig)\n"
        "print(app.config['SECRET_KEY'])\n"
    )
    first = _python(code, _env(tmp_path))
    second = _python(code, _env(tmp_path))
    assert first.returncode == 0 and second.returncode == 0, first.stderr + second.stderr
    key = first.stdout.strip()
    assert len(key) == 64 and key == second.stdout.strip()
    secret_file = tmp_path / "instance" / "secret_key"
    assert secret_file.read_text().strip() == key
    assert stat.S_IMODE(secret_file.stat().st_mode) == 0o600


def test_the_rentals_command_starts_without_a_secret(tmp_path):
    # `python -m rentals.cli` from the worktree: the venv's `rentals` script may import
    # another checkout of the package.
    out = subprocess.run(
        [sys.executable, "-m", "rentals.cli", "db", "upgrade"],
        cwd=ROOT,
        env=_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr
    assert (tmp_path / "instance" / "secret_key").exists()


def test_behind_one_proxy_the_client_address_is_the_forwarded_one(database_url):
    from rentals import create_app
    from rentals.config import TestConfig

    seen = []
    for hops in (0, 1):
        app = create_app(
            {"DATABASE_URL": database_url, "PROXY_HOPS": hops, "CHECK_SCHEMA": False},
            base=TestConfig,
        )

        @app.get("/_addr")
        def _addr():  # type: ignore[no-untyped-def]
            from flask import request

            return request.remote_addr or ""

        response = app.test_client().get(
            "/_addr",
            headers={"X-Forwarded-For": "203.0.113.7"},
            environ_base={"REMOTE_ADDR": "127.0.0.1"},
        )
        seen.append(response.get_data(as_text=True))
    assert seen == ["127.0.0.1", "203.0.113.7"]
