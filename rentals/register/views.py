"""Register pages: list, unit file, and the forms that change them."""

from __future__ import annotations

from dataclasses import replace

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlmodel import select

from rentals import clock, db
from rentals.auth.access import MAY_REVEAL, OFFICE, STAFF, roles_required, unit_scope
from rentals.auth.models import Role
from rentals.errors import DomainError
from rentals.incentives.forms import MeasureActionForm
from rentals.incentives.points import balance
from rentals.incentives.queries import unit_measures
from rentals.incidents import queries as incident_queries
from rentals.register import bp, services
from rentals.register.forms import (
    ConfirmForm,
    EndTenancyForm,
    PersonForm,
    TenancyForm,
    UnitForm,
    choices,
)
from rentals.register.models import Person, Tenancy, Unit
from rentals.register.queries import (
    AreaChoice,
    UnitFilter,
    area_choice,
    areas_for,
    unit_file,
    unit_page,
    visible_person,
    visible_unit,
)
from rentals.security import safe_next
from rentals.templating import UNIT_STATUS_LABELS, row_link

ALL_ROLES = (*STAFF, Role.LANDLORD)


def _user():  # type: ignore[no-untyped-def]
    return current_user._get_current_object()


def _unit_or_404(code: str) -> Unit:
    unit = visible_unit(db.session(), _user(), code)
    if unit is None:
        abort(404)
    return unit


def _int_arg(name: str) -> int | None:
    value = request.args.get(name, "")
    # ASCII digits only ("²".isdigit() is true) and small enough for a database integer.
    return int(value) if value.isascii() and value.isdigit() and len(value) <= 9 else None


@bp.route("/units")
@roles_required(*ALL_ROLES)
def units():  # type: ignore[no-untyped-def]
    flt = UnitFilter(
        q=request.args.get("q", "")[:100],
        area_id=_int_arg("area"),
        community_id=_int_arg("community"),
        status=request.args.get("status") or None,
        rating_status=request.args.get("rating") or None,
        sort=request.args.get("sort", "code"),
        descending=request.args.get("dir") == "desc",
        page=min(_int_arg("page") or 1, 100000),
        after=request.args.get("after", "")[:600],
        before=request.args.get("before", "")[:600],
        last=request.args.get("last") == "1",
    )
    session, user = db.session(), _user()
    choice = AreaChoice()
    if user.role != Role.LANDLORD:
        choice = area_choice(session, user, community_id=flt.community_id, area_id=flt.area_id)
        if not choice.keeps(flt.area_id):  # the community was changed after the area
            flt = replace(flt, area_id=None)
    page = unit_page(session, user, flt)
    return render_template(
        "register/units.html",
        page=page,
        choice=choice,
        unit_href=row_link("register.unit"),
        units_href=url_for("register.units"),
        status_labels={k: str(v) for k, v in UNIT_STATUS_LABELS.items()},
    )


@bp.route("/units/<code>")
@roles_required(*ALL_ROLES)
def unit(code: str):  # type: ignore[no-untyped-def]
    session, user = db.session(), _user()
    found = _unit_or_404(code)
    record = unit_file(session, found)
    # Incidents are for staff only: a landlord's file never even queries them.
    incidents = None
    if user.role != Role.LANDLORD:
        incidents = incident_queries.for_unit(session, user, found, locale=str(get_locale()))
    self_service = None
    if user.role in STAFF:
        # Tenants' own declarations, proofs of a fix, registrations (rentals/selfservice).
        from rentals.selfservice.queries import staff_panel

        self_service = staff_panel(session, found, today=clock.today())
    return render_template(
        "register/unit.html",
        f=record,
        # One CSRF-only form: the tenancy and incident buttons post the same session token.
        form=ConfirmForm(),
        measures=unit_measures(session, found, landlord_view=user.role == Role.LANDLORD),
        measure_form=MeasureActionForm(),
        landlord_points=balance(session, found.landlord_id) if found.landlord_id else None,
        incidents=incidents,
        self_service=self_service,
    )


def _unit_data(form: UnitForm, unit: Unit | None = None) -> services.UnitData:
    return services.UnitData(
        code=form.code.data.strip().upper(),
        area_id=form.area_id.data,
        address=form.address.data.strip(),
        street=(form.street.data or "").strip(),
        house_number=form.house_number.data,
        unit_type=form.unit_type.data,
        type_label=services.kept_type_label(unit, form.unit_type.data),
        rooms=form.rooms.data,
        floor_area=form.floor_area.data,
        status=form.status.data,
        landlord_id=services.landlord_by_id_number(db.session(), form.landlord_id_number.data),
    )


def _field_error(form, err: DomainError) -> None:  # type: ignore[no-untyped-def]
    field = getattr(form, err.field, None) if err.field else None
    if field is not None:
        field.errors = [*field.errors, str(err.message)]
    else:
        flash(str(err.message), "error")


@bp.route("/units/new", methods=["GET", "POST"])
@roles_required(*OFFICE)
def unit_new():  # type: ignore[no-untyped-def]
    form = UnitForm()
    form.area_id.choices = choices((a.id, a.name) for a in areas_for(db.session(), _user()))
    if form.validate_on_submit():
        try:
            unit = services.create_unit(db.session(), actor=_user(), data=_unit_data(form))
        except DomainError as err:
            _field_error(form, err)
        else:
            flash(_("已登记出租房 %(code)s。", code=unit.code), "success")
            return redirect(url_for("register.unit", code=unit.code))
    status = 422 if request.method == "POST" else 200
    return render_template("register/unit_form.html", form=form, unit=None), status


@bp.route("/units/<code>/edit", methods=["GET", "POST"])
@roles_required(*OFFICE)
def unit_edit(code: str):  # type: ignore[no-untyped-def]
    unit = _unit_or_404(code)
    form = UnitForm(obj=unit)
    form.area_id.choices = choices((a.id, a.name) for a in areas_for(db.session(), _user()))
    if request.method == "GET" and unit.landlord_id:
        landlord = db.session().get(Person, unit.landlord_id)
        form.landlord_id_number.data = landlord.id_number if landlord else ""
    if form.validate_on_submit():
        try:
            changes = services.update_unit(
                db.session(), actor=_user(), unit=unit, data=_unit_data(form, unit)
            )
        except DomainError as err:
            _field_error(form, err)
        else:
            flash(_("已保存。") if changes else _("没有改动。"), "success")
            return redirect(url_for("register.unit", code=unit.code))
    status = 422 if request.method == "POST" else 200
    return render_template("register/unit_form.html", form=form, unit=unit), status


@bp.route("/units/<code>/tenants/new", methods=["GET", "POST"])
@roles_required(*STAFF)
def tenancy_new(code: str):  # type: ignore[no-untyped-def]
    unit = _unit_or_404(code)
    form = TenancyForm()
    if form.validate_on_submit():
        session = db.session()
        try:
            person = session.exec(
                select(Person).where(Person.id_number == form.id_number.data)
            ).first()
            if person is None:
                person = services.create_person(
                    session,
                    actor=_user(),
                    data=services.PersonData(
                        name=form.name.data.strip(),
                        id_number=form.id_number.data,
                        phone=form.phone.data,
                        address=(form.address.data or "").strip(),
                    ),
                )
            services.add_tenancy(
                session,
                actor=_user(),
                unit=unit,
                person=person,
                moved_in=form.moved_in.data,
                registered=form.registered.data,
            )
        except DomainError as err:
            _field_error(form, err)
        else:
            flash(_("已登记租户 %(name)s 入住。", name=person.name), "success")
            return redirect(url_for("register.unit", code=unit.code))
    status = 422 if request.method == "POST" else 200
    return render_template("register/tenancy_form.html", form=form, unit=unit), status


def _tenancy_or_404(tenancy_id: int) -> tuple[Tenancy, Unit]:
    session = db.session()
    row = session.exec(
        select(Tenancy, Unit)
        .join(Unit, Unit.id == Tenancy.unit_id)
        .where(Tenancy.id == tenancy_id, unit_scope(_user()))
    ).first()
    if row is None:
        abort(404)
    return row


@bp.route("/tenancies/<int:tenancy_id>/end", methods=["POST"])
@roles_required(*STAFF)
def tenancy_end(tenancy_id: int):  # type: ignore[no-untyped-def]
    tenancy, unit = _tenancy_or_404(tenancy_id)
    form = EndTenancyForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for message in errors:
                flash(str(message), "error")
        return redirect(url_for("register.unit", code=unit.code)), 303
    services.end_tenancy(
        db.session(), actor=_user(), tenancy=tenancy, moved_out=form.moved_out.data
    )
    flash(_("已登记搬离。"), "success")
    return redirect(url_for("register.unit", code=unit.code))


def _person_or_404(person_id: int) -> Person:
    person = visible_person(db.session(), _user(), person_id)
    if person is None:
        abort(404)
    return person


@bp.route("/people/<int:person_id>/edit", methods=["GET", "POST"])
@roles_required(*OFFICE)
def person_edit(person_id: int):  # type: ignore[no-untyped-def]
    person = _person_or_404(person_id)
    form = PersonForm(obj=person)
    if request.method == "GET" and person.phone:
        form.phone.data = person.phone.removeprefix("+86")
    if form.validate_on_submit():
        data = services.PersonData(
            name=form.name.data.strip(),
            id_number=form.id_number.data,
            phone=form.phone.data,
            address=(form.address.data or "").strip(),
        )
        try:
            services.update_person(db.session(), actor=_user(), person=person, data=data)
        except DomainError as err:
            _field_error(form, err)
        else:
            flash(_("已保存。"), "success")
            return redirect(safe_next(request.args.get("back")) or url_for("register.units"))
    status = 422 if request.method == "POST" else 200
    return render_template("register/person_form.html", form=form, person=person), status


@bp.route("/people/new", methods=["GET", "POST"])
@roles_required(*OFFICE)
def person_new():  # type: ignore[no-untyped-def]
    form = PersonForm()
    if form.validate_on_submit():
        data = services.PersonData(
            name=form.name.data.strip(),
            id_number=form.id_number.data,
            phone=form.phone.data,
            address=(form.address.data or "").strip(),
        )
        try:
            person = services.create_person(db.session(), actor=_user(), data=data)
        except DomainError as err:
            _field_error(form, err)
        else:
            flash(_("已登记人员 %(name)s。", name=person.name), "success")
            return redirect(url_for("register.units"))
    status = 422 if request.method == "POST" else 200
    return render_template("register/person_form.html", form=form, person=None), status


@bp.route("/people/<int:person_id>/reveal", methods=["POST"])
@roles_required(*MAY_REVEAL)
def person_reveal(person_id: int):  # type: ignore[no-untyped-def]
    person = _person_or_404(person_id)
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    number = services.reveal_id_number(db.session(), actor=_user(), person=person)
    return render_template("register/reveal.html", person=person, number=number)
