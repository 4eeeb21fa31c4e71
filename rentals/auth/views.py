"""Sign in, sign out, change password, and lifting the sign-in throttle."""

from __future__ import annotations

from typing import Any

from flask import (
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from sqlmodel import select

from rentals import db
from rentals.auth import bp, throttle
from rentals.auth.access import OFFICE, roles_required
from rentals.auth.devices import known_devices, remember_device
from rentals.auth.forms import AccountActionForm, LoginForm, PasswordForm, UnlockCodeForm
from rentals.auth.models import Role, User
from rentals.auth.passwords import dummy_hash
from rentals.auth.services import (
    LoginThrottled,
    authenticate,
    change_password,
    create_unlock_code,
    end_session,
    may_make_unlock_code,
    normalise_login,
    redeem_unlock_code,
    token_issued_at,
    unlock_account,
)
from rentals.errors import DomainError
from rentals.extensions import limiter
from rentals.modelbase import utcnow
from rentals.security import safe_next

#: What a user who must change their password may still open.
PASSWORD_GATE_OPEN = frozenset({"auth.password", "auth.logout", "static", "main.healthz"})


@bp.record_once
def _set_up(state: Any) -> None:
    """Remember-me never outlasts a session (police phones are shared); the dummy hash
    for unknown names is made now, so the first one after a start is not slower."""
    cfg = state.app.config
    lifetime = cfg["PERMANENT_SESSION_LIFETIME"]
    cfg["REMEMBER_COOKIE_DURATION"] = min(cfg.get("REMEMBER_COOKIE_DURATION", lifetime), lifetime)
    with state.app.app_context():
        dummy_hash()


@bp.before_app_request
def _session_gate():  # type: ignore[no-untyped-def]
    """Before every page: a "keep me signed in" session ends when its token is older
    than REMEMBER_COOKIE_DURATION (whatever the browser kept, or a copied cookie), and a
    user who must change their password opens nothing else (but can sign out)."""
    if request.endpoint is None or request.endpoint in ("static", "main.healthz"):
        return None
    if not current_user.is_authenticated:
        return None
    if not session.permanent:  # signed in with "keep me signed in", or by its cookie
        issued = token_issued_at(getattr(current_user, "_cookie_token", ""))
        if issued is None or utcnow() - issued > current_app.config["REMEMBER_COOKIE_DURATION"]:
            logout_user()
            return None
    if request.endpoint in PASSWORD_GATE_OPEN or not current_user.must_change_password:
        return None
    if request.method in ("GET", "HEAD"):
        return redirect(url_for("auth.password"))
    abort(403)
    return None


def _address() -> str:
    return throttle.address_key(request.remote_addr or "")


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
def login():  # type: ignore[no-untyped-def]
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    if form.validate_on_submit():
        now = utcnow()
        try:
            user = authenticate(
                db.session(),
                username=form.username.data,
                password=form.password.data,
                now=now,
                address=_address(),
                devices=known_devices(now),
            )
        except DomainError as err:
            # Keep the throttle counts and the audit events although the answer is an error.
            db.session().commit()
            form.password.errors.append(str(err.message))
            response = current_app.make_response(
                (render_template("auth/login.html", form=form), err.status)
            )
            if isinstance(err, LoginThrottled):
                response.headers["Retry-After"] = str(err.retry_after)
            return response
        lang = session.get("lang")
        session.clear()  # a fresh session at login: no fixation
        if lang:
            session["lang"] = lang
        login_user(user, remember=form.remember.data)
        session.permanent = not form.remember.data
        if user.must_change_password:
            flash(_("请先设置新密码。"), "info")
            response = redirect(url_for("auth.password"))
        else:
            response = redirect(safe_next(request.args.get("next")) or url_for("main.home"))
        remember_device(response, user_id=user.id, now=now)  # type: ignore[arg-type]
        return response
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
        user = current_user._get_current_object()
        try:
            change_password(db.session(), user=user, current=form.current.data, new=form.new.data)
        except DomainError as err:
            getattr(form, err.field or "new").errors.append(str(err.message))
            return render_template("auth/password.html", form=form), 422
        # Every other session and remember-me cookie ended with the old token; this
        # browser carries on with the new one (and a new remember-me cookie if it had one).
        cookie = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")
        login_user(user, remember=cookie in request.cookies)
        flash(_("密码已更新。"), "success")
        return redirect(url_for("main.home"))
    return render_template("auth/password.html", form=form), (422 if form.errors else 200)


@bp.route("/unlock", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
def unlock_with_code():  # type: ignore[no-untyped-def]
    """The owner lifts the sign-in throttle of their account with a one-time code."""
    form = UnlockCodeForm()
    if form.validate_on_submit():
        try:
            redeem_unlock_code(
                db.session(),
                username=form.username.data,
                code=form.code.data,
                now=utcnow(),
                address=_address(),
            )
        except DomainError as err:
            db.session().commit()  # the failure counts against this client
            form.code.errors.append(str(err.message))
            response = current_app.make_response(
                (render_template("auth/unlock.html", form=form), err.status)
            )
            if isinstance(err, LoginThrottled):
                response.headers["Retry-After"] = str(err.retry_after)
            return response
        flash(_("登录限制已解除，请登录。"), "success")
        return redirect(url_for("auth.login"))
    return render_template("auth/unlock.html", form=form), (422 if form.errors else 200)


def _throttle_page(user: User | None, login: str, code: str | None = None, status: int = 200):  # type: ignore[no-untyped-def]
    sess = db.session()
    state = throttle.account_state(sess, login=login) if login else None
    clients = throttle.pair_rows(sess, login=login) if login else []
    return render_template(
        "auth/throttle.html",
        login=login,
        user=user,
        state=state,
        clients=clients,
        now=utcnow(),
        code=code,
        action_form=AccountActionForm(),
        may_unlock=current_user.role == Role.ADMIN,
        may_make_code=user is not None and may_make_unlock_code(current_user, user),
    ), status


@bp.route("/auth/throttle")
@roles_required(*OFFICE)
def throttle_page():  # type: ignore[no-untyped-def]
    """Look up an account's sign-in throttle; admins lift it, the office makes codes."""
    login = normalise_login(request.args.get("login", "")[:64])
    user = None
    if login:
        user = db.session().exec(select(User).where(User.username == login)).first()
    return _throttle_page(user, login)


def _account_from_form() -> User:
    form = AccountActionForm()
    if not form.validate_on_submit():
        abort(400)
    user = db.session().get(User, form.user_id.data)
    if user is None:
        abort(404)
    return user


@bp.route("/auth/throttle/clear", methods=["POST"])
@roles_required(Role.ADMIN)
def throttle_clear():  # type: ignore[no-untyped-def]
    user = _account_from_form()
    unlock_account(db.session(), actor=current_user._get_current_object(), user=user)
    flash(_("已解除 %(name)s 的登录限制。", name=user.username), "success")
    return redirect(url_for("auth.throttle_page", login=user.username))


@bp.route("/auth/throttle/code", methods=["POST"])
@roles_required(*OFFICE)
def throttle_code():  # type: ignore[no-untyped-def]
    user = _account_from_form()
    code = create_unlock_code(
        db.session(), actor=current_user._get_current_object(), user=user, now=utcnow()
    )
    return _throttle_page(user, user.username, code=code)
