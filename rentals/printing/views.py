"""The manager's print page: plaques, rosters, notices (the blacklist's form posts to
``incentives.print_blacklist``); big prints go to a background job."""

from __future__ import annotations

from io import BytesIO
from typing import Any

from flask import (
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlmodel import func, select
from wtforms.fields.choices import SelectChoice

from rentals import clock, db, queue
from rentals.auth.access import (
    OFFICE,
    STAFF,
    area_scope,
    roles_required,
    unit_scope,
    visible_area_ids,
)
from rentals.auth.models import Role
from rentals.errors import DomainError
from rentals.printing import bp, documents, jobs, plaques, scheduled
from rentals.printing.forms import BlacklistForm, NoticeForm, PlaqueForm, RosterForm
from rentals.printing.models import ScheduledPrint
from rentals.queue.models import Job
from rentals.register.models import Area, Unit
from rentals.register.queries import AreaChoice, area_choice, visible_unit


def _user():  # type: ignore[no-untyped-def]
    return current_user._get_current_object()


def _area_ids() -> list[int] | None:
    """The areas the user may print for (None: every area, for an admin)."""
    if _user().role == Role.ADMIN:
        return None
    return visible_area_ids(db.session(), _user())


def _community_arg() -> int | None:
    value = request.args.get("community", "")
    return int(value) if value.isascii() and value.isdigit() and len(value) <= 9 else None


def _choice() -> AreaChoice:
    """The communities and areas the forms offer (register.queries.area_choice): in a
    city's scope the areas of the community chosen above the forms (``?community=``,
    which the forms' actions carry), not three lists of every area."""
    return area_choice(db.session(), _user(), community_id=_community_arg())


def _forms(choice: AreaChoice | None = None) -> dict[str, Any]:
    """The page's forms by name (each posts to its own route, with its own prefix).

    A submitted form is checked against every area name of the user's scope; the page
    (``choice``) lists the chosen community's, or every one in a small scope."""
    if choice is None:
        names = list(
            db.session()
            .exec(select(Area.name).where(area_scope(_user())).distinct().order_by(Area.name))
            .all()
        )
    else:
        # Names once each: two communities may name an area alike, and a print by area
        # name covers both (documents.py).
        names = sorted({name for _a, _c, name in choice.areas})
    forms = {
        "plaque_form": PlaqueForm(prefix="p"),
        "roster_form": RosterForm(prefix="r"),
        "notice_form": NoticeForm(prefix="n"),
        "black_form": BlacklistForm(prefix="b"),
    }
    forms["plaque_form"].area.choices = [SelectChoice("", _("全部区域"))] + [
        SelectChoice(n) for n in names
    ]
    prompt = []
    if choice is not None and choice.needs_community:
        prompt = [SelectChoice("", _("请先在上方选择社区"))]
    forms["roster_form"].area.choices = prompt + [SelectChoice(n) for n in names]
    forms["notice_form"].area.choices = prompt + [SelectChoice(n) for n in names]
    if not forms["black_form"].month.data:
        forms["black_form"].month.data = clock.today().strftime("%Y-%m")
    return forms


def _batch() -> dict[str, Any] | None:
    """The weekly batch, listing only the units this user may see."""
    batch = scheduled.latest_plaque_batch(db.session())
    if batch and batch.get("units") and _user().role != Role.ADMIN:
        codes = list(batch["units"])
        visible = set(
            db.session().exec(
                select(Unit.code).where(Unit.code.in_(codes), unit_scope(_user()))  # type: ignore[attr-defined]
            )
        )
        batch = {**batch, "units": [c for c in codes if c in visible]}
    return batch


def print_page(status: int = 200, skipped=None):  # type: ignore[no-untyped-def]
    batch = _batch()
    choice = _choice()
    return render_template(
        "printing/index.html",
        **_forms(choice),
        choice=choice,
        # The forms post back with the chosen community, so a refused form is shown again
        # with the same areas.
        community_id=choice.community_id if choice.asked else None,
        skipped=skipped or [],
        reasons=plaques.NO_PLAQUE_REASONS,
        batch=batch,
        batch_pdf=bool(batch and batch["has_pdf"] and _may_see_batch(batch["id"])),
        rosters=scheduled.ready_rosters(db.session(), area_ids=_area_ids()),
    ), status


def _may_see_batch(print_id: int) -> bool:
    """The batch's preview shows every unit it lists: only for a user who sees them all."""
    row = db.session().get(ScheduledPrint, print_id)
    if row is None or row.kind != scheduled.PLAQUES:
        return False
    if _user().role == Role.ADMIN or not row.units:
        return True
    codes = list(row.units)
    seen = (
        db.session()
        .exec(
            select(func.count()).where(Unit.code.in_(codes), unit_scope(_user()))  # type: ignore[attr-defined]
        )
        .one()
    )
    return seen == len(set(codes))


@bp.route("/print/scheduled/<int:scheduled_id>")
@roles_required(*OFFICE)
def scheduled_file(scheduled_id: int):  # type: ignore[no-untyped-def]
    """A document the scheduler prepared (a roster of an area the user may print for, or
    the week's plaque preview), from the database: any node serves it."""
    row = db.session().get(ScheduledPrint, scheduled_id)
    if row is None or not row.pdf:
        abort(404)
    if row.kind == scheduled.ROSTER:
        allowed = _area_ids()
        if allowed is not None and row.area_id not in allowed:
            abort(404)
        name = f"roster-{row.week.isoformat()}.pdf"
    elif _may_see_batch(scheduled_id):
        name = f"plaques-preview-{row.week.isoformat()}.pdf"
    else:
        abort(404)
    return pdf_download(bytes(row.pdf), name)


def pdf_download(data: bytes, name: str):  # type: ignore[no-untyped-def]
    return send_file(
        BytesIO(data), mimetype="application/pdf", as_attachment=True, download_name=name
    )


@bp.route("/print")
@roles_required(*OFFICE)
def index():  # type: ignore[no-untyped-def]
    return print_page()


@bp.route("/print/plaques", methods=["POST"])
@roles_required(*OFFICE)
def print_plaques():  # type: ignore[no-untyped-def]
    form = _forms()["plaque_form"]
    if not form.validate_on_submit():
        return print_page(422)
    params = {
        "area": form.area.data or None,
        "unit": (form.unit.data or "").strip() or None,
        "changed": bool(form.changed.data),
        "size": form.size.data,
        "base_url": current_app.config["PUBLIC_BASE_URL"],
        "area_ids": _area_ids(),
    }
    session = db.session()
    try:
        pages = documents.plaque_pages(
            session,
            area=params["area"],
            unit=params["unit"],
            changed=params["changed"],
            area_ids=params["area_ids"],
        )
        if pages > documents.BACKGROUND_PAGES:
            job_id = jobs.start("plaques", params, owner_id=_user().id)
            return redirect(url_for("printing.job", job_id=job_id))
        result = documents.print_plaques(session, actor=_user(), now=clock.now(), **params)
    except DomainError as err:
        flash(_(str(err.message)), "error")
        return print_page(422)
    if not result.pdf:
        flash(_("没有可发牌的出租房。"), "info")
        return print_page(200, skipped=result.skipped)
    return pdf_download(result.pdf, "plaques.pdf")


@bp.route("/print/roster", methods=["POST"])
@roles_required(*OFFICE)
def print_roster():  # type: ignore[no-untyped-def]
    form = _forms()["roster_form"]
    if not form.validate_on_submit():
        return print_page(422)
    params = {
        "area": form.area.data,
        "start": form.start.data,
        "end": form.end.data,
        "inspector": (form.inspector.data or "").strip() or None,
        "area_ids": _area_ids(),
    }
    session = db.session()
    try:
        pages = documents.roster_pages(session, **params)
        if pages > documents.BACKGROUND_PAGES:
            job_id = jobs.start("roster", {**params, "printed": clock.today()}, owner_id=_user().id)
            return redirect(url_for("printing.job", job_id=job_id))
        result = documents.print_roster(session, printed=clock.today(), **params)
    except DomainError as err:
        flash(_(str(err.message)), "error")
        return print_page(422)
    return pdf_download(result.pdf, "roster.pdf")


@bp.route("/print/notices", methods=["POST"])
@roles_required(*OFFICE)
def print_area_notices():  # type: ignore[no-untyped-def]
    """The rectification notices of every open order in an area."""
    form = _forms()["notice_form"]
    if not form.validate_on_submit():
        return print_page(422)
    params = {"area": form.area.data, "printed": clock.today(), "area_ids": _area_ids()}
    session = db.session()
    try:
        pages = documents.notice_pages(session, area=form.area.data, area_ids=params["area_ids"])
        if pages > documents.BACKGROUND_NOTICES:
            job_id = jobs.start("notices", params, owner_id=_user().id)
            return redirect(url_for("printing.job", job_id=job_id))
        result = documents.print_notices(session, **params)
    except DomainError as err:
        flash(_(str(err.message)), "error")
        return print_page(422)
    return pdf_download(result.pdf, "notices.pdf")


def _own_job(job_id: str) -> Job:
    found = queue.owned_job(db.session(), job_id, _user().id)
    if found is None:
        abort(404)
    return found


@bp.route("/print/jobs/<job_id>")
@roles_required(*OFFICE)
def job(job_id: str):  # type: ignore[no-untyped-def]
    return render_template("printing/job.html", job=_own_job(job_id), job_id=job_id)


@bp.route("/print/jobs/<job_id>/file")
@roles_required(*OFFICE)
def job_file(job_id: str):  # type: ignore[no-untyped-def]
    """The job's PDF, streamed from the database (any node serves it)."""
    found = _own_job(job_id)
    kept = queue.blob_info(db.session(), job_id)
    if found.status != "done" or kept is None:
        abort(404)
    name, size = kept
    response = Response(jobs.pdf_chunks(job_id, size), mimetype="application/pdf")
    response.headers["Content-Length"] = str(size)
    response.headers["Content-Disposition"] = f"attachment; filename={name}"
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/print/notices/<code>")
@roles_required(*STAFF)
def unit_notices(code: str):  # type: ignore[no-untyped-def]
    """The unit's open rectification notices in one PDF (``?order=ID``: that one only)."""
    session = db.session()
    unit = visible_unit(session, _user(), code)
    if unit is None:
        abort(404)
    raw = request.args.get("order", "")
    order_id = int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 9 else None
    if raw and order_id is None:
        abort(404)
    try:
        result = documents.print_notices(
            session, printed=clock.today(), unit=unit, order_id=order_id
        )
    except DomainError as err:
        flash(_(str(err.message)), "info")
        return redirect(url_for("register.unit", code=unit.code, _anchor="orders"))
    name = f"notices-{unit.code}.pdf" if order_id is None else f"notice-{order_id}.pdf"
    return pdf_download(result.pdf, name)
