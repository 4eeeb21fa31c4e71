"""``rentals print blacklist``: publish the month's edition (once) and write its PDF."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from rentals import clock, db
from rentals.errors import DomainError
from rentals.printing import fonts


@click.command("blacklist")
@click.option("--month", help="YYYY-MM (default: this month).")
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def blacklist_cmd(month: str | None, out: Path) -> None:
    """Publish the month's blacklist (once) and write its PDF; past months reprint as published."""
    from rentals.incentives.blacklist import publish_blacklist

    try:
        fonts.check()
    except fonts.PrintingUnavailable as err:
        raise click.ClickException(str(err)) from None
    month = month or clock.today().strftime("%Y-%m")
    click.echo(f"blacklist {month} ...", err=True)
    try:
        with db.unit_of_work() as session:
            edition = publish_blacklist(session, month=month, now=clock.now())
            pdf = edition.pdf
    except DomainError as err:
        raise click.ClickException(str(err.message)) from None
    out.write_bytes(pdf)
    click.echo(f"Blacklist {month} written to {out}.")
