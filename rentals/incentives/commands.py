"""``rentals print blacklist``: publish the month's edition (once) and write its PDF;
``rentals incentives upload``: store a new version of the measures catalogue or the points
rules."""

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


@click.group("incentives")
def incentives_group() -> None:
    """Versions of the measures catalogue and of the points rules."""


@incentives_group.command("upload")
@click.option("--kind", type=click.Choice(["measures", "points"]), required=True)
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def upload_cmd(kind: str, path: Path) -> None:
    """Check a TOML file and store it as a new version (the same checks as the page)."""
    from rentals.incentives.catalogue import MAX_SOURCE_BYTES
    from rentals.incentives.versions import VersionRejected, upload_version

    if path.stat().st_size > MAX_SOURCE_BYTES:
        raise click.ClickException(f"{path}: larger than {MAX_SOURCE_BYTES} bytes")
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise click.ClickException(f"{path}: not UTF-8 text") from None
    try:
        with db.unit_of_work() as session:
            row = upload_version(session, actor=None, kind=kind, text=text, today=clock.today())
            version, start = row.version, row.active_from
    except VersionRejected as err:
        for problem in err.problems:
            where = f"line {problem.line}: " if problem.line else ""
            click.echo(f"{path}: {where}{problem.text}", err=True)
        raise click.ClickException(str(err.message)) from None
    except DomainError as err:
        raise click.ClickException(str(err.message)) from None
    click.echo(f"{kind} version {version} stored; in force from {start.isoformat()}.")
