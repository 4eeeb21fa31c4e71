"""``rentals worker``: huey's consumer for the app's queue (run one or more, anywhere
that reaches the database), plus the reaper that takes back jobs of dead workers."""

from __future__ import annotations

import logging
import threading

import click
from flask import current_app
from flask.cli import with_appcontext

from rentals import queue

log = logging.getLogger(__name__)


def _reap_forever(app, stop: threading.Event) -> None:  # type: ignore[no-untyped-def]
    interval = max(1.0, float(app.config["QUEUE_LEASE_SECONDS"]) / 2)
    while not stop.wait(interval):
        try:
            queue.reap(app)
        except Exception:
            log.warning("Reaping stale jobs failed", exc_info=True)


@click.command("worker")
@click.option("--threads", default=1, show_default=True, help="Jobs run at once.")
@with_appcontext
def worker_cmd(threads: int) -> None:
    """Run queued jobs (big prints, large ledger imports) until stopped (Ctrl-C, SIGTERM)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    huey = queue.huey_of(app)
    if huey.immediate:
        raise click.ClickException("QUEUE_IMMEDIATE is set: jobs run in the web process.")
    taken = queue.reap(app)
    if taken:
        click.echo(f"Took back {taken} job(s) of a stopped worker.")
    stop = threading.Event()
    threading.Thread(target=_reap_forever, args=(app, stop), daemon=True, name="reaper").start()
    consumer = huey.create_consumer(
        workers=threads, periodic=False, initial_delay=0.1, backoff=1.3, max_delay=2.0
    )
    click.echo(f"Worker started ({threads} thread(s)); the queue is in the app's database.")
    try:
        consumer.run()
    finally:
        stop.set()
