"""Administration pages: communities, areas, accounts and landlord logins.

An admin reaches everything; a manager their own communities and the inspector and
landlord accounts there. Anything out of reach answers 404, like a unit out of scope.
"""

from __future__ import annotations

from datetime import UTC, datetime
from io import BytesIO
from typing import Any

from flask import (
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlmodel import select

import schedules
from rentals import db
from rentals.admin import bp, landlords, services
from rentals.admin.forms import (
    AreaForm,
    CommunityForm,
    ConfirmForm,
    LandlordLoginsForm,
    UserEditForm,
    UserForm,
)
from rentals.auth.access import OFFICE, roles_required
from rentals.auth.models import Role, User, UserArea, UserCommunity
from rentals.errors import DomainError, NotFound
from rentals.register.models import Area


def _user() -> User:
    return current_user._get_current_object()  # type: ignore[no-any-return]


def _field_error(form: Any, err: DomainError) -> None:
    field = getattr(form, err.field, None) if err.field else None
    if field is not None:
        field.errors = [*field.errors, str(err.message)]
    else:
        flash(str(err.message), "error")


def _today():  # type: ignore[no-untyped-def]
    return schedules.local_today(datetime.now(UTC), current_app.config["TIMEZONE"])


def _int_arg(name: str) -> int | None:
    value = request.args.get(name, "")
    return int(value) if value.isascii() and value.isdigit() and len(value) <= 9 else None


def _status() -> int:
    return 422 if request.method == "POST" else 200


def _or_404(fn: Any, *args: Any) -> Any:
    try:
        return fn(db.session(), _user(), *args)
    except NotFound:
        abort(404)


def _private(html: str, status: int = 200) -> Any:
    """A page that shows a one-time password: never kept by a browser or proxy cache."""
    response = make_response(html, status)
    response.headers["Cache-Control"] = "no-store"
    return response


# --- communities and areas ------------------------------------------------------------


@bp.route("/")
@roles_required(*OFFICE)
def communities():  # type: ignore[no-untyped-def]
    session = db.session()
    rows = services.communities_for(session, _user())
    areas = services.areas_for(session, _user())
    served: dict[int, list[str]] = {}
    if areas:
        for area_id, name in session.exec(
            select(UserArea.area_id, User.display_name)
            .join(User, User.id == UserArea.user_id)
            .where(
                UserArea.area_id.in_([a.id for a in areas]),  # type: ignore[attr-defined]
                User.role == Role.INSPECTOR.value,
                User.is_active.is_(True),  # type: ignore[attr-defined]
            )
            .order_by(User.display_name)
        ):
            served.setdefault(area_id, []).append(name)
    by_community: dict[int, list[Area]] = {}
    for area in areas:
        by_community.setdefault(area.community_id, []).append(area)
    return render_template(
        "admin/communities.html",
        communities=rows,
        by_community=by_community,
        served=served,
        base_url=services.default_public_url(),
    )


def _community_data(form: CommunityForm) -> services.CommunityData:
    return services.CommunityData(
        name=form.name.data or "",
        name_bo=form.name_bo.data or "",
        issuer=form.issuer.data or "",
        police_station=form.police_station.data or "",
        public_url=form.public_url.data or "",
    )


@bp.route("/communities/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def community_new():  # type: ignore[no-untyped-def]
    form = CommunityForm()
    if form.validate_on_submit():
        try:
            community = services.create_community(
                db.session(), actor=_user(), data=_community_data(form)
            )
        except DomainError as err:
            _field_error(form, err)
        else:
            flash(_("已新建社区 %(name)s。", name=community.name), "success")
            return redirect(url_for("admin.communities"))
    return render_template("admin/community_form.html", form=form, community=None), _status()


@bp.route("/communities/<int:community_id>/edit", methods=["GET", "POST"])
@roles_required(*OFFICE)
def community_edit(community_id: int):  # type: ignore[no-untyped-def]
    community = _or_404(services.community_or_404, community_id)
    form = CommunityForm(obj=community)
    if form.validate_on_submit():
        try:
            changes = services.update_community(
                db.session(), actor=_user(), community=community, data=_community_data(form)
            )
        except DomainError as err:
            _field_error(form, err)
        else:
            flash(_("已保存。") if changes else _("没有改动。"), "success")
            return redirect(url_for("admin.communities"))
    return render_template("admin/community_form.html", form=form, community=community), _status()


def _inspector_choices(community_id: int | None) -> list[tuple[int, str]]:
    """Active inspectors the acting user manages (those of the community first)."""
    session = db.session()
    query = select(User).where(
        User.role == Role.INSPECTOR.value,
        User.is_active.is_(True),  # type: ignore[attr-defined]
        services.managed_users_scope(_user()),
    )
    users = list(session.exec(query.order_by(User.display_name, User.id)))
    return [(u.id, f"{u.display_name} ({u.username})") for u in users]  # type: ignore[misc]


def _area_form(area: Area | None) -> AreaForm:
    from wtforms.fields.choices import SelectChoice

    form = AreaForm(obj=area)
    session = db.session()
    form.community_id.choices = [
        SelectChoice(c.id, c.name) for c in services.communities_for(session, _user())
    ]
    form.inspectors.choices = [
        SelectChoice(i, label)
        for i, label in _inspector_choices(area.community_id if area else None)
    ]
    if area is not None:
        del form.community_id
        if request.method == "GET":
            form.inspectors.data = services.area_inspector_ids(session, area)
    elif request.method == "GET":
        form.community_id.data = _int_arg("community")
    return form


@bp.route("/areas/new", methods=["GET", "POST"])
@roles_required(*OFFICE)
def area_new():  # type: ignore[no-untyped-def]
    form = _area_form(None)
    if form.validate_on_submit():
        session = db.session()
        try:
            community = services.community_or_404(session, _user(), form.community_id.data)
            area = services.create_area(
                session,
                actor=_user(),
                community=community,
                name=form.name.data or "",
                name_bo=form.name_bo.data or "",
                inspector_ids=form.inspectors.data or [],
            )
        except DomainError as err:
            _field_error(form, err)
        else:
            flash(_("已新建区域 %(name)s。", name=area.name), "success")
            return redirect(url_for("admin.communities"))
    return render_template("admin/area_form.html", form=form, area=None), _status()


@bp.route("/areas/<int:area_id>/edit", methods=["GET", "POST"])
@roles_required(*OFFICE)
def area_edit(area_id: int):  # type: ignore[no-untyped-def]
    area = _or_404(services.area_or_404, area_id)
    form = _area_form(area)
    if form.validate_on_submit():
        try:
            services.update_area(
                db.session(),
                actor=_user(),
                area=area,
                name=form.name.data or "",
                name_bo=form.name_bo.data or "",
                inspector_ids=form.inspectors.data or [],
            )
        except DomainError as err:
            _field_error(form, err)
        else:
            flash(_("已保存。"), "success")
            return redirect(url_for("admin.communities"))
    return render_template("admin/area_form.html", form=form, area=area), _status()


# --- accounts -------------------------------------------------------------------------


def _roles(user: User | None = None) -> list[str]:
    """Roles the form offers: a landlord stays a landlord; staff accounts get staff roles
    (landlord logins come from the register, linked to the person)."""
    if user is not None and user.role == Role.LANDLORD:
        return [Role.LANDLORD.value]
    if _user().role == Role.ADMIN:
        return [r.value for r in (Role.INSPECTOR, Role.MANAGER, Role.ADMIN)]
    return [Role.INSPECTOR.value]


@bp.route("/users")
@roles_required(*OFFICE)
def users():  # type: ignore[no-untyped-def]
    session = db.session()
    visible = services.communities_for(session, _user())
    community_id = _int_arg("community")
    if community_id is not None and community_id not in {c.id for c in visible}:
        community_id = None
    query = select(User).where(services.managed_users_scope(_user()))
    if community_id is not None:
        in_c = select(UserCommunity.user_id).where(UserCommunity.community_id == community_id)
        in_a = (
            select(UserArea.user_id)
            .join(Area, Area.id == UserArea.area_id)
            .where(Area.community_id == community_id)
        )
        query = query.where(User.id.in_(in_c) | User.id.in_(in_a))  # type: ignore[union-attr]
    role = request.args.get("role", "")
    if role in {r.value for r in Role}:
        query = query.where(User.role == role)
    page_n = min(_int_arg("page") or 1, 100000)
    per_page = 100
    rows = list(
        session.exec(
            query.order_by(User.role, User.username)
            .limit(per_page + 1)
            .offset((page_n - 1) * per_page)
        )
    )
    return render_template(
        "admin/users.html",
        users=rows[:per_page],
        more=len(rows) > per_page,
        page=page_n,
        communities=visible,
        community_id=community_id,
        role=role,
        roles=[r.value for r in Role],
    )


def _user_form(form_class: type, user: User | None) -> Any:
    session = db.session()
    form = form_class(obj=user)
    form.fill_choices(
        _roles(user),
        services.communities_for(session, _user()),
        services.areas_for(session, _user()),
    )
    if user is not None and request.method == "GET":
        form.communities.data, form.areas.data = services.user_links(session, user)
    return form


@bp.route("/users/new", methods=["GET", "POST"])
@roles_required(*OFFICE)
def user_new():  # type: ignore[no-untyped-def]
    form = _user_form(UserForm, None)
    if form.validate_on_submit():
        try:
            user, password = services.add_user(
                db.session(),
                actor=_user(),
                username=form.username.data or "",
                role=form.role.data,
                display_name=form.display_name.data or "",
                community_ids=form.communities.data or [],
                area_ids=form.areas.data or [],
            )
        except DomainError as err:
            _field_error(form, err)
        else:
            return _private(
                render_template("admin/password.html", user=user, password=password, new=True)
            )
    return render_template("admin/user_form.html", form=form, user=None), _status()


@bp.route("/users/<int:user_id>/edit", methods=["GET", "POST"])
@roles_required(*OFFICE)
def user_edit(user_id: int):  # type: ignore[no-untyped-def]
    user = _or_404(services.user_or_404, user_id)
    form = _user_form(UserEditForm, user)
    if form.validate_on_submit():
        try:
            changes = services.update_user(
                db.session(),
                actor=_user(),
                user=user,
                role=form.role.data,
                display_name=form.display_name.data or "",
                community_ids=form.communities.data or [],
                area_ids=form.areas.data or [],
            )
        except DomainError as err:
            _field_error(form, err)
        else:
            flash(_("已保存。") if changes else _("没有改动。"), "success")
            return redirect(url_for("admin.users"))
    return render_template(
        "admin/user_form.html", form=form, user=user, confirm=ConfirmForm()
    ), _status()


@bp.route("/users/<int:user_id>/reset", methods=["POST"])
@roles_required(*OFFICE)
def user_reset(user_id: int):  # type: ignore[no-untyped-def]
    user = _or_404(services.user_or_404, user_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        password = services.reset_password(db.session(), actor=_user(), user=user)
    except DomainError as err:
        flash(str(err.message), "error")
        return redirect(url_for("admin.user_edit", user_id=user_id))
    return _private(render_template("admin/password.html", user=user, password=password, new=False))


@bp.route("/users/<int:user_id>/active", methods=["POST"])
@roles_required(*OFFICE)
def user_active(user_id: int):  # type: ignore[no-untyped-def]
    user = _or_404(services.user_or_404, user_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    active = request.form.get("active") == "1"
    try:
        services.set_active(db.session(), actor=_user(), user=user, active=active)
    except DomainError as err:
        db.discard()
        flash(str(err.message), "error")
        return redirect(url_for("admin.user_edit", user_id=user_id))
    flash(_("账号已启用。") if active else _("账号已停用，登录状态已全部结束。"), "success")
    return redirect(url_for("admin.users"))


# --- landlord logins ----------------------------------------------------------------------


@bp.route("/landlord-logins", methods=["GET", "POST"])
@roles_required(*OFFICE)
def landlord_logins():  # type: ignore[no-untyped-def]
    from wtforms.fields.choices import SelectChoice

    session = db.session()
    form = LandlordLoginsForm()
    form.community_id.choices = [
        SelectChoice(c.id, c.name) for c in services.communities_for(session, _user())
    ]
    if form.validate_on_submit():
        try:
            community = services.community_or_404(session, _user(), form.community_id.data)
            batch = landlords.issue_landlord_logins(session, actor=_user(), community=community)
        except DomainError as err:
            _field_error(form, err)
        else:
            if batch.created:
                pdf = landlords.sheet_pdf(batch, community=community, printed=_today())
                response = send_file(
                    BytesIO(pdf),
                    mimetype="application/pdf",
                    as_attachment=True,
                    download_name="landlord-logins.pdf",
                )
                response.headers["Cache-Control"] = "no-store"
                return response
            flash(
                _(
                    "没有需要开通的房东：%(existing)s 位已有账号，%(skipped)s 位没有手机号或手机号已被使用。",  # noqa: E501
                    existing=batch.existing,
                    skipped=len(batch.skipped),
                ),
                "info",
            )
            return render_template("admin/landlord_logins.html", form=form, batch=batch)
    return render_template("admin/landlord_logins.html", form=form, batch=None), _status()
