"""The landlord's pages (/my/...) and the staff answers to what landlords file."""

from __future__ import annotations

from datetime import date, datetime

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from rentals import clock, db
from rentals.auth.access import STAFF, roles_required
from rentals.auth.models import Role, User
from rentals.errors import DomainError
from rentals.incentives import points as ledger
from rentals.incentives import redemptions
from rentals.incentives.forms import RedeemForm
from rentals.incentives.points_views import redeem_from_form
from rentals.portal import bp, declarations, queries, services
from rentals.portal.forms import (
    ActionForm,
    ContestForm,
    MoveInForm,
    MoveOutForm,
    ReplyForm,
)
from rentals.portal.models import MoveOutReport, TenantDeclaration
from rentals.ratings import contests
from rentals.ratings.forms import DecideContestForm
from rentals.register.forms import choices
from rentals.register.models import Unit
from rentals.register.queries import own_unit_or_404, visible_unit_or_404
from rentals.templating import current_language


def _user() -> User:
    return current_user._get_current_object()  # type: ignore[no-any-return]


def _now() -> datetime:
    return clock.now()


def _today() -> date:
    return clock.local_date(_now())


def _field_error(form, err: DomainError) -> None:  # type: ignore[no-untyped-def]
    field = getattr(form, err.field, None) if err.field else None
    if field is not None and hasattr(field, "errors"):
        field.errors = [*field.errors, str(err.message)]
    else:
        flash(str(err.message), "error")


def _status(form) -> int:  # type: ignore[no-untyped-def]
    return 422 if request.method == "POST" else 200


def _back(unit: Unit):  # type: ignore[no-untyped-def]
    return redirect(url_for("portal.unit", code=unit.code))


# -- landlord pages -----------------------------------------------------------------------


@bp.route("/my")
@roles_required(Role.LANDLORD)
def dashboard():  # type: ignore[no-untyped-def]
    session = db.session()
    today = _today()
    language = str(get_locale())
    views = [
        queries.unit_view(session, unit, today=today, language=language)
        for unit, _area in queries.landlord_units(session, _user())
    ]
    return render_template("portal/dashboard.html", views=views, form=ActionForm())


@bp.route("/my/units/<code>")
@roles_required(Role.LANDLORD)
def unit(code: str):  # type: ignore[no-untyped-def]
    from rentals.selfservice.proofs import proofs_of
    from rentals.selfservice.queries import tenant_declarations
    from rentals.selfservice.registrations import registrations_of

    unit = own_unit_or_404(code)
    view = queries.unit_view(db.session(), unit, today=_today(), language=str(get_locale()))
    return render_template(
        "portal/unit.html",
        v=view,
        form=ActionForm(),
        today=_today(),
        self_declared=tenant_declarations(db.session(), unit),
        proofs=proofs_of(db.session(), unit),
        registrations=registrations_of(db.session(), unit, _today()),
    )


@bp.route("/my/points")
@roles_required(Role.LANDLORD)
def points():  # type: ignore[no-untyped-def]
    """The landlord's points: balance, history, and the rules that earn more."""
    person_id = _user().person_id
    session = db.session()
    return render_template(
        "portal/points.html",
        balance=ledger.balance(session, person_id) if person_id else 0,
        entries=ledger.history(session, person_id) if person_id else [],
        ways=ledger.ways_to_earn(_today(), session=session),
        offers=redemptions.redeemable_for_landlord(session, person_id, today=_today())
        if person_id
        else [],
        request_key=redemptions.new_request_key(),
        form=RedeemForm(),
        language=current_language(),
    )


@bp.route("/my/points/redeem", methods=["POST"])
@roles_required(Role.LANDLORD)
def redeem():  # type: ignore[no-untyped-def]
    """The landlord spends points on a measure their unit's community offers."""
    form = RedeemForm()
    back = redirect(url_for("portal.points") + "#redeem", 303)
    if not form.validate_on_submit():
        flash(_("请重新打开页面后再兑换。"), "error")
        return back
    unit = own_unit_or_404(form.unit.data)
    redeem_from_form(unit, form, actor=_user(), done=_("已兑换：%(m)s。社区将与您联系发放。"))
    return back


@bp.route("/my/units/<code>/tenants/in", methods=["GET", "POST"])
@roles_required(Role.LANDLORD)
def move_in(code: str):  # type: ignore[no-untyped-def]
    unit = own_unit_or_404(code)
    form = MoveInForm()
    if form.validate_on_submit():
        change = services.MoveIn(
            name=form.name.data,
            id_number=form.id_number.data,
            phone=form.phone.data,
            moved_in=form.moved_in.data,
            registered=form.registered.data,
        )
        try:
            services.report_tenant_change(
                db.session(), actor=_user(), unit=unit, change=change, now=_now()
            )
        except DomainError as err:
            _field_error(form, err)
        else:
            flash(_("已申报租户入住，待民警或网格员核实。"), "success")
            return _back(unit)
    return render_template("portal/move_in.html", form=form, unit=unit), _status(form)


@bp.route("/my/units/<code>/tenants/out", methods=["GET", "POST"])
@roles_required(Role.LANDLORD)
def move_out(code: str):  # type: ignore[no-untyped-def]
    unit = own_unit_or_404(code)
    view = queries.unit_view(db.session(), unit, today=_today(), language=str(get_locale()))
    form = MoveOutForm()
    form.tenancy_id.choices = choices(
        (t.id, _("%(name)s（%(date)s 入住）", name=p.name, date=t.moved_in.isoformat()))
        for t, p in view.tenancies
        if t.id not in view.pending_move_outs
    )
    if form.validate_on_submit():
        change = services.MoveOut(tenancy_id=form.tenancy_id.data, moved_out=form.moved_out.data)
        try:
            services.report_tenant_change(db.session(), actor=_user(), unit=unit, change=change)
        except DomainError as err:
            _field_error(form, err)
        else:
            flash(_("已申报租户搬离，待民警或网格员核实后更新台账。"), "success")
            return _back(unit)
    return render_template("portal/move_out.html", form=form, unit=unit), _status(form)


@bp.route("/my/units/<code>/reinspection", methods=["POST"])
@roles_required(Role.LANDLORD)
def reinspection(code: str):  # type: ignore[no-untyped-def]
    unit = own_unit_or_404(code)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        task = services.ask_reinspection(db.session(), actor=_user(), unit=unit, today=_today())
    except DomainError as err:
        return _refused(err, _back(unit))
    flash(_("已申请复查，将在 %(d)s 前上门。", d=task.due.isoformat()), "success")
    return _back(unit)


@bp.route("/my/units/<code>/contest", methods=["GET", "POST"])
@roles_required(Role.LANDLORD)
def contest(code: str):  # type: ignore[no-untyped-def]
    unit = own_unit_or_404(code)
    session = db.session()
    view = queries.unit_view(session, unit, today=_today(), language=str(get_locale()))
    form = ContestForm()
    if form.validate_on_submit():
        files = [f for f in (form.photos.data or []) if getattr(f, "filename", "")]
        try:
            if len(files) > contests.MAX_CONTEST_PHOTOS:
                raise DomainError(_("最多上传 5 张照片。"), field="photos")
            photo_ids = [
                contests.save_contest_photo(session, actor=_user(), unit=unit, data=f.read())
                for f in files
            ]
            contests.file_contest(
                session,
                actor=_user(),
                unit=unit,
                reason=form.reason.data,
                now=_now(),
                photo_ids=photo_ids,
            )
        except DomainError as err:
            _field_error(form, err)
        else:
            flash(_("已提交复核申请，公开页面将显示“复核中”。"), "success")
            return _back(unit)
    return render_template("portal/contest.html", form=form, unit=unit, v=view), _status(form)


@bp.route("/my/units/<code>/reply", methods=["GET", "POST"])
@roles_required(Role.LANDLORD)
def reply(code: str):  # type: ignore[no-untyped-def]
    unit = own_unit_or_404(code)
    session = db.session()
    current = services.current_reply(session, unit.id)
    form = ReplyForm()
    if request.method == "GET" and current is not None:
        form.text.data = current.text
    if form.validate_on_submit():
        try:
            services.post_reply(session, actor=_user(), unit=unit, text=form.text.data, now=_now())
        except DomainError as err:
            _field_error(form, err)
        else:
            flash(_("公开回应已更新。"), "success")
            return _back(unit)
    return render_template("portal/reply.html", form=form, unit=unit), _status(form)


# -- staff answers on the unit file ---------------------------------------------------------


def _to_file(unit: Unit):  # type: ignore[no-untyped-def]
    return redirect(url_for("register.unit", code=unit.code) + "#landlord-reports")


def _refused(err: DomainError, back):  # type: ignore[no-untyped-def]
    """A service said no: nothing it wrote stays, the reason shows after the redirect."""
    db.discard()
    flash(str(err.message), "error")
    return back, 303


def _checked() -> None:
    if not ActionForm().validate_on_submit():
        abort(400)


@bp.route("/units/<code>/declarations/<int:declaration_id>", methods=["POST"])
@roles_required(*STAFF)
def decide_declaration(code: str, declaration_id: int):  # type: ignore[no-untyped-def]
    unit = visible_unit_or_404(code)
    session = db.session()
    declaration = session.get(TenantDeclaration, declaration_id)
    if declaration is None or declaration.unit_id != unit.id:
        abort(404)
    _checked()
    confirm = request.form.get("decision") == "confirm"
    try:
        if confirm:
            declarations.confirm_declaration(
                session, actor=_user(), declaration=declaration, now=_now()
            )
        else:
            declarations.reject_declaration(
                session,
                actor=_user(),
                declaration=declaration,
                reason=request.form.get("reason", ""),
                now=_now(),
            )
    except DomainError as err:
        return _refused(err, _to_file(unit))
    flash(_("已核实入住，台账已更新。") if confirm else _("已驳回入住申报。"), "success")
    return _to_file(unit)


@bp.route("/units/<code>/move-outs/<int:report_id>", methods=["POST"])
@roles_required(*STAFF)
def decide_move_out(code: str, report_id: int):  # type: ignore[no-untyped-def]
    unit = visible_unit_or_404(code)
    report = db.session().get(MoveOutReport, report_id)
    if report is None or report.unit_id != unit.id:
        abort(404)
    _checked()
    confirm = request.form.get("decision") == "confirm"
    try:
        services.decide_move_out(db.session(), actor=_user(), report=report, confirm=confirm)
    except DomainError as err:
        return _refused(err, _to_file(unit))
    flash(_("已核实搬离，台账已更新。") if confirm else _("已驳回搬离申报。"), "success")
    return _to_file(unit)


@bp.app_template_global()
def portal_staff_panel(unit: Unit) -> dict:  # type: ignore[type-arg]
    """Landlord reports, contests and notices of ``unit`` for the unit file (staff only)."""
    panel = queries.staff_panel(db.session(), _user(), unit)
    panel["form"] = ActionForm()
    panel["decide_form"] = DecideContestForm()
    return panel
