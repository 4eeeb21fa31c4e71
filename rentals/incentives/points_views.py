"""Staff pages of points: which measures a community lets landlords redeem, a landlord's
points seen from a unit (and redeeming on the landlord's behalf), and the versions of the
measures catalogue and of the points rules (list, read, upload)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from sqlmodel import select

from rentals import clock, db
from rentals.auth.access import OFFICE, community_scope, roles_required
from rentals.auth.models import User
from rentals.errors import DomainError
from rentals.incentives import bp, points, redemptions, versions
from rentals.incentives.catalogue import MAX_SOURCE_BYTES
from rentals.incentives.forms import RedeemableForm, RedeemForm, VersionUploadForm
from rentals.incentives.queries import unit_measures
from rentals.incentives.views import _staff_unit, _user
from rentals.register.models import Area, Community, Person, Unit
from rentals.templating import current_language


def redeem_from_form(unit: Unit, form: RedeemForm, *, actor: User, done: str) -> None:
    """Redeems the form's measure for ``unit`` and flashes the outcome (``done`` takes the
    measure's text as ``m``); a refusal rolls back and flashes its reason. The landlord's
    portal and the office's page both redeem this way."""
    try:
        measure = redemptions.redeem(
            db.session(),
            actor=actor,
            unit=unit,
            code=form.code.data,
            request_key=form.request_key.data,
            now=clock.now(),
        )
    except DomainError as err:
        db.discard()
        flash(str(err.message), "error")
        return
    flash(done % {"m": measure.text(current_language())}, "success")


@bp.route("/incentives/redeemable", methods=["GET", "POST"])
@roles_required(*OFFICE)
def redeemable():  # type: ignore[no-untyped-def]
    """Each of the user's communities: which reward measures can be redeemed, at what cost."""
    session = db.session()
    today = clock.today()
    form = RedeemableForm()
    status = 200
    if form.is_submitted():
        if form.validate():
            try:
                changed = redemptions.set_redeemable(
                    session,
                    actor=_user(),
                    community_id=form.community.data,
                    code=form.code.data,
                    cost=form.cost.data,
                    today=today,
                )
            except DomainError as err:
                db.discard()
                flash(str(err.message), "error")
                status = err.status
            else:
                flash(_("已保存。") if changed else _("没有变化。"), "success")
                return redirect(url_for("incentives.redeemable"), 303)
        else:
            errors = [str(m) for messages in form.errors.values() for m in messages]
            flash("；".join(errors) or _("请检查填写的内容。"), "error")
            status = 422
    communities = list(
        session.exec(select(Community).where(community_scope(_user())).order_by(Community.name))
    )
    ids = [c.id for c in communities if c.id is not None]
    settings = redemptions.current_settings(session, ids)
    return render_template(
        "incentives/redeemable.html",
        communities=communities,
        measures=redemptions.eligible_measures(session, today=today),
        settings=settings,
        form=form,
        language=current_language(),
    ), status


def _landlord_page(unit: Unit, status: int = 200):  # type: ignore[no-untyped-def]
    session = db.session()
    person = session.get(Person, unit.landlord_id) if unit.landlord_id else None
    area = session.get(Area, unit.area_id)
    assert area is not None
    today = clock.today()
    return render_template(
        "incentives/landlord_points.html",
        unit=unit,
        person=person,
        balance=points.balance(session, person.id) if person else 0,
        entries=points.history(session, person.id) if person else [],
        offers=redemptions.offers(session, [area.community_id], today=today)[area.community_id],
        redeemed=[line for line in unit_measures(session, unit) if line.measure.is_redeemed],
        request_key=redemptions.new_request_key(),
        form=RedeemForm(),
        language=current_language(),
    ), status


@bp.route("/incentives/units/<code>/points")
@roles_required(*OFFICE)
def landlord_points(code: str):  # type: ignore[no-untyped-def]
    """The unit's landlord's balance and history, and what can be redeemed for the unit."""
    return _landlord_page(_staff_unit(code))


@bp.route("/incentives/units/<code>/redeem", methods=["POST"])
@roles_required(*OFFICE)
def redeem_for(code: str):  # type: ignore[no-untyped-def]
    """The office redeems the landlord's points for the unit (the landlord asked in person)."""
    unit = _staff_unit(code)
    form = RedeemForm()
    back = redirect(url_for("incentives.landlord_points", code=unit.code), 303)
    if not form.validate_on_submit() or form.unit.data != unit.code:
        flash(_("请重新打开页面后再兑换。"), "error")
        return back
    redeem_from_form(unit, form, actor=_user(), done=_("已兑换：%(m)s。"))
    return back


# -- versions of the measures catalogue and the points rules -----------------------------------


@bp.route("/incentives/versions")
@roles_required(*OFFICE)
def versions_list():  # type: ignore[no-untyped-def]
    lines = versions.version_lines(db.session(), today=clock.today())
    return render_template("incentives/versions.html", lines=lines)


@bp.route("/incentives/versions/<any(measures, points):catalogue>/<int:number>")
@roles_required(*OFFICE)
def version_source(catalogue: str, number: int):  # type: ignore[no-untyped-def]
    """The text of any version, shipped or uploaded, in force or not (old ones stay readable)."""
    text = versions.source_of(db.session(), catalogue, number)
    if text is None:
        abort(404)
    return render_template(
        "incentives/version_source.html", catalogue=catalogue, number=number, text=text
    )


@bp.route("/incentives/versions/upload", methods=["GET", "POST"])
@roles_required(*OFFICE)
def version_upload():  # type: ignore[no-untyped-def]
    form = VersionUploadForm()
    problems: list[versions.Problem] = []
    status = 200
    if form.validate_on_submit():
        text: str | None = form.source.data or ""
        if form.file.data:
            raw = form.file.data.read(MAX_SOURCE_BYTES + 1)
            try:
                text = raw.decode("utf-8-sig")
            except UnicodeDecodeError:
                text = None
                form.file.errors = [
                    *form.file.errors,
                    _("文件过大，最多 %(n)s 字节。", n=MAX_SOURCE_BYTES)
                    if len(raw) > MAX_SOURCE_BYTES
                    else _("文件必须是 UTF-8 编码的文本。"),
                ]
        if text is not None:
            try:
                row = versions.upload_version(
                    db.session(),
                    actor=_user(),
                    kind=form.kind.data,
                    text=text,
                    today=clock.today(),
                )
            except versions.VersionRejected as err:
                problems = err.problems
                flash(str(err.message), "error")
            except DomainError as err:
                form.source.errors = [*form.source.errors, str(err.message)]
            else:
                flash(
                    _(
                        "已保存第 %(v)s 版，%(day)s 起使用。",
                        v=row.version,
                        day=row.active_from.isoformat(),
                    ),
                    "success",
                )
                return redirect(
                    url_for("incentives.version_source", catalogue=row.kind, number=row.version)
                )
        status = 422
    elif form.is_submitted():
        status = 422
    return render_template("incentives/version_upload.html", form=form, problems=problems), status
