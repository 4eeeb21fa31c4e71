"""Sign in, sign out and change password."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from rentals import db
from rentals.auth import bp
from rentals.auth.access import roles_required
from rentals.auth.forms import LoginForm, PasswordForm
from rentals.auth.models import Role
from rentals.auth.services import authenticate, change_password, end_session
from rentals.errors import DomainError
from rentals.extensions import limiter
from rentals.modelbase import utcnow
from rentals.security import safe_next


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
def login():  # type: ignore[no-untyped-def]
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = authenticate(
                db.session(), username=form.username.data, password=form.password.data, now=utcnow()
            )
        except DomainError as err:
            # Keep the failure counter even though the answer is an error page.
            db.session().commit()
            form.password.errors.append(str(err.message))
            return render_template("auth/login.html", form=form), 401
        lang = session.get("lang")
        session.clear()  # a fresh session at login: no fixation
        if lang:
            session["lang"] = lang
        login_user(user, remember=form.remember.data)
        session.permanent = not form.remember.data
        if user.must_change_password:
            flash(_("请先设置新密码。"), "info")
            return redirect(url_for("auth.password"))
        return redirect(safe_next(request.args.get("next")) or url_for("main.home"))
    status = 422 if form.errors else 200
    return render_template("auth/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
@roles_required(*Role)
def logout():  # type: ignore[no-untyped-def]
    end_session(db.session(), user=current_user._get_current_object())
    logout_user()
    session.clear()
    flash(_("已退出登录。"), "info")
    return redirect(url_for("auth.login"))


@bp.route("/password", methods=["GET", "POST"])
@roles_required(*Role)
def password():  # type: ignore[no-untyped-def]
    form = PasswordForm()
    if form.validate_on_submit():
        try:
            change_password(
                db.session(),
                user=current_user._get_current_object(),
                current=form.current.data,
                new=form.new.data,
            )
        except DomainError as err:
            getattr(form, err.field or "new").errors.append(str(err.message))
            return render_template("auth/password.html", form=form), 422
        flash(_("密码已更新。"), "success")
        return redirect(url_for("main.home"))
    return render_template("auth/password.html", form=form), (422 if form.errors else 200)
