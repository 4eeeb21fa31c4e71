"""The signed-in page where people make, list and revoke API tokens.

Anyone signed in manages their own tokens; an admin any account's. A new token is shown
once, on an answer no cache keeps; afterwards only its prefix and dates are shown.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlmodel import select

from rentals import clock, db
from rentals.api import token_pages, tokens
from rentals.api.forms import RevokeForm, TokenForm
from rentals.auth.access import STAFF, roles_required
from rentals.auth.models import Role, User
from rentals.errors import DomainError

ALL = (*STAFF, Role.LANDLORD)


def _user() -> User:
    return current_user._get_current_object()  # type: ignore[no-any-return]


def _page(form: TokenForm, plain: str | None = None, status: int = 200):  # type: ignore[no-untyped-def]
    user = _user()
    rows = tokens.tokens_of(db.session(), actor=user)
    response = render_template(
        "api/tokens.html",
        form=form,
        revoke=RevokeForm(),
        rows=rows,
        plain=plain,
        now=clock.now(),
        is_admin=user.role == Role.ADMIN,
    )
    return response, status, {"Cache-Control": "no-store"}


@token_pages.route("/account/api-tokens", methods=["GET", "POST"])
@roles_required(*ALL)
def token_list():  # type: ignore[no-untyped-def]
    form = TokenForm()
    if not form.validate_on_submit():
        return _page(form, status=422 if form.is_submitted() else 200)
    actor = _user()
    session = db.session()
    owner = actor
    wanted = (form.username.data or "").strip()
    if wanted and actor.role == Role.ADMIN:
        found = session.exec(select(User).where(User.username == wanted)).first()
        if found is None:
            form.username.errors = [_("没有这个账号。")]
            return _page(form, status=422)
        owner = found
    try:
        _row, plain = tokens.create_token(
            session,
            actor=actor,
            user=owner,
            name=form.name.data,
            days=form.days.data,
            now=clock.now(),
            locale=str(get_locale() or ""),
        )
    except DomainError as err:
        flash(str(err.message), "error")
        return _page(form, status=err.status)
    flash(_("已创建接口令牌。它只显示这一次，请现在复制保存。"), "success")
    return _page(TokenForm(formdata=None), plain=plain)


@token_pages.route("/account/api-tokens/<int:token_id>/revoke", methods=["POST"])
@roles_required(*ALL)
def token_revoke(token_id: int):  # type: ignore[no-untyped-def]
    form = RevokeForm()
    if not form.validate_on_submit():
        return _page(TokenForm(formdata=None), status=400)
    try:
        tokens.revoke_token(db.session(), actor=_user(), token_id=token_id, now=clock.now())
    except DomainError as err:
        flash(str(err.message), "error")
        db.discard()
        return redirect(url_for("api_tokens.token_list"), code=303)
    flash(_("接口令牌已撤销，立即失效。"), "success")
    return redirect(url_for("api_tokens.token_list"), code=303)
