"""Gunicorn settings for the web workers (``gunicorn -c gunicorn.conf.py 'rentals:create_app()'``).

Measured on a 2-core machine (docs/deploy.md): sync workers, two per core at most;
threaded workers were slower with SQLAlchemy here. The scheduler never runs inside a
worker (``RENTALS_SCHEDULER=0`` below); run ``rentals scheduler`` once per installation
and ``rentals worker`` for the queue. Every value can be overridden on the command line
or with ``GUNICORN_CMD_ARGS``.
"""

import multiprocessing
import os

bind = os.environ.get("RENTALS_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("RENTALS_WEB_WORKERS", min(2 * multiprocessing.cpu_count(), 4)))
worker_class = "sync"
# A checklist submit with photos is the slowest request a user makes; prints and large
# imports run on the queue, so nothing legitimate needs longer.
timeout = 60
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then so a slow leak cannot grow without bound.
max_requests = 2000
max_requests_jitter = 200
# Behind nginx on the same machine (docs/deploy.md); RENTALS_PROXY_HOPS=1 makes the app
# trust its X-Forwarded-For.
forwarded_allow_ips = "127.0.0.1"
accesslog = "-"
errorlog = "-"
raw_env = ["RENTALS_SCHEDULER=0"]

#: Requests after which a worker moves what it holds into the collector's permanent
#: generation (its first requests compile templates and fill caches).
FREEZE_AFTER = {1, 20, 200}


def _freeze() -> None:
    """Collect once, then exempt every object alive now from later collections: a
    worker holds some 230,000 long-lived objects (the app, SQLAlchemy, catalogues), and
    each full collection walked them all, a stall of 100-200 ms every 15 requests or so
    that set the p95 of every page (docs/deploy.md)."""
    import gc

    gc.collect()
    gc.freeze()


def post_worker_init(worker):  # type: ignore[no-untyped-def]
    _freeze()


def post_request(worker, req, environ, resp):  # type: ignore[no-untyped-def]
    # After the answer is sent; worker.nr counts the requests this worker handled.
    if worker.nr in FREEZE_AFTER:
        _freeze()
