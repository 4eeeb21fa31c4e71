"""Routes of self-declaration: the public forms at the door, the landlord's and staff's
answers, verification at the door, and the door sticker."""

from __future__ import annotations

from io import BytesIO

from flask import abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from rentals import clock, db
from rentals.auth.access import STAFF, roles_required
from rentals.auth.models import Role, User
from rentals.errors import DomainError, NotFound
from rentals.extensions import limiter
from rentals.portal.forms import ActionForm
from rentals.portal.models import TenantDeclaration
from rentals.register.models import Tenancy, Unit
from rentals.register.queries import own_unit_or_404, visible_unit_or_404
from rentals.selfservice import bp, proofs, services, sticker
from rentals.selfservice.forms import MoveInSelfForm, MoveOutSelfForm, ProofForm


def _user() -> User:
    return current_user._get_current_object()  # type: ignore[no-any-return]


def _declare_limit() -> str:
    return str(current_app.config.get("SELF_DECLARE_RATE_LIMIT", "5 per hour"))


def _public_limit() -> str:
    return str(current_app.config.get("PUBLIC_RATE_LIMIT", "120 per minute"))


# -- the public forms ------------------------------------------------------------------------


def _declare(serial: str, kind: str):  # type: ignore[no-untyped-def]
    session = db.session()
    try:
        unit = services.unit_for_serial(session, serial)
    except NotFound as err:
        return render_template("selfservice/refused.html", message=err.message), 404
    form = MoveInSelfForm() if kind == services.IN else MoveOutSelfForm()
    if form.validate_on_submit():
        data = services.SelfDeclaration(
            kind=kind,
            name=form.name.data,
            id_number=form.id_number.data,
            phone=form.phone.data,
            on=form.on.data,
            consent=bool(form.consent.data),
        )
        try:
            services.declare_self(
                session, unit=unit, data=data, now=clock.now(), today=clock.today()
            )
        except services.TooMany as err:
            return render_template("selfservice/refused.html", message=err.message), 429
        except DomainError as err:
            field = getattr(form, err.field or "", None)
            if field is not None:
                field.errors = [*field.errors, str(err.message)]
            else:
                flash(str(err.message), "error")
        else:
            # The same answer whoever the number belongs to, and for a repeat.
            return render_template("selfservice/thanks.html", kind=kind, unit_code=unit.code)
    status = 422 if request.method == "POST" else 200
    return (
        render_template("selfservice/declare.html", form=form, kind=kind, unit_code=unit.code),
        status,
    )


@bp.route("/p/<serial>/here", methods=["GET", "POST"])
@limiter.limit(_public_limit)
@limiter.limit(_declare_limit, methods=["POST"])
def live_here(serial: str):  # type: ignore[no-untyped-def]
    """A tenant declares moving in (limited per client here, per unit by the service)."""
    return _declare(serial, services.IN)


@bp.route("/p/<serial>/left", methods=["GET", "POST"])
@limiter.limit(_public_limit)
@limiter.limit(_declare_limit, methods=["POST"])
def moved_out(serial: str):  # type: ignore[no-untyped-def]
    """我已搬离: a tenant declares moving out, the same way."""
    return _declare(serial, services.OUT)


# -- answers: the landlord in the portal, staff on the unit file ---------------------------


def _tenant_declaration(unit: Unit, declaration_id: int) -> TenantDeclaration:
    declaration = db.session().get(TenantDeclaration, declaration_id)
    if declaration is None or declaration.unit_id != unit.id or declaration.source != "tenant":
        abort(404)
    return declaration


def _decide(unit: Unit, declaration: TenantDeclaration, back: str):  # type: ignore[no-untyped-def]
    if not ActionForm().validate_on_submit():
        abort(400)
    session = db.session()
    decision = request.form.get("decision")
    try:
        if decision == "confirm":
            services.confirm_self_declaration(
                session, actor=_user(), declaration=declaration, now=clock.now()
            )
        elif decision == "reject":
            services.reject_self_declaration(
                session,
                actor=_user(),
                declaration=declaration,
                reason=request.form.get("reason", ""),
                now=clock.now(),
            )
        else:
            abort(400)
    except DomainError as err:
        db.discard()
        flash(str(err.message), "error")
        return redirect(back), 303
    if decision == "reject":
        flash(_("已驳回租户申报。"), "success")
    elif _user().role == Role.LANDLORD:
        # The same words whether the tenancy opened or staff must finish it.
        flash(_("已确认租户申报，待民警或网格员上门核实。"), "success")
    else:
        flash(_("已核实租户申报，台账已更新。"), "success")
    return redirect(back)


@bp.route("/my/units/<code>/tenant-declarations/<int:self_declaration_id>", methods=["POST"])
@roles_required(Role.LANDLORD)
def landlord_decide(code: str, self_declaration_id: int):  # type: ignore[no-untyped-def]
    unit = own_unit_or_404(code)
    declaration = _tenant_declaration(unit, self_declaration_id)
    return _decide(unit, declaration, url_for("portal.unit", code=unit.code) + "#self-declared")


@bp.route("/units/<code>/tenant-declarations/<int:self_declaration_id>", methods=["POST"])
@roles_required(*STAFF)
def staff_decide(code: str, self_declaration_id: int):  # type: ignore[no-untyped-def]
    unit = visible_unit_or_404(code)
    declaration = _tenant_declaration(unit, self_declaration_id)
    return _decide(unit, declaration, url_for("register.unit", code=unit.code) + "#self-declared")


@bp.route("/units/<code>/tenancies/<int:tenancy_id>/verify", methods=["POST"])
@roles_required(*STAFF)
def verify(code: str, tenancy_id: int):  # type: ignore[no-untyped-def]
    """The inspector saw a declared tenant at the door."""
    unit = visible_unit_or_404(code)
    tenancy = db.session().get(Tenancy, tenancy_id)
    if tenancy is None or tenancy.unit_id != unit.id:
        abort(404)
    if not ActionForm().validate_on_submit():
        abort(400)
    back = url_for("register.unit", code=unit.code) + "#tenants"
    try:
        services.verify_tenancy(db.session(), actor=_user(), tenancy=tenancy)
    except DomainError as err:
        db.discard()
        flash(str(err.message), "error")
        return redirect(back), 303
    flash(_("已核实租户。"), "success")
    return redirect(back)


@bp.route("/units/<code>/sticker", methods=["POST"])
@roles_required(*STAFF)
def print_sticker(code: str):  # type: ignore[no-untyped-def]
    """A new door sticker (PDF) for a unit without a current plaque."""
    unit = visible_unit_or_404(code)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        pdf = sticker.print_sticker(db.session(), actor=_user(), unit=unit, now=clock.now())
    except DomainError as err:
        db.discard()
        flash(str(err.message), "error")
        return redirect(url_for("register.unit", code=unit.code) + "#self-declared"), 303
    response = send_file(
        BytesIO(pdf),
        mimetype="application/pdf",
        as_attachment=True,
        download_name=f"sticker-{unit.code}.pdf",
    )
    response.headers["Cache-Control"] = "no-store"
    return response


# -- proof of a fix -------------------------------------------------------------------------


def _order_of(unit: Unit, order_id: int):  # type: ignore[no-untyped-def]
    from rentals.inspections.models import RectificationOrder

    order = db.session().get(RectificationOrder, order_id)
    if order is None or order.unit_id != unit.id:
        abort(404)
    return order


@bp.route("/my/units/<code>/orders/<int:order_id>/proof", methods=["GET", "POST"])
@roles_required(Role.LANDLORD)
def proof(code: str, order_id: int):  # type: ignore[no-untyped-def]
    """The landlord sends photos and a note showing an order is fixed."""
    unit = own_unit_or_404(code)
    order = _order_of(unit, order_id)
    session = db.session()
    form = ProofForm()
    if form.validate_on_submit():
        files = [f for f in (form.photos.data or []) if getattr(f, "filename", "")]
        try:
            if not 1 <= len(files) <= proofs.MAX_PHOTOS:
                raise DomainError(_("请上传 1 到 5 张整改后的照片。"), field="photos")
            photo_ids = [
                proofs.save_proof_photo(session, actor=_user(), unit=unit, data=f.read())
                for f in files
            ]
            proofs.file_proof(
                session,
                actor=_user(),
                order=order,
                note=form.note.data,
                photo_ids=photo_ids,
                now=clock.now(),
            )
        except DomainError as err:
            field = getattr(form, err.field or "", None)
            if field is not None:
                field.errors = [*field.errors, str(err.message)]
            else:
                flash(str(err.message), "error")
        else:
            flash(_("已提交整改证明，待民警或网格员审核。"), "success")
            return redirect(url_for("portal.unit", code=unit.code) + "#orders")
    status = 422 if request.method == "POST" else 200
    return render_template("selfservice/proof.html", form=form, unit=unit, order=order), status


@bp.route("/units/<code>/proofs/<int:proof_id>", methods=["POST"])
@roles_required(*STAFF)
def decide_proof(code: str, proof_id: int):  # type: ignore[no-untyped-def]
    """Accept a proof remotely (closing the order) or schedule the visit."""
    from rentals.selfservice.models import FixProof

    unit = visible_unit_or_404(code)
    session = db.session()
    row = session.get(FixProof, proof_id)
    if row is None or row.unit_id != unit.id:
        abort(404)
    if not ActionForm().validate_on_submit():
        abort(400)
    decision = request.form.get("decision")
    back = url_for("register.unit", code=unit.code) + "#self-declared"
    try:
        if decision == "accept":
            proofs.accept_proof(session, actor=_user(), proof=row, now=clock.now())
            message = _("已接受整改证明，整改通知已关闭。")
        elif decision == "visit":
            task = proofs.schedule_visit(
                session, actor=_user(), proof=row, now=clock.now(), today=clock.today()
            )
            message = _("已安排上门复查，%(d)s 前完成。", d=task.due.isoformat())
        else:
            abort(400)
    except DomainError as err:
        db.discard()
        flash(str(err.message), "error")
        return redirect(back), 303
    flash(message, "success")
    return redirect(back)


@bp.route("/units/<code>/tenancies/<int:tenancy_id>/registration", methods=["POST"])
@roles_required(*STAFF)
def registration(code: str, tenancy_id: int):  # type: ignore[no-untyped-def]
    """Staff record a tenant's residence registration and when it lapses."""
    from rentals.selfservice import registrations
    from rentals.selfservice.forms import RegistrationForm

    unit = visible_unit_or_404(code)
    tenancy = db.session().get(Tenancy, tenancy_id)
    if tenancy is None or tenancy.unit_id != unit.id or tenancy.moved_out is not None:
        abort(404)
    back = url_for("register.unit", code=unit.code) + "#registrations"
    form = RegistrationForm()
    if not form.validate_on_submit():
        if "csrf_token" in form.errors:
            abort(400)
        for errors in form.errors.values():
            for message in errors:
                flash(str(message), "error")
        return redirect(back), 303
    try:
        registrations.record_registration(
            db.session(),
            actor=_user(),
            tenancy=tenancy,
            registered_on=form.registered_on.data,
            expires_on=form.expires_on.data,
            today=clock.today(),
            now=clock.now(),
        )
    except DomainError as err:
        db.discard()
        flash(str(err.message), "error")
        return redirect(back), 303
    flash(_("已登记居住登记日期。"), "success")
    return redirect(back)
