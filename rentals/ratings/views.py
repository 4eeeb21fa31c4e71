"""Scorecard versions for managers: list, view, diff, upload, activate, what-if."""

from __future__ import annotations

from datetime import date

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlmodel import select

from rentals import clock, db, queue
from rentals.auth.access import OFFICE, roles_required
from rentals.errors import DomainError
from rentals.ratings import bp, services, whatif_jobs
from rentals.ratings.diff import diff_scorecards
from rentals.ratings.forms import ActivateForm, RunWhatIfForm, UploadForm
from rentals.ratings.models import ScorecardVersion
from rentals.ratings.problems import describe_all
from rentals.ratings.whatif import Change, what_if

WHAT_IF_PER_PAGE = 100


def _today() -> date:
    return clock.today()


def _version_or_404(number: int) -> ScorecardVersion:
    row = (
        db.session()
        .exec(select(ScorecardVersion).where(ScorecardVersion.version == number))
        .first()
    )
    if row is None:
        abort(404)
    return row


def _state_of(row: ScorecardVersion) -> services.VersionState:
    states = {r.id: s for r, s in services.version_states(db.session(), today=_today())}
    return states[row.id]


@bp.route("")
@roles_required(*OFFICE)
def versions():  # type: ignore[no-untyped-def]
    rows = services.version_states(db.session(), today=_today())
    return render_template("ratings/versions.html", rows=rows)


@bp.route("/<int:scorecard_version>")
@roles_required(*OFFICE)
def version(scorecard_version: int):  # type: ignore[no-untyped-def]
    row = _version_or_404(scorecard_version)
    form = ActivateForm(start=_today())
    return render_template(
        "ratings/version.html",
        row=row,
        card=services.card_of(row),
        state=_state_of(row),
        form=form,
    )


@bp.route("/<int:scorecard_version>/activate", methods=["POST"])
@roles_required(*OFFICE)
def activate(scorecard_version: int):  # type: ignore[no-untyped-def]
    row = _version_or_404(scorecard_version)
    form = ActivateForm()
    error = None
    if form.validate_on_submit():
        try:
            services.activate_scorecard(
                db.session(),
                actor=current_user._get_current_object(),
                version=row,
                start=form.start.data,
                today=_today(),
            )
        except DomainError as err:
            error = err
        else:
            flash(
                _(
                    "第 %(v)s 版将于 %(day)s 起启用。",
                    v=row.version,
                    day=form.start.data.isoformat(),
                ),
                "success",
            )
            return redirect(url_for("ratings.version", scorecard_version=row.version))
    status = 422
    if error is not None:
        status = error.status
        if error.field == "start":
            form.start.errors = [*form.start.errors, str(error.message)]
        else:
            flash(str(error.message), "error")
    return (
        render_template(
            "ratings/version.html",
            row=row,
            card=services.card_of(row),
            state=_state_of(row),
            form=form,
        ),
        status,
    )


@bp.route("/upload", methods=["GET", "POST"])
@roles_required(*OFFICE)
def upload():  # type: ignore[no-untyped-def]
    form = UploadForm()
    problems = []
    status = 200
    if form.validate_on_submit():
        text = form.source.data or ""
        if form.file.data:
            raw = form.file.data.read(services.MAX_SCORECARD_BYTES + 1)
            try:
                text = raw.decode("utf-8-sig")
            except UnicodeDecodeError:
                text = None
                # A file cut at the limit may end inside a character: say what is wrong.
                message = (
                    _("文件过大，最多 %(n)s 字节。", n=services.MAX_SCORECARD_BYTES)
                    if len(raw) > services.MAX_SCORECARD_BYTES
                    else _("文件必须是 UTF-8 编码的文本。")
                )
                form.file.errors = [*form.file.errors, message]
        if text is not None:
            try:
                row = services.upload_scorecard(
                    db.session(), actor=current_user._get_current_object(), text=text
                )
            except services.ScorecardRejected as err:
                problems = describe_all(err.problems)
                flash(str(err.message), "error")
            except DomainError as err:
                form.source.errors = [*form.source.errors, str(err.message)]
            else:
                flash(_("已保存为第 %(v)s 版草稿。", v=row.version), "success")
                return redirect(url_for("ratings.version", scorecard_version=row.version))
        status = 422
    elif form.is_submitted():
        status = 422
    return render_template("ratings/upload.html", form=form, problems=problems), status


@bp.route("/diff")
@roles_required(*OFFICE)
def diff():  # type: ignore[no-untyped-def]
    rows = [r for r, _s in services.version_states(db.session(), today=_today())]
    numbers = [r.version for r in rows]
    old_n = request.args.get("a", type=int)
    new_n = request.args.get("b", type=int)
    if new_n is None:
        new_n = numbers[0] if numbers else None
    if old_n is None:
        older = [n for n in numbers if new_n is not None and n < new_n]
        old_n = older[0] if older else new_n
    by_number = {r.version: r for r in rows}
    if old_n not in by_number or new_n not in by_number:
        if not rows:
            return render_template("ratings/diff.html", rows=rows, result=None)
        abort(404)
    old, new = by_number[old_n], by_number[new_n]
    result = diff_scorecards(services.card_of(old), services.card_of(new))
    return render_template(
        "ratings/diff.html",
        rows=rows,
        result=result,
        old=old,
        new=new,
        old_card=services.card_of(old),
        new_card=services.card_of(new),
    )


@bp.route("/<int:scorecard_version>/what-if", methods=["GET", "POST"])
@roles_required(*OFFICE)
def whatif(scorecard_version: int):  # type: ignore[no-untyped-def]
    """In the request for a small register; for a city, a job on the worker (POST starts
    one, GET shows the newest of this manager's runs for the version)."""
    row = _version_or_404(scorecard_version)
    session = db.session()
    show = request.args.get("show", "changed")
    if whatif_jobs.register_size(session) > current_app.config["WHATIF_INLINE_UNITS"]:
        return _queued_whatif(row, show)
    report = what_if(session, draft=row)
    wanted = {**whatif_jobs.LISTS, "all": frozenset(Change)}.get(show)
    if wanted is None:
        show, wanted = "changed", whatif_jobs.LISTS["changed"]
    listed = [r for r in report.rows if r.change in wanted]
    page_n = max(1, request.args.get("page", 1, type=int) or 1)
    page = _Page(listed, page_n, WHAT_IF_PER_PAGE)
    return _whatif_page(row, report=report, page=page, show=show, job=None)


def _whatif_page(row: ScorecardVersion, **values):  # type: ignore[no-untyped-def]
    return render_template(
        "ratings/whatif.html", row=row, state=_state_of(row), Change=Change, **values
    )


def _queued_whatif(row: ScorecardVersion, show: str):  # type: ignore[no-untyped-def]
    session, user = db.session(), current_user._get_current_object()
    form = RunWhatIfForm()
    if request.method == "POST":
        if form.validate_on_submit():
            whatif_jobs.start(session, draft=row, owner_id=user.id)
            return redirect(url_for("ratings.whatif", scorecard_version=row.version))
        abort(400)
    job = whatif_jobs.latest(session, version=row.version, owner_id=user.id)
    report = page = None
    if show not in whatif_jobs.LISTS:
        show = "changed"
    if job is not None and job.status == queue.DONE and job.result:
        report = whatif_jobs.report_of(job.result)
        page = _Page(job.result["samples"][show], 1, whatif_jobs.SAMPLE)
    return _whatif_page(
        row, report=report, page=page, show=show, job=job, form=form, sample=whatif_jobs.SAMPLE
    )


@bp.route("/<int:scorecard_version>/what-if/<job_id>.csv")
@roles_required(*OFFICE)
def whatif_file(scorecard_version: int, job_id: str):  # type: ignore[no-untyped-def]
    """Every unit of a queued run that would change or needs an inspection, as CSV."""
    row = _version_or_404(scorecard_version)
    session = db.session()
    job = queue.owned_job(session, job_id, current_user.id)
    if job is None or job.kind != whatif_jobs.KIND or job.params.get("version") != row.version:
        abort(404)
    kept = queue.blob(session, job_id) if job.status == queue.DONE else None
    if kept is None:
        abort(404)
    response = Response(kept.data, mimetype="text/csv; charset=utf-8")
    response.headers["Content-Disposition"] = f"attachment; filename={kept.name}"
    response.headers["Cache-Control"] = "no-store"
    return response


class _Page:
    """A page of an in-memory list, shaped like the register's pages for the pager macro."""

    def __init__(self, items: list, page: int, per_page: int) -> None:  # type: ignore[type-arg]
        self.total = len(items)
        self.per_page = per_page
        self.pages = max(1, -(-self.total // per_page))
        self.page = min(page, self.pages)
        start = (self.page - 1) * per_page
        self.rows = items[start : start + per_page]
