"""Administration pages: accounts (create with a one-time password shown once, edit,
reset, deactivate) and landlord logins from the register, printed on a sheet."""

from __future__ import annotations

from io import BytesIO
from typing import Any

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from sqlmodel import select
from wtforms.fields.choices import SelectChoice

from rentals import db
from rentals.admin import bp, landlords, reach, services
from rentals.admin.forms import ConfirmForm, LandlordLoginsForm, UserEditForm, UserForm
from rentals.admin.pages import (
    actor,
    field_error,
    form_status,
    int_arg,
    local_today,
    no_store,
    or_404,
)
from rentals.auth.access import OFFICE, roles_required
from rentals.auth.models import Role, User, UserArea, UserCommunity
from rentals.errors import DomainError
from rentals.register.models import Area


def _roles(user: User | None = None) -> list[str]:
    """Roles the form offers: a landlord stays a landlord; staff accounts get staff roles
    (landlord logins come from the register, linked to the person)."""
    if user is not None and user.role == Role.LANDLORD:
        return [Role.LANDLORD.value]
    if actor().role == Role.ADMIN:
        return [r.value for r in (Role.INSPECTOR, Role.MANAGER, Role.ADMIN)]
    return [Role.INSPECTOR.value]


@bp.route("/users")
@roles_required(*OFFICE)
def users():  # type: ignore[no-untyped-def]
    session = db.session()
    visible = reach.communities_for(session, actor())
    community_id = int_arg("community")
    if community_id is not None and community_id not in {c.id for c in visible}:
        community_id = None
    query = select(User).where(reach.managed_users_scope(actor()))
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
    page_n = min(int_arg("page") or 1, 100000)
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
        reach.communities_for(session, actor()),
        reach.areas_for(session, actor()),
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
                actor=actor(),
                username=form.username.data or "",
                role=form.role.data,
                display_name=form.display_name.data or "",
                community_ids=form.communities.data or [],
                area_ids=form.areas.data or [],
            )
        except DomainError as err:
            field_error(form, err)
        else:
            return no_store(
                render_template("admin/password.html", user=user, password=password, new=True)
            )
    return render_template("admin/user_form.html", form=form, user=None), form_status()


@bp.route("/users/<int:user_id>/edit", methods=["GET", "POST"])
@roles_required(*OFFICE)
def user_edit(user_id: int):  # type: ignore[no-untyped-def]
    user = or_404(reach.user_or_404, user_id)
    form = _user_form(UserEditForm, user)
    if form.validate_on_submit():
        try:
            changes = services.update_user(
                db.session(),
                actor=actor(),
                user=user,
                role=form.role.data,
                display_name=form.display_name.data or "",
                community_ids=form.communities.data or [],
                area_ids=form.areas.data or [],
            )
        except DomainError as err:
            field_error(form, err)
        else:
            flash(_("已保存。") if changes else _("没有改动。"), "success")
            return redirect(url_for("admin.users"))
    return render_template(
        "admin/user_form.html", form=form, user=user, confirm=ConfirmForm()
    ), form_status()


@bp.route("/users/<int:user_id>/reset", methods=["POST"])
@roles_required(*OFFICE)
def user_reset(user_id: int):  # type: ignore[no-untyped-def]
    user = or_404(reach.user_or_404, user_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        password = services.reset_password(db.session(), actor=actor(), user=user)
    except DomainError as err:
        flash(str(err.message), "error")
        return redirect(url_for("admin.user_edit", user_id=user_id))
    return no_store(render_template("admin/password.html", user=user, password=password, new=False))


@bp.route("/users/<int:user_id>/active", methods=["POST"])
@roles_required(*OFFICE)
def user_active(user_id: int):  # type: ignore[no-untyped-def]
    user = or_404(reach.user_or_404, user_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    active = request.form.get("active") == "1"
    try:
        services.set_active(db.session(), actor=actor(), user=user, active=active)
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
    """Open logins for a community's landlords, a batch per click, as a PDF sheet."""
    session = db.session()
    visible = reach.communities_for(session, actor())
    form = LandlordLoginsForm()
    form.community_id.choices = [SelectChoice(c.id, c.name) for c in visible]

    def page(batch: Any, status: int) -> Any:
        pending = landlords.pending_counts(session, [c.id for c in visible])  # type: ignore[misc]
        return render_template(
            "admin/landlord_logins.html",
            form=form,
            batch=batch,
            communities=visible,
            pending=pending,
            batch_size=landlords.PAGE_BATCH,
        ), status

    if form.validate_on_submit():
        try:
            community = reach.community_or_404(session, actor(), form.community_id.data)
            batch = landlords.issue_landlord_logins(
                session, actor=actor(), community=community, limit=landlords.PAGE_BATCH
            )
        except DomainError as err:
            field_error(form, err)
        else:
            if batch.created:
                pdf = landlords.sheet_pdf(batch, community=community, printed=local_today())
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
            return page(batch, 200)
    return page(None, form_status())
