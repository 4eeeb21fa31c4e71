"""The manager's decision on a contest, posted from the unit file's staff panel."""

from __future__ import annotations

from flask import abort, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user

from rentals import clock, db
from rentals.auth.access import OFFICE, roles_required
from rentals.errors import DomainError
from rentals.ratings import contests, contests_bp
from rentals.ratings.forms import DecideContestForm
from rentals.register.models import Unit
from rentals.register.queries import visible_unit


def _to_file(unit: Unit):  # type: ignore[no-untyped-def]
    return redirect(url_for("register.unit", code=unit.code) + "#landlord-reports")


@contests_bp.route("/units/<code>/contest/decide", methods=["POST"])
@roles_required(*OFFICE)
def decide_contest(code: str):  # type: ignore[no-untyped-def]
    session = db.session()
    user = current_user._get_current_object()
    unit = visible_unit(session, user, code)
    if unit is None:
        abort(404)
    current = contests.open_contest(session, unit)
    if current is None:
        flash(_("没有进行中的复核申请。"), "error")
        return _to_file(unit), 303
    form = DecideContestForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for message in errors:
                flash(str(message), "error")
        return _to_file(unit), 303
    try:
        contests.decide_contest(
            session,
            actor=user,
            contest=current,
            upheld=form.decision.data == "upheld",
            reason=form.reason.data,
            now=clock.now(),
        )
    except DomainError as err:
        db.discard()
        flash(str(err.message), "error")
        return _to_file(unit), 303
    flash(_("已记录复核决定。"), "success")
    return _to_file(unit)
