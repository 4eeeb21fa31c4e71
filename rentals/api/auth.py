"""Who is calling: the bearer token, checked against the database on every request.

Only ``Authorization: Bearer rk_…`` authenticates the API; a session cookie never does,
which is why the blueprint may be exempt from CSRF. The token's account then goes
through the same role lists (``rentals.auth.access``) and scope conditions as the pages.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import g, request
from flask_babel import gettext as _

from rentals import clock, db
from rentals.api import tokens
from rentals.auth.models import User
from rentals.errors import DomainError, NotAllowed

F = TypeVar("F", bound=Callable[..., Any])


class Unauthorized(DomainError):
    status = 401
    code = "unauthorized"


def presented_token() -> str:
    header = request.headers.get("Authorization", "")
    scheme, _sep, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" else ""


def _authenticate() -> User:
    """The token's account, or Unauthorized. The check and the "last used" note run in
    their own short units of work, before the request's session is touched, so a read
    request stays a read transaction and a revoked token is seen by every worker."""
    presented = presented_token()
    if not presented:
        raise Unauthorized(_("需要接口令牌（Authorization: Bearer …）。"))
    now = clock.now()
    with db.unit_of_work(write=False) as sess:
        found = tokens.check_token(sess, presented, now=now)
    if found is None:
        raise Unauthorized(_("接口令牌无效、已过期或已被撤销。"))
    g.api_token_locale = found.locale
    if found.stale_use:
        with db.unit_of_work(write=True) as sess:
            tokens.touch_token(sess, token_id=found.token_id, now=now, ip=request.remote_addr or "")
    user = db.session().get(User, found.user_id)
    if user is None or not user.is_active:
        raise Unauthorized(_("接口令牌无效、已过期或已被撤销。"))
    return user


def token_required(*roles: str, writes: bool = False) -> Callable[[F], F]:
    """The API's ``roles_required``: 401 without a live token, 403 for other roles.

    ``writes``: a GET that writes (an audited read of personal data) takes the write lock
    at BEGIN like a POST, so its audit row can never fail on a lock upgrade.
    """

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if writes:
                db.write_intent.set(True)
            user = _authenticate()
            if user.role not in roles:
                raise NotAllowed(_("您的角色不能使用这个接口。"))
            g.api_user = user
            return view(*args, **kwargs)

        wrapped.allowed_roles = tuple(roles)  # type: ignore[attr-defined]
        return wrapped  # type: ignore[return-value]

    return decorator


def api_user() -> User:
    return g.api_user  # type: ignore[no-any-return]
