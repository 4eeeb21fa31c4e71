"""Administration pages: communities and their areas (accounts and landlord logins are
in ``account_views``).

An admin reaches everything; a manager their own communities and the inspector and
landlord accounts there. Anything out of reach answers 404, like a unit out of scope.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlmodel import select
from wtforms.fields.choices import SelectChoice

from rentals import db
from rentals.admin import bp, reach
from rentals.admin import communities as places
from rentals.admin.forms import AreaForm, CommunityForm
from rentals.admin.pages import actor, field_error, form_status, int_arg, or_404
from rentals.auth.access import OFFICE, roles_required
from rentals.auth.models import Role, User, UserArea
from rentals.errors import DomainError
from rentals.register.models import Area


@bp.route("/")
@roles_required(*OFFICE)
def communities():  # type: ignore[no-untyped-def]
    session = db.session()
    rows = reach.communities_for(session, actor())
    areas = reach.areas_for(session, actor())
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
        base_url=reach.default_public_url(),
    )


def _community_data(form: CommunityForm) -> places.CommunityData:
    return places.CommunityData(
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
            community = places.create_community(
                db.session(), actor=actor(), data=_community_data(form)
            )
        except DomainError as err:
            field_error(form, err)
        else:
            flash(_("已新建社区 %(name)s。", name=community.name), "success")
            return redirect(url_for("admin.communities"))
    return render_template("admin/community_form.html", form=form, community=None), form_status()


@bp.route("/communities/<int:community_id>/edit", methods=["GET", "POST"])
@roles_required(*OFFICE)
def community_edit(community_id: int):  # type: ignore[no-untyped-def]
    community = or_404(reach.community_or_404, community_id)
    form = CommunityForm(obj=community)
    if form.validate_on_submit():
        try:
            changes = places.update_community(
                db.session(), actor=actor(), community=community, data=_community_data(form)
            )
        except DomainError as err:
            field_error(form, err)
        else:
            flash(_("已保存。") if changes else _("没有改动。"), "success")
            return redirect(url_for("admin.communities"))
    return render_template(
        "admin/community_form.html", form=form, community=community
    ), form_status()


def _inspector_choices() -> list[tuple[int, str]]:
    """Active inspectors the acting user manages, by name."""
    session = db.session()
    query = select(User).where(
        User.role == Role.INSPECTOR.value,
        User.is_active.is_(True),  # type: ignore[attr-defined]
        reach.managed_users_scope(actor()),
    )
    users = list(session.exec(query.order_by(User.display_name, User.id)))
    return [(u.id, f"{u.display_name} ({u.username})") for u in users]  # type: ignore[misc]


def _area_form(area: Area | None) -> AreaForm:
    form = AreaForm(obj=area)
    session = db.session()
    form.community_id.choices = [
        SelectChoice(c.id, c.name) for c in reach.communities_for(session, actor())
    ]
    form.inspectors.choices = [SelectChoice(i, label) for i, label in _inspector_choices()]
    if area is not None:
        del form.community_id
        if request.method == "GET":
            form.inspectors.data = places.area_inspector_ids(session, area)
    elif request.method == "GET":
        form.community_id.data = int_arg("community")
    return form


@bp.route("/areas/new", methods=["GET", "POST"])
@roles_required(*OFFICE)
def area_new():  # type: ignore[no-untyped-def]
    form = _area_form(None)
    if form.validate_on_submit():
        session = db.session()
        try:
            community = reach.community_or_404(session, actor(), form.community_id.data)
            area = places.create_area(
                session,
                actor=actor(),
                community=community,
                name=form.name.data or "",
                name_bo=form.name_bo.data or "",
                inspector_ids=form.inspectors.data or [],
            )
        except DomainError as err:
            field_error(form, err)
        else:
            flash(_("已新建区域 %(name)s。", name=area.name), "success")
            return redirect(url_for("admin.communities"))
    return render_template("admin/area_form.html", form=form, area=None), form_status()


@bp.route("/areas/<int:area_id>/edit", methods=["GET", "POST"])
@roles_required(*OFFICE)
def area_edit(area_id: int):  # type: ignore[no-untyped-def]
    area = or_404(reach.area_or_404, area_id)
    form = _area_form(area)
    if form.validate_on_submit():
        try:
            places.update_area(
                db.session(),
                actor=actor(),
                area=area,
                name=form.name.data or "",
                name_bo=form.name_bo.data or "",
                inspector_ids=form.inspectors.data or [],
            )
        except DomainError as err:
            field_error(form, err)
        else:
            flash(_("已保存。"), "success")
            return redirect(url_for("admin.communities"))
    return render_template("admin/area_form.html", form=form, area=area), form_status()
