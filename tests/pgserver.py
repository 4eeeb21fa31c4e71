"""Run a command against a throwaway PostgreSQL server on a loopback port.

    python -m tests.pgserver CMD [ARGS...]

Starts the Debian server binaries in a temporary directory, exports
RENTALS_TEST_DATABASE_URL for the command, and stops and removes the server after.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time


def _bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if not found:
        sys.exit(f"PostgreSQL server binaries not found ({name}); install the postgresql package.")
    return found[-1]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_postgres(cmd: list[str]) -> list[str]:
    # initdb refuses to run as root; the Debian package provides the postgres account.
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


def main(argv: list[str]) -> int:
    tmp = tempfile.mkdtemp(prefix="rentals-pg-")
    data = os.path.join(tmp, "data")
    if os.geteuid() == 0:
        shutil.chown(tmp, "postgres", "postgres")
    port = _free_port()
    quiet = {"stdout": subprocess.DEVNULL}
    subprocess.run(
        _as_postgres(
            [
                _bin("initdb"),
                "-D",
                data,
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
            ]
        ),
        check=True,
        **quiet,
    )
    opts = f"-p {port} -k {tmp} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=120"
    subprocess.run(
        _as_postgres(
            [_bin("pg_ctl"), "-D", data, "-o", opts, "-w", "-l", os.path.join(tmp, "log"), "start"]
        ),
        check=True,
        **quiet,
    )
    try:
        for _ in range(50):
            ok = (
                subprocess.run(
                    [_bin("pg_isready"), "-h", "127.0.0.1", "-p", str(port)], capture_output=True
                ).returncode
                == 0
            )
            if ok:
                break
            time.sleep(0.1)
        subprocess.run(
            [
                _bin("createdb"),
                "-h",
                "127.0.0.1",
                "-p",
                str(port),
                "-U",
                "postgres",
                "rentals_test",
            ],
            check=True,
        )
        env = dict(os.environ)
        env["RENTALS_TEST_DATABASE_URL"] = (
            f"postgresql+psycopg://postgres@127.0.0.1:{port}/rentals_test"
        )
        return subprocess.run(argv, env=env).returncode
    finally:
        subprocess.run(_as_postgres([_bin("pg_ctl"), "-D", data, "-m", "fast", "stop"]), **quiet)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
