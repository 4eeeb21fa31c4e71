"""Browser tests: the real server in a subprocess, the system Chromium through Playwright."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def pytest_collection_modifyitems(items):  # type: ignore[no-untyped-def]
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):  # type: ignore[no-untyped-def]
    if not os.path.exists(CHROMIUM):
        pytest.skip("Debian chromium is not installed (scripts/setup.sh --test installs it)")
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):  # type: ignore[no-untyped-def]
    return {
        **browser_context_args,
        "viewport": {"width": 360, "height": 740},
        "locale": "zh-CN",
        "device_scale_factor": 1,
    }


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


#: The live server's instance folder by its address, for tests that read its database.
INSTANCES: dict[str, Path] = {}
#: How long the live server may take to answer /healthz before the tests give up.
SERVER_START_SECONDS = 90


@pytest.fixture(scope="session")
def live_server(tmp_path_factory) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """The product as the README runs it: migrated SQLite, demo data, its own process."""
    instance = tmp_path_factory.mktemp("live")
    env = {
        **os.environ,
        "RENTALS_INSTANCE_PATH": str(instance),
        "RENTALS_SECRET_KEY": "browser-test",
        "RENTALS_SCHEDULER": "0",
        # Every user of these tests signs in from 127.0.0.1: the per-address burst limit
        # (10 a minute by default) would answer 429 to the eleventh sign-in of a fast run.
        "RENTALS_LOGIN_RATE_LIMIT": "1000 per minute",
    }
    env.pop("RENTALS_DATABASE_URL", None)
    cli = [sys.executable, "-m", "rentals.cli"]
    subprocess.run([*cli, "db", "upgrade"], env=env, check=True, capture_output=True)
    subprocess.run([*cli, "seed-demo"], env=env, check=True, capture_output=True)
    # Today's inspection tasks, so the inspector's home page has a due list.
    subprocess.run([*cli, "plan"], env=env, check=True, capture_output=True)
    port = _free_port()
    log = open(instance / "server.log", "w")  # noqa: SIM115
    proc = subprocess.Popen(
        [*cli, "serve", "--port", str(port), "--no-scheduler"], env=env, stdout=log, stderr=log
    )
    url = f"http://127.0.0.1:{port}"
    INSTANCES[url] = instance
    # A loaded CI machine (or a parallel run) can take many seconds to import and warm up.
    deadline = time.monotonic() + SERVER_START_SECONDS
    while True:
        try:
            urllib.request.urlopen(url + "/healthz", timeout=2)
            break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                log.flush()
                raise RuntimeError(
                    "server did not start: " + (instance / "server.log").read_text()
                ) from None
            time.sleep(0.2)
    yield url
    proc.terminate()
    proc.wait(timeout=10)
    log.close()


def shot(page, name: str) -> Path:  # type: ignore[no-untyped-def]
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def sign_in(page, base_url: str, username: str, password: str = "zhaxi2026"):  # type: ignore[no-untyped-def]
    page.goto(base_url + "/login")
    page.get_by_label("登录名或手机号").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
