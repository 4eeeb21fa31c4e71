"""A planner process, as `rentals plan` runs it: python -m tests.tasks.planner_proc URL DAY.

Test knobs (environment): ``PLAN_SET_BASED_UNITS`` lowers the planner's threshold for the
set-based first plan, so a small register takes it; ``PLAN_BULK_PAUSE`` seconds are slept
inside the first plan's bulk load, after its insert, with a line ``bulk load paused`` on
stderr first, so a test can start a second planner while the first holds its drops;
``PLAN_LOCK_PAUSE`` seconds are slept just before the first plan locks ``task`` for its
drops, so planners started together all reach that point while the others read.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from datetime import date


def _knobs() -> None:
    from rentals.dashboard import aggregates
    from rentals.tasks import bulk, services

    if "PLAN_SET_BASED_UNITS" in os.environ:
        services.SET_BASED_UNITS = int(os.environ["PLAN_SET_BASED_UNITS"])
    pause = float(os.environ.get("PLAN_BULK_PAUSE", "0") or 0)
    if pause:
        count = aggregates.count_tasks

        def slow_count(conn):  # type: ignore[no-untyped-def]
            print("bulk load paused", file=sys.stderr, flush=True)
            time.sleep(pause)
            return count(conn)

        aggregates.count_tasks = slow_count  # type: ignore[assignment]
    wait = float(os.environ.get("PLAN_LOCK_PAUSE", "0") or 0)
    if wait:
        lock = bulk.lock_if_empty

        def slow_lock(conn):  # type: ignore[no-untyped-def]
            time.sleep(wait)
            return lock(conn)

        bulk.lock_if_empty = slow_lock  # type: ignore[assignment]


def main(url: str, day: str) -> None:
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(message)s")
    from rentals import create_app, db
    from rentals.config import TestConfig
    from rentals.tasks import services

    _knobs()
    app = create_app({"DATABASE_URL": url}, base=TestConfig)
    with app.app_context(), db.unit_of_work() as session:
        report = services.plan(session, today=date.fromisoformat(day))
    print(report, flush=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
