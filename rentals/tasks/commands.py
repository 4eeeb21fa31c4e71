"""``rentals plan``, ``rentals tasks`` and ``rentals scheduler``: the planner from a shell."""

from __future__ import annotations

import csv
import io
import sys
from datetime import date, datetime
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from rentals import clock, db
from rentals.register.ledger import escape_formula


def _today() -> date:
    return clock.today()


@click.command("plan")
@click.option(
    "--date", "day", type=click.DateTime(["%Y-%m-%d"]), help="Plan as of this day (default today)."
)
@with_appcontext
def plan_cmd(day: datetime | None) -> None:
    """Create, cancel and reopen inspection tasks as of a date (idempotent)."""
    from rentals.tasks import services

    today = day.date() if day else _today()
    with db.unit_of_work() as session:
        report = services.plan(session, today=today)
    click.echo(
        f"{today}: {report.created} created, {report.cancelled} cancelled, "
        f"{report.reopened} reopened ({report.units} units needed planning)"
    )


@click.command("tasks")
@click.option("--due-from", required=True, type=click.DateTime(["%Y-%m-%d"]))
@click.option("--due-to", required=True, type=click.DateTime(["%Y-%m-%d"]))
@click.option("--area", default=None, help="Area name, e.g. 南区.")
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx"]), default="csv")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None)
@with_appcontext
def tasks_cmd(
    due_from: datetime, due_to: datetime, area: str | None, fmt: str, out: Path | None
) -> None:
    """Export the tasks due in a window (CSV with a BOM, or XLSX)."""
    from rentals.tasks import queries

    if due_to < due_from:
        raise click.BadParameter("--due-to is before --due-from")
    if fmt == "xlsx" and out is None:
        raise click.UsageError("--format xlsx needs --out FILE")
    with db.unit_of_work(write=False) as session:
        rows = queries.export_rows(
            session, due_from=due_from.date(), due_to=due_to.date(), area=area
        )
        data = write_xlsx(rows) if fmt == "xlsx" else write_csv(rows).encode("utf-8-sig")
    if out is None:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    else:
        out.write_bytes(data)
        click.echo(f"Wrote {out}", err=True)


def write_csv(rows) -> str:  # type: ignore[no-untyped-def]
    from rentals.tasks.queries import EXPORT_HEADERS

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(EXPORT_HEADERS)
    for row in rows:
        writer.writerow([escape_formula(v) if isinstance(v, str) else v for v in row])
    return buffer.getvalue()


def write_xlsx(rows) -> bytes:  # type: ignore[no-untyped-def]
    import xlsxwriter

    from rentals.tasks.queries import EXPORT_HEADERS

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False})
    sheet = book.add_worksheet("tasks")
    for col, header in enumerate(EXPORT_HEADERS):
        sheet.write_string(0, col, header)
    for r, row in enumerate(rows, start=1):
        for col, value in enumerate(row):
            if isinstance(value, int):
                sheet.write_number(r, col, value)
            else:
                sheet.write_string(r, col, escape_formula(str(value)))
    book.close()
    return buffer.getvalue()


@click.command("scheduler")
@with_appcontext
def scheduler_cmd() -> None:
    """Run the scheduled jobs in this process (deployments with several web workers)."""
    from rentals.scheduler.wiring import run_blocking_scheduler

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    click.echo("Scheduler running; stop with Ctrl-C.")
    run_blocking_scheduler(app)
