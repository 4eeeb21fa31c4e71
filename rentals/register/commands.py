"""``rentals import-units FILE`` and ``rentals import-tenants FILE``: the ledger from a shell.

A dry run by default (prints what would change, writes nothing); ``--apply`` writes, only
when the whole file is valid, in short transactions of a batch of rows each (so other
writers are not held up). ``--community NAME`` picks the community that new areas go to
when there are several. Exit status 1 on any error.
"""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import force_locale

from rentals import db
from rentals.register.importer import ImportKind, ImportReport, batch_commits, run_import
from rentals.register.ledger import LedgerError
from rentals.register.sheet_limits import read_upload

_SUBJECTS = {"area": "areas", "unit": "units", "person": "people", "tenancy": "tenancies"}


class _Failed(Exception):
    """Leaves ``unit_of_work`` with an exception so it rolls back."""


def _print(report: ImportReport, path: Path) -> None:
    for notice in report.notices:
        click.echo(f"notice: {notice}")
    for warning in report.warnings:
        click.echo(f"warning: row {warning.row}, {warning.column}: {warning.message}")
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


def _run(kind: ImportKind, path: Path, apply: bool, community: str | None) -> None:
    # Messages are lazy gettext strings; outside a request the locale selector has no
    # browser to ask, so name the locale (the ledger's language) explicitly.
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        _import(kind, path, apply, community)


def _import(kind: ImportKind, path: Path, apply: bool, community: str | None) -> None:
    try:
        data = read_upload(path)
    except LedgerError as err:
        raise click.ClickException(f"{path}: {err.message}") from None
    try:
        # The plan only reads; each batch of the apply is its own write transaction.
        with db.unit_of_work(write=False) as session:
            report = run_import(
                session,
                actor=None,
                kind=kind,
                data=data,
                apply=apply,
                community=community,
                next_transaction=batch_commits(session),
            )
            if not report.ok or not apply:
                raise _Failed
    except _Failed:
        pass
    _print(report, path)
    if not report.ok:
        written = f" {report.batches} batch(es) were written first." if report.batches else ""
        raise click.ClickException(
            f"{len(report.errors)} error(s); "
            + ("nothing was written." if not report.batches else written.strip())
        )
    if apply:
        click.echo(f"Applied: {report.rows} rows of {path.name}.")
    else:
        click.echo("Dry run: nothing was written. Add --apply to write these changes.")


_file = click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
_apply = click.option(
    "--apply/--dry-run", default=False, help="Write the changes (default: only show them)."
)
_community = click.option(
    "--community",
    metavar="NAME",
    default=None,
    help="The community the ledger's areas belong to (needed when there are several).",
)


@click.command("import-units")
@_file
@_apply
@_community
@with_appcontext
def import_units(file: Path, apply: bool, community: str | None) -> None:
    """Import the rental-unit ledger (CSV or XLSX), landlords included; areas it names
    that the community does not have yet are created."""
    _run(ImportKind.UNITS, file, apply, community)


@click.command("import-tenants")
@_file
@_apply
@_community
@with_appcontext
def import_tenants(file: Path, apply: bool, community: str | None) -> None:
    """Import the tenant ledger (CSV or XLSX); units must already exist."""
    _run(ImportKind.TENANTS, file, apply, community)
