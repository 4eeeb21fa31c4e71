"""``rentals backup OUT`` and ``rentals restore IN``."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from rentals import db
from rentals.backup import BackupError, backup, restore


@click.command("backup")
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup_cmd(out: Path) -> None:
    """Write a consistent copy of the database to OUT (safe while the app runs)."""
    try:
        written = backup(current_app.config["DATABASE_URL"], out)
    except BackupError as err:
        raise click.ClickException(str(err)) from None
    click.echo(f"Backup written to {written} ({written.stat().st_size} bytes).")


@click.command("restore")
@click.argument("source", metavar="IN", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@with_appcontext
def restore_cmd(source: Path, yes: bool) -> None:
    """Replace the whole database with the backup IN. Stop the server first."""
    url = current_app.config["DATABASE_URL"]
    if not yes:
        click.confirm("This replaces every row of the current database. Continue?", abort=True)
    db.engine().dispose()  # no pooled connection may hold the file or the old schema
    try:
        restore(url, source)
    except BackupError as err:
        raise click.ClickException(str(err)) from None
    click.echo(f"Database restored from {source}.")
