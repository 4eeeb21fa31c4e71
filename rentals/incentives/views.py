"""Staff pages of the consequences of a rating: the blacklist notice on the unit file and
the month's edition from the print page."""

from __future__ import annotations

from flask import abort, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm

from rentals import clock, db
from rentals.auth.access import OFFICE, roles_required
from rentals.auth.models import User
from rentals.errors import DomainError
from rentals.incentives import bp
from rentals.incentives.blacklist import listed_from, notify_blacklist, publish_blacklist
from rentals.printing.forms import BlacklistForm
from rentals.printing.views import pdf_download, print_page
from rentals.register.models import Unit
from rentals.register.queries import visible_unit


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
