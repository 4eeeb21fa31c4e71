"""Ledger pages: import a paper ledger (preview, then apply) and export the register.

Apply is a second upload of the same file with the "apply" box ticked, not a file kept
on the server between the two steps: no identity numbers sit in temp files waiting for a
cleanup, any worker can serve either step, and the apply step re-checks the file against
the register as it is then (the report shown is the one that was written).
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from datetime import date
from functools import wraps
from typing import Any, TypeVar

from flask import flash, render_template, request, send_file
from flask_babel import gettext as _
from flask_login import current_user

from rentals import db
from rentals.auth.access import OFFICE, roles_required
from rentals.register import bp
from rentals.register.exporter import export_register
from rentals.register.forms import ImportForm
from rentals.register.importer import ImportReport, run_import

F = TypeVar("F", bound=Callable[..., Any])

#: Rows of the change list shown on the page; the counts always cover the whole file.
SHOWN_CHANGES = 300
SHOWN_ERRORS = 500


@bp.route("/units/import", methods=["GET", "POST"])
@roles_required(*OFFICE)
def import_ledger():  # type: ignore[no-untyped-def]
    form = ImportForm()
    report: ImportReport | None = None
    status = 200
    if form.validate_on_submit():
        data = form.file.data.read()
        report = run_import(
            db.session(),
            actor=current_user._get_current_object(),
            kind=form.kind.data,
            data=data,
            apply=bool(form.apply.data),
        )
        if not report.ok:
            status = 422  # also rolls the request back, should anything have been flushed
        elif report.applied:
            flash(_("台账已导入。"), "success")
            form.apply.data = False
    elif form.is_submitted():
        status = 422
    return (
        render_template(
            "register/import.html",
            form=form,
            report=report,
            shown_changes=SHOWN_CHANGES,
            shown_errors=SHOWN_ERRORS,
        ),
        status,
    )


def _writes(view: F) -> F:
    """For a GET that writes (the export's audit row): SQLite takes the write lock at BEGIN.

    Outside ``roles_required``, because loading the user opens the transaction.
    """

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        db.write_intent.set(True)
        return view(*args, **kwargs)

    return wrapped  # type: ignore[return-value]


def _export(fmt: str, mimetype: str):  # type: ignore[no-untyped-def]
    out = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115 (send_file closes it)
    raw = request.args.get("community", "")
    community_id = int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 9 else None
    export_register(
        db.session(),
        actor=current_user._get_current_object(),
        fmt=fmt,
        out=out,
        community_id=community_id,
    )
    out.seek(0)
    return send_file(
        out,
        mimetype=mimetype,
        as_attachment=True,
        download_name=f"出租房台账-{date.today().isoformat()}.{fmt}",
        max_age=0,
    )


@bp.route("/units/export.csv")
@_writes
@roles_required(*OFFICE)
def export_csv():  # type: ignore[no-untyped-def]
    return _export("csv", "text/csv")


@bp.route("/units/export.xlsx")
@_writes
@roles_required(*OFFICE)
def export_xlsx():  # type: ignore[no-untyped-def]
    return _export("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
