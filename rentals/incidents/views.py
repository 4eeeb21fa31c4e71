"""Incident pages: log one from a unit file (a phone form), retract one, keep the kinds.

Staff only. Inspectors reach the units of their areas and managers those of their
communities (``visible_unit``); anything else answers 404. The kind list is the whole
installation's, so that counts compare across communities: administrators keep it.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from rentals import clock, db
from rentals.auth.access import STAFF, roles_required
from rentals.auth.models import Role, User
from rentals.errors import DomainError
from rentals.incidents import bp, queries, services
from rentals.incidents.forms import IncidentForm, KindForm, RetractForm
from rentals.incidents.models import IncidentKind
from rentals.register.forms import choices
from rentals.register.queries import visible_unit


def _user() -> User:
    return current_user._get_current_object()  # type: ignore[no-any-return]


def _field_error(form, err: DomainError) -> None:  # type: ignore[no-untyped-def]
    field = getattr(form, err.field, None) if err.field else None
    if field is not None:
        field.errors = [*field.errors, str(err.message)]
    else:
        flash(str(err.message), "error")


@bp.route("/units/<code>/incidents/new", methods=["GET", "POST"])
@roles_required(*STAFF)
def new(code: str):  # type: ignore[no-untyped-def]
    session, user = db.session(), _user()
    unit = visible_unit(session, user, code)
    if unit is None:
        abort(404)
    active = queries.kinds(session, active_only=True)
    locale = str(get_locale())
    form = IncidentForm()
    form.kind_id.choices = choices((k.id, queries.kind_name(k, locale)) for k in active)
    today = clock.today()
    if request.method == "GET":
        form.occurred_on.data = today
    if form.validate_on_submit():
        kind = next(k for k in active if k.id == form.kind_id.data)
        try:
            services.record_incident(
                session,
                actor=user,
                unit=unit,
                kind=kind,
                occurred_on=form.occurred_on.data,
                note=form.note.data or "",
                resident_victim=bool(form.resident_victim.data),
                today=today,
            )
        except DomainError as err:
            _field_error(form, err)
        else:
            flash(_("已登记治安事件。"), "success")
            return redirect(url_for("register.unit", code=unit.code, _anchor="incidents"))
    status = 422 if request.method == "POST" else 200
    return render_template("incidents/new.html", form=form, unit=unit, today=today), status


@bp.route("/incidents/<int:incident_id>/retract", methods=["POST"])
@roles_required(*STAFF)
def retract(incident_id: int):  # type: ignore[no-untyped-def]
    session = db.session()
    found = queries.visible_incident(session, _user(), incident_id)
    if found is None:
        abort(404)
    incident, unit = found
    form = RetractForm()
    back = redirect(url_for("register.unit", code=unit.code, _anchor="incidents"), 303)
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for message in errors:
                flash(str(message), "error")
        return back
    try:
        services.retract_incident(
            session, actor=_user(), incident=incident, reason=form.reason.data
        )
    except DomainError as err:
        flash(str(err.message), "error")
        return back
    flash(_("已撤销这条事件。"), "success")
    return back


def _kind_data(form: KindForm) -> services.KindData:
    return services.KindData(
        name=form.name.data or "",
        name_bo=form.name_bo.data or "",
        name_en=form.name_en.data or "",
        active=bool(form.active.data),
        position=form.position.data or 0,
    )


@bp.route("/incidents/kinds", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def kinds():  # type: ignore[no-untyped-def]
    session = db.session()
    form = KindForm(prefix="new")
    if form.validate_on_submit():
        try:
            services.add_kind(
                session, actor=_user(), code=form.code.data or "", data=_kind_data(form)
            )
        except DomainError as err:
            _field_error(form, err)
        else:
            flash(_("已添加事件类型。"), "success")
            return redirect(url_for("incidents.kinds"))
    rows = queries.kinds(session)
    edits = {k.id: KindForm(prefix=f"k{k.id}", obj=k, formdata=None) for k in rows}
    status = 422 if request.method == "POST" else 200
    return render_template("incidents/kinds.html", form=form, rows=rows, edits=edits), status


@bp.route("/incidents/kinds/<int:kind_id>", methods=["POST"])
@roles_required(Role.ADMIN)
def kind_edit(kind_id: int):  # type: ignore[no-untyped-def]
    session = db.session()
    kind = session.get(IncidentKind, kind_id)
    if kind is None:
        abort(404)
    form = KindForm(prefix=f"k{kind.id}")
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for message in errors:
                flash(str(message), "error")
        return redirect(url_for("incidents.kinds"), 303)
    try:
        changed = services.update_kind(session, actor=_user(), kind=kind, data=_kind_data(form))
    except DomainError as err:
        flash(str(err.message), "error")
        return redirect(url_for("incidents.kinds"), 303)
    flash(_("已保存。") if changed else _("没有改动。"), "success")
    return redirect(url_for("incidents.kinds"))
