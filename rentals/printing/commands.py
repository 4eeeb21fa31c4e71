"""``rentals print plaques|roster|blacklist|notices``: the same services as the print page."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from rentals import clock, db
from rentals.errors import DomainError
from rentals.printing import documents, fonts


def _progress(label: str):  # type: ignore[no-untyped-def]
    def show(done: int, total: int) -> None:
        width = 30
        filled = width * done // max(total, 1)
        click.echo(
            f"\r{label} [{'#' * filled}{'.' * (width - filled)}] {done}/{total}",
            nl=done >= total,
            err=True,
        )

    return show


def _check_fonts() -> None:
    try:
        fonts.check()
    except fonts.PrintingUnavailable as err:
        raise click.ClickException(str(err)) from None


@click.group("print")
def print_group() -> None:
    """Print plaques, inspection rosters and the monthly blacklist to PDF files."""


@print_group.command("plaques")
@click.option("--area", help="Area name.")
@click.option("--unit", "unit_code", help="One unit code.")
@click.option("--changed", is_flag=True, help="Only units whose rating changed since their plaque.")
@click.option("--size", type=click.Choice(["A5", "A4"]), default="A5", show_default=True)
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def plaques_cmd(
    area: str | None, unit_code: str | None, changed: bool, size: str, out: Path
) -> None:
    """Issue and print plaques (a reprint gives a new serial and retires the old plaque)."""
    if sum(bool(x) for x in (area, unit_code, changed)) > 1:
        raise click.UsageError("Give at most one of --area, --unit, --changed.")
    _check_fonts()
    try:
        with db.unit_of_work() as session:
            result = documents.print_plaques(
                session,
                actor=None,
                now=clock.now(),
                base_url=current_app.config["PUBLIC_BASE_URL"],
                area=area,
                unit=unit_code,
                changed=changed,
                size=size,
                progress=_progress("plaques"),
            )
            if result.pdf:
                out.write_bytes(result.pdf)
    except DomainError as err:
        raise click.ClickException(str(err.message)) from None
    for code, reason in result.skipped:
        click.echo(f"  no plaque: {code} ({reason})")
    if not result.pdf:
        raise click.ClickException("No rated unit to print.")
    click.echo(f"{result.pages} plaques written to {out} ({len(result.skipped)} units without).")


@print_group.command("roster")
@click.option("--area", required=True)
@click.option("--from", "start", required=True, type=click.DateTime(["%Y-%m-%d"]))
@click.option("--to", "end", required=True, type=click.DateTime(["%Y-%m-%d"]))
@click.option("--inspector", help="Inspector login.")
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def roster_cmd(area: str, start: datetime, end: datetime, inspector: str | None, out: Path) -> None:
    """Print the inspection roster of an area for a period, in route order."""
    _check_fonts()
    try:
        with db.unit_of_work(write=False) as session:
            result = documents.print_roster(
                session,
                area=area,
                start=start.date(),
                end=end.date(),
                inspector=inspector,
                printed=clock.today(),
                progress=_progress("roster"),
            )
    except DomainError as err:
        raise click.ClickException(str(err.message)) from None
    out.write_bytes(result.pdf)
    click.echo(f"Roster of {result.pages} pages written to {out}.")


@print_group.command("notices")
@click.option("--unit", "unit_code", help="One unit code.")
@click.option("--area", help="Area name.")
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def notices_cmd(unit_code: str | None, area: str | None, out: Path) -> None:
    """Print the rectification notices of the open orders of a unit, an area or everywhere."""
    from sqlmodel import select

    from rentals.register.models import Unit

    if unit_code and area:
        raise click.UsageError("Give at most one of --unit, --area.")
    _check_fonts()
    try:
        with db.unit_of_work(write=False) as session:
            unit = None
            if unit_code:
                unit = session.exec(
                    select(Unit).where(Unit.code == unit_code.strip().upper())
                ).first()
                if unit is None:
                    raise click.ClickException(f"No unit {unit_code}.")
            result = documents.print_notices(
                session,
                printed=clock.today(),
                unit=unit,
                area=area,
                progress=_progress("notices"),
            )
    except DomainError as err:
        raise click.ClickException(str(err.message)) from None
    out.write_bytes(result.pdf)
    click.echo(f"{result.pages} rectification notices written to {out}.")
