"""``rentals dashboard rebuild``: recompute the dashboard's aggregates from the raw rows."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from rentals import db


@click.group("dashboard")
def dashboard_group() -> None:
    """The managers' dashboard."""


@dashboard_group.command("rebuild")
@click.option(
    "--check", is_flag=True, help="Only report whether the kept counts differ; change nothing."
)
@with_appcontext
def rebuild_cmd(check: bool) -> None:
    """Recompute every aggregate (after an upgrade, a restore or a repair); idempotent."""
    from rentals.dashboard import aggregates

    with db.unit_of_work() as session:
        conn = session.connection()
        before = aggregates.snapshot(conn) if check else {}
        report = aggregates.rebuild(conn)
        if check:
            after = aggregates.snapshot(conn)
            wrong = {
                name: len(set(before[name].items()) ^ set(after[name].items())) for name in after
            }
            session.rollback()
            click.echo(f"rows that differ from a rebuild: {wrong}")
            if any(wrong.values()):
                raise SystemExit(1)
            return
    click.echo(
        f"dashboard rebuilt: {report['units']} unit rows, {report['months']} month rows, "
        f"{report['tasks']} task rows; {report['last_inspections_changed']} units' last "
        "inspection corrected"
    )
