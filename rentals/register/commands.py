"""``rentals import-units FILE`` and ``rentals import-tenants FILE``: the ledger from a shell.

A dry run by default (prints what would change, writes nothing); ``--apply`` writes, in
one transaction, and only when the whole file is valid. Exit status 1 on any error.
"""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import force_locale

from rentals import db
from rentals.register.importer import ImportKind, ImportReport, run_import

_SUBJECTS = {"unit": "units", "person": "people", "tenancy": "tenancies"}


class _Failed(Exception):
    """Leaves ``unit_of_work`` with an exception so it rolls back."""


def _print(report: ImportReport, path: Path) -> None:
    for notice in report.notices:
        click.echo(f"notice: {notice}")
    for change in report.changed:
        columns = f" ({', '.join(change.columns)})" if change.columns else ""
        click.echo(f"row {change.row}: {change.subject} {change.key} {change.action}{columns}")
    for error in report.errors:
        where = f"row {error.row}, {error.column}: " if error.row else ""
        click.echo(f"{path}: {where}{error.message}", err=True)
    for subject, counts in report.counts().items():
        click.echo(
            f"{_SUBJECTS[subject]}: {counts['created']} created, {counts['updated']} updated, "
            f"{counts['unchanged']} unchanged"
        )


def _run(kind: ImportKind, path: Path, apply: bool) -> None:
    # Messages are lazy gettext strings; outside a request the locale selector has no
    # browser to ask, so name the locale (the ledger's language) explicitly.
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        _import(kind, path, apply)


def _import(kind: ImportKind, path: Path, apply: bool) -> None:
    data = path.read_bytes()
    try:
        with db.unit_of_work(write=apply) as session:
            report = run_import(session, actor=None, kind=kind, data=data, apply=apply)
            if not report.ok or not apply:
                raise _Failed
    except _Failed:
        pass
    _print(report, path)
    if not report.ok:
        raise click.ClickException(f"{len(report.errors)} error(s); nothing was written.")
    if apply:
        click.echo(f"Applied: {report.rows} rows of {path.name}.")
    else:
        click.echo("Dry run: nothing was written. Add --apply to write these changes.")


_file = click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
_apply = click.option(
    "--apply/--dry-run", default=False, help="Write the changes (default: only show them)."
)


@click.command("import-units")
@_file
@_apply
@with_appcontext
def import_units(file: Path, apply: bool) -> None:
    """Import the rental-unit ledger (CSV or XLSX), landlords included."""
    _run(ImportKind.UNITS, file, apply)


@click.command("import-tenants")
@_file
@_apply
@with_appcontext
def import_tenants(file: Path, apply: bool) -> None:
    """Import the tenant ledger (CSV or XLSX); units must already exist."""
    _run(ImportKind.TENANTS, file, apply)
