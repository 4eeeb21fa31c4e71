"""Ledger pages: import a paper ledger (preview, then apply) and export the register.

Apply is a second upload of the same file with the "apply" box ticked, not a file kept
on the server between the two steps: no identity numbers sit in temp files waiting for a
cleanup, any worker can serve either step, and the apply step re-checks the file against
the register as it is then (the report shown is the one that was written).
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from rentals import clock, db, queue
from rentals.admin.reach import communities_for
from rentals.auth.access import OFFICE, roles_required
from rentals.register import bp, import_jobs
from rentals.register.exporter import export_register
from rentals.register.forms import ImportForm
from rentals.register.importer import (
    ImportKind,
    ImportReport,
    RowError,
    batch_commits,
    run_import,
)
from rentals.register.ledger import TENANT_COLUMNS, UNIT_COLUMNS, LedgerError, read_ledger
from rentals.register.sheet_limits import read_stream

F = TypeVar("F", bound=Callable[..., Any])

#: Rows of the change list shown on the page; the counts always cover the whole file.
SHOWN_CHANGES = 300
SHOWN_ERRORS = 500
_COLUMNS = {"units": UNIT_COLUMNS, "tenants": TENANT_COLUMNS}


@bp.route("/units/import", methods=["GET", "POST"])
@roles_required(*OFFICE)
def import_ledger():  # type: ignore[no-untyped-def]
    form = ImportForm()
    session = db.session()
    communities = communities_for(session, current_user._get_current_object())
    if communities:
        form.community.choices = [(c.id, c.name) for c in communities]
        if len(communities) == 1:  # no choice to make: the field is not shown
            form.community.data = communities[0].id
    else:
        del form.community
    report: ImportReport | None = None
    status = 200
    if form.validate_on_submit():
        report = _run(form)
        if isinstance(report, str):  # a large ledger went to the worker
            return redirect(url_for("register.import_job", import_id=report))
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


def _run(form: ImportForm) -> ImportReport | str:
    """Plan in a read transaction (other writers go on), then write batch by batch, each
    batch its own short write transaction (see ``run_import``). The apply of a ledger of
    more than ``IMPORT_QUEUE_ROWS`` rows goes to the worker: the job id is returned."""
    try:
        data = read_stream(form.file.data.stream)
        rows = len(read_ledger(data, _COLUMNS[form.kind.data]).rows) if form.apply.data else 0
    except LedgerError as err:
        report = ImportReport(kind=ImportKind(form.kind.data))
        report.errors.append(RowError(0, "", err.message))
        return report
    session = db.session()
    if rows > current_app.config["IMPORT_QUEUE_ROWS"]:
        return import_jobs.enqueue_apply(
            session,
            actor=current_user._get_current_object(),
            kind=form.kind.data,
            data=data,
            filename=form.file.data.filename or "",
            community=form.community.data if "community" in form else None,
            rows=rows,
        )
    session.commit()  # ends the transaction that loaded the user: nothing was written
    db.write_intent.set(False)
    return run_import(
        session,
        actor=current_user._get_current_object(),
        kind=form.kind.data,
        data=data,
        apply=bool(form.apply.data),
        community=form.community.data if "community" in form else None,
        next_transaction=batch_commits(session),
    )


@bp.route("/units/import/jobs/<import_id>")
@roles_required(*OFFICE)
def import_job(import_id: str):  # type: ignore[no-untyped-def]
    """A queued ledger import: progress, then what was written or why nothing was."""
    job = queue.owned_job(db.session(), import_id, current_user.id)
    if job is None or job.kind != "import":
        abort(404)
    return render_template("register/import_job.html", job=job, shown_errors=SHOWN_ERRORS)


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
        download_name=f"出租房台账-{clock.today().isoformat()}.{fmt}",
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
