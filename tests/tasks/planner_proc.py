"""A planner process, as `rentals plan` runs it: python -m tests.tasks.planner_proc URL DAY."""

from __future__ import annotations

import logging
import sys
from datetime import date


def main(url: str, day: str) -> None:
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(message)s")
    from rentals import create_app, db
    from rentals.config import TestConfig
    from rentals.tasks import services

    app = create_app({"DATABASE_URL": url}, base=TestConfig)
    with app.app_context(), db.unit_of_work() as session:
        report = services.plan(session, today=date.fromisoformat(day))
    print(report, flush=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
