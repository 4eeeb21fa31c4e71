"""A throwaway PostgreSQL server for the benchmarks, on a loopback port.

``postgres_server()`` is a context manager yielding the URL of an empty database; it
reuses tests/pgserver.py's helpers (Debian server binaries, ``postgres`` account when
run as root) and stops and removes the server on exit.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator

from tests.pgserver import _as_postgres, _bin, _free_port


@contextlib.contextmanager
def postgres_server(max_connections: int = 120) -> Iterator[str]:
    tmp = tempfile.mkdtemp(prefix="rentals-bench-pg-")
    data = os.path.join(tmp, "data")
    if os.geteuid() == 0:
        shutil.chown(tmp, "postgres", "postgres")
    port = _free_port()
    quiet = {"stdout": subprocess.DEVNULL}
    initdb = [_bin("initdb"), "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8"]
    subprocess.run(_as_postgres([*initdb, "--locale=C.UTF-8"]), check=True, **quiet)
    opts = (
        f"-p {port} -k {tmp} -c listen_addresses=127.0.0.1 -c fsync=off"
        f" -c max_connections={max_connections} -c shared_buffers=256MB"
    )
    log = os.path.join(tmp, "log")
    start = [_bin("pg_ctl"), "-D", data, "-o", opts, "-w", "-l", log, "start"]
    subprocess.run(_as_postgres(start), check=True, **quiet)
    try:
        for _ in range(50):
            ready = [_bin("pg_isready"), "-h", "127.0.0.1", "-p", str(port)]
            if subprocess.run(ready, capture_output=True).returncode == 0:
                break
            time.sleep(0.1)
        createdb = [_bin("createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres"]
        subprocess.run([*createdb, "rentals_bench"], check=True)
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/rentals_bench"
    finally:
        stop = [_bin("pg_ctl"), "-D", data, "-m", "fast", "stop"]
        subprocess.run(_as_postgres(stop), **quiet)
        shutil.rmtree(tmp, ignore_errors=True)
