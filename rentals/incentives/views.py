"""Staff pages of the consequences of a rating: the blacklist notice on the unit file, the
month's edition from the print page, and the manager's work on measures."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlmodel import select

from rentals import clock, db
from rentals.auth.access import OFFICE, STAFF, area_scope, can_see_unit, roles_required
from rentals.auth.models import Role, User
from rentals.errors import DomainError
from rentals.incentives import bp, points, queries
from rentals.incentives import measures as services
from rentals.incentives.blacklist import listed_from, notify_blacklist, publish_blacklist
from rentals.incentives.forms import DeclineForm, MeasureActionForm, RecordForm
from rentals.incentives.models import Measure
from rentals.inspections import photos
from rentals.printing.forms import BlacklistForm
from rentals.printing.views import pdf_download, print_page
from rentals.register.models import Area, Unit
from rentals.register.queries import visible_unit
from rentals.templating import current_language


def _user() -> User:
    return current_user._get_current_object()  # type: ignore[no-any-return]


def _staff_unit(code: str) -> Unit:
    unit = visible_unit(db.session(), _user(), code)
    if unit is None:
        abort(404)
    return unit


def _to_file(unit: Unit, anchor: str = "landlord-reports"):  # type: ignore[no-untyped-def]
    return redirect(url_for("register.unit", code=unit.code) + "#" + anchor)


def _refused(err: DomainError, back):  # type: ignore[no-untyped-def]
    """A service said no: nothing it wrote stays, the reason shows after the redirect."""
    db.discard()
    flash(str(err.message), "error")
    return back, 303


@bp.route("/units/<code>/blacklist-notice", methods=["POST"])
@roles_required(*OFFICE)
def notify(code: str):  # type: ignore[no-untyped-def]
    unit = _staff_unit(code)
    if not FlaskForm().validate_on_submit():  # the button carries only the CSRF token
        abort(400)
    try:
        notice = notify_blacklist(db.session(), actor=_user(), unit=unit, now=clock.now())
        services.notice_sent(db.session(), actor=_user(), notice=notice, now=clock.now())
    except DomainError as err:
        return _refused(err, _to_file(unit))
    since = listed_from(notice).isoformat()
    flash(_("已记录告知；如无成功复核，将于 %(d)s 起公示。", d=since), "success")
    return _to_file(unit)


@bp.route("/print/blacklist", methods=["POST"])
@roles_required(*OFFICE)
def print_blacklist():  # type: ignore[no-untyped-def]
    form = BlacklistForm(prefix="b")
    if not form.validate_on_submit():
        return print_page(422)
    try:
        edition = publish_blacklist(
            db.session(), month=form.month.data, now=clock.now(), actor=_user()
        )
    except DomainError as err:
        flash(_(str(err.message)), "error")
        return print_page(422)
    return pdf_download(edition.pdf, f"blacklist-{edition.month}.pdf")


# -- measures ----------------------------------------------------------------------------------


def _measure(measure_id: int) -> tuple[Measure, Unit]:
    """A measure of a unit the user may see; any other id answers 404."""
    session = db.session()
    measure = session.get(Measure, measure_id)
    unit = session.get(Unit, measure.unit_id) if measure is not None else None
    if measure is None or unit is None or not can_see_unit(session, _user(), unit):
        abort(404)
    return measure, unit


def _back(form: MeasureActionForm, unit: Unit):  # type: ignore[no-untyped-def]
    if form.back.data == "file":
        return _to_file(unit, "incentives")
    return redirect(url_for("incentives.measures"))


def _int_arg(name: str, default: int = 1) -> int:
    value = request.args.get(name, "")
    return int(value) if value.isascii() and value.isdigit() and len(value) <= 6 else default


@bp.route("/incentives/measures")
@roles_required(*OFFICE)
def measures():  # type: ignore[no-untyped-def]
    state = "confirmed" if request.args.get("state") == "confirmed" else "proposed"
    page = max(1, _int_arg("page"))
    rows, total = queries.open_measures(db.session(), _user(), page=page, state=state)
    return render_template(
        "incentives/measures.html",
        rows=rows,
        total=total,
        page=page,
        pages=max(1, -(-total // queries.PER_PAGE)),
        state=state,
        action_form=MeasureActionForm(),
        language=current_language(),
    )


@bp.route("/incentives/measures/<int:measure_id>/confirm", methods=["POST"])
@roles_required(*OFFICE)
def confirm(measure_id: int):  # type: ignore[no-untyped-def]
    measure, unit = _measure(measure_id)
    form = MeasureActionForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        services.confirm_measure(db.session(), actor=_user(), measure=measure, now=clock.now())
    except DomainError as err:
        return _refused(err, _back(form, unit))
    flash(_("已确认措施。"), "success")
    return _back(form, unit)


@bp.route("/incentives/measures/<int:measure_id>/decline", methods=["POST"])
@roles_required(*OFFICE)
def decline(measure_id: int):  # type: ignore[no-untyped-def]
    measure, unit = _measure(measure_id)
    form = DeclineForm()
    if not form.validate_on_submit():
        return _refused(DomainError(_("请写明不采取的理由。")), _back(form, unit))
    try:
        services.decline_measure(
            db.session(), actor=_user(), measure=measure, reason=form.reason.data, now=clock.now()
        )
    except DomainError as err:
        return _refused(err, _back(form, unit))
    flash(_("已记录不采取这项措施。"), "success")
    return _back(form, unit)


@bp.route("/incentives/measures/<int:measure_id>/record", methods=["POST"])
@roles_required(*OFFICE)
def record(measure_id: int):  # type: ignore[no-untyped-def]
    measure, unit = _measure(measure_id)
    form = RecordForm()
    if not form.validate_on_submit():
        errors = [str(m) for messages in form.errors.values() for m in messages]
        return _refused(
            DomainError("；".join(errors) or _("请检查填写的内容。")), _back(form, unit)
        )
    upload = form.photo.data
    done = services.Done(
        on=form.on.data,
        note=form.note.data or "",
        parking_from=form.parking_from.data,
        parking_to=form.parking_to.data,
        number=form.number.data or "",
        photo=upload.read() if upload and getattr(upload, "filename", "") else None,
    )
    try:
        services.record_measure(
            db.session(), actor=_user(), measure=measure, done=done, now=clock.now()
        )
    except DomainError as err:
        return _refused(err, _back(form, unit))
    flash(_("已记录措施的落实情况。"), "success")
    return _back(form, unit)


# -- points -------------------------------------------------------------------------------------


@bp.route("/incentives/points")
@roles_required(*OFFICE)
def points_ranking():  # type: ignore[no-untyped-def]
    """龙虎榜: landlords (or tenants) by points, in one area or all the user's communities."""
    session = db.session()
    areas = list(
        session.exec(select(Area).where(area_scope(_user())).order_by(Area.community_id, Area.name))
    )
    holder = "tenant" if request.args.get("holder") == "tenant" else "landlord"
    area_id = _int_arg("area", 0)
    chosen = next((a for a in areas if a.id == area_id), None)
    rows = points.ranking(
        session,
        holder=holder,
        area_id=chosen.id if chosen else None,
        community_ids=None if chosen else sorted({a.community_id for a in areas}),
    )
    return render_template(
        "incentives/points.html",
        rows=rows,
        areas=areas,
        area=chosen,
        holder=holder,
        rules=points.rules_in_force(clock.today(), session),
        language=current_language(),
    )


@bp.route("/incentives/measures/<int:measure_id>/photo")
@roles_required(*STAFF, Role.LANDLORD)
def measure_photo(measure_id: int):  # type: ignore[no-untyped-def]
    """The handover's photo: staff who see the unit, and the measure's own landlord."""
    session = db.session()
    user = _user()
    measure = session.get(Measure, measure_id)
    unit = session.get(Unit, measure.unit_id) if measure is not None else None
    if measure is None or unit is None:
        abort(404)
    if user.role == Role.LANDLORD:
        allowed = user.person_id is not None and measure.landlord_id == user.person_id
    else:
        allowed = can_see_unit(session, user, unit)
    photo = services.photo_of(session, measure) if allowed else None
    if photo is None:
        abort(404)
    response = photos.photo_response(
        session, photo.filename, thumb=request.args.get("size") == "thumb"
    )
    if response is None:
        abort(404)
    return response
