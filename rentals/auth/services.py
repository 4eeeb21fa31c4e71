"""Signing in, the sign-in throttle and its unlocking, sessions, accounts and passwords."""

from __future__ import annotations

import hmac
import math
import secrets
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlmodel import Session, select

from rentals import audit
from rentals.auth import throttle
from rentals.auth.models import Role, UnlockCode, User, UserArea, UserCommunity
from rentals.auth.passwords import (
    dummy_verify,
    hash_password,
    needs_rehash,
    password_problem,
    token_hash,
    verify_password,
)
from rentals.errors import Conflict, InvalidInput, NotAllowed
from rentals.modelbase import utcnow


class LoginFailed(NotAllowed):
    """Wrong name or password; the message never says which."""

    status = 401


class LoginThrottled(NotAllowed):
    """Too many failures: this client must wait. Same answer for unknown names."""

    status = 429

    def __init__(self, wait: timedelta) -> None:
        self.retry_after = max(1, math.ceil(wait.total_seconds()))
        if self.retry_after < 120:
            message = _l("登录尝试过于频繁，请 %(n)s 秒后再试。", n=self.retry_after)
        else:
            message = _l(
                "登录尝试过于频繁，请 %(n)s 分钟后再试。", n=math.ceil(self.retry_after / 60)
            )
        super().__init__(message)


def normalise_login(name: str) -> str:
    """Logins are case-insensitive; a landlord's mobile may be typed with +86 or spaces."""
    name = name.strip().lower().replace(" ", "").replace("-", "")
    if name.startswith("+86"):
        name = name[3:]
    return name


def authenticate(
    session: Session,
    *,
    username: str,
    password: str,
    now: datetime,
    address: str,
    devices: Mapping[int, str] | None = None,
) -> User:
    """Return the user (with a fresh session token), or raise LoginFailed/LoginThrottled.

    ``devices`` maps account ids to the device id of this browser's known-device cookie
    (see rentals/auth/throttle.py for what that exempts). The password is never recorded.
    """
    login = normalise_login(username)
    user = session.exec(select(User).where(User.username == login)).first()
    device = (devices or {}).get(user.id) if user is not None else None  # type: ignore[arg-type]
    client = throttle.Client(address=address, device=device)
    subject: Any = user if user is not None else ("user", "")
    pause = throttle.wait(session, login=login, client=client, now=now)
    if pause:
        audit.record(
            session, None, "auth.throttled", subject, {"wait_s": math.ceil(pause.total_seconds())}
        )
        raise LoginThrottled(pause)
    if user is None or not user.is_active:
        dummy_verify(password)
        ok = False
    else:
        ok = verify_password(user.password_hash, password)
    if not ok or user is None:
        throttle.record_failure(session, login=login, client=client, now=now)
        audit.record(session, None, "auth.failed", subject, {"known_device": device is not None})
        raise LoginFailed(_l("登录名或密码不正确。"))
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    throttle.record_success(session, login=login, client=client)
    user.last_login_at = now
    issue_session_token(user, now=now)
    session.add(user)
    audit.record(session, user, "auth.login", user, {})
    return user


def issue_session_token(user: User, *, now: datetime | None = None) -> str:
    """Give the user a new session token: every cookie issued before stops working.

    The token starts with its issue time (Unix seconds), so a remember-me cookie can be
    refused once it is older than ``REMEMBER_COOKIE_DURATION`` whatever expiry the
    browser kept. The database keeps the token's SHA-256; the plain token stays on this
    object for the request's ``login_user`` (``User.get_id``) and is returned.
    """
    issued = int((now or utcnow()).timestamp())
    token = f"{issued}.{secrets.token_urlsafe(32)}"
    user.session_token = token_hash(token)
    user._cookie_token = token  # type: ignore[attr-defined]
    return token


def token_issued_at(token: str) -> datetime | None:
    """When a session token was issued (None for a token of another shape)."""
    head, dot, _rest = token.partition(".")
    if not dot or not head.isdigit() or len(head) > 12:
        return None
    return datetime.fromtimestamp(int(head), UTC)


def load_user(session: Session, user_key: str) -> User | None:
    """The user a session or remember-me cookie names, if its token is still theirs."""
    user_id, _sep, token = user_key.partition(":")
    if not user_id.isdigit() or len(user_id) > 18 or not token:
        return None
    user = session.get(User, int(user_id))
    if user is None or not user.is_active or not user.session_token:
        return None
    if not hmac.compare_digest(user.session_token, token_hash(token)):
        return None
    user._cookie_token = token  # type: ignore[attr-defined]
    return user


def end_session(session: Session, *, user: User, actor: User | None = None) -> None:
    """End every session and remember-me cookie of ``user`` at once.

    For sign-out (``actor`` omitted: the user) and for an administrator's password
    reset or deactivation (``actor``: the administrator).
    """
    issue_session_token(user)
    user._cookie_token = ""  # type: ignore[attr-defined]
    session.add(user)
    if actor is None or actor.id == user.id:
        audit.record(session, user, "auth.logout", user, {})
    else:
        audit.record(session, actor, "auth.sessions_ended", user, {})


def unlock_account(session: Session, *, actor: User, user: User) -> int:
    """Lift the sign-in throttle of ``user``'s account (its own and every client's count)."""
    if actor.role != Role.ADMIN:
        raise NotAllowed(_l("只有管理员可以解除登录限制。"))
    removed = throttle.clear_account(session, login=user.username)
    audit.record(session, actor, "auth.unlocked", user, {"by": "admin", "rows": removed})
    return removed


#: Unlock codes avoid look-alike characters (0/O, 1/I/L) so they can be read aloud.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 10


def normalise_code(code: str) -> str:
    return code.strip().upper().replace(" ", "").replace("-", "")


def may_make_unlock_code(actor: User, user: User) -> bool:
    """Admins for anyone; managers for inspectors and landlords only, so a manager cannot
    keep lifting the throttle on an office account while guessing its password."""
    if actor.role == Role.ADMIN:
        return True
    return actor.role == Role.MANAGER and user.role in (Role.INSPECTOR, Role.LANDLORD)


def create_unlock_code(session: Session, *, actor: User, user: User, now: datetime) -> str:
    """A one-time code for ``user`` to lift their own sign-in throttle; shown once."""
    if not may_make_unlock_code(actor, user):
        raise NotAllowed(_l("只有管理员可以为管理员和主管生成解锁码。"))
    code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    row = UnlockCode(
        user_id=user.id,  # type: ignore[arg-type]
        code_hash=token_hash(code),
        created_by=actor.id,
        created_at=now,
        expires_at=now + current_app.config["UNLOCK_CODE_LIFETIME"],
    )
    session.add(row)
    session.flush()
    audit.record(session, actor, "auth.unlock_code_created", user, {"code_id": row.id})
    return code


def redeem_unlock_code(
    session: Session, *, username: str, code: str, now: datetime, address: str
) -> None:
    """Lift the account's throttle if ``code`` is a live code of it, or raise.

    Wrong codes count as failed sign-ins of this client, so codes cannot be guessed
    faster than passwords; the answer is the same whether the account exists or not.
    """
    login = normalise_login(username)
    client = throttle.Client(address=address)
    pause = throttle.wait(session, login=login, client=client, now=now, account_wide=False)
    if pause:
        audit.record(session, None, "auth.throttled", ("user", ""), {"unlock_code": True})
        raise LoginThrottled(pause)
    user = session.exec(select(User).where(User.username == login)).first()
    row = None
    if user is not None:
        row = session.exec(
            select(UnlockCode).where(
                UnlockCode.user_id == user.id,
                UnlockCode.code_hash == token_hash(normalise_code(code)),
                UnlockCode.used_at.is_(None),  # type: ignore[union-attr]
                UnlockCode.expires_at > now,
            )
        ).first()
    if user is None or row is None:
        throttle.record_failure(session, login=login, client=client, now=now)
        audit.record(session, None, "auth.unlock_code_refused", user or ("user", ""), {})
        raise InvalidInput(_l("解锁码不正确或已失效。"), field="code")
    row.used_at = now
    session.add(row)
    removed = throttle.clear_account(session, login=login)
    audit.record(session, user, "auth.unlocked", user, {"by": "code", "rows": removed})


def create_user(
    session: Session,
    *,
    actor: User | None,
    username: str,
    display_name: str,
    password: str,
    role: Role | str,
    person_id: int | None = None,
    area_ids: tuple[int, ...] = (),
    community_ids: tuple[int, ...] = (),
    must_change_password: bool = False,
) -> User:
    username = normalise_login(username)
    if session.exec(select(User).where(User.username == username)).first():
        raise Conflict(_l("登录名 %(name)s 已被使用。", name=username), field="username")
    problem = password_problem(password, username)
    if problem:
        raise InvalidInput(problem, field="password")
    user = User(
        username=username,
        display_name=display_name,
        password_hash=hash_password(password),
        role=Role(role).value,
        person_id=person_id,
        must_change_password=must_change_password,
    )
    session.add(user)
    session.flush()
    for area_id in area_ids:
        session.add(UserArea(user_id=user.id, area_id=area_id))
    for community_id in community_ids:
        session.add(UserCommunity(user_id=user.id, community_id=community_id))
    audit.record(session, actor, "user.created", user, {"role": user.role, "username": username})
    return user


def change_password(session: Session, *, user: User, current: str, new: str) -> str:
    """Set a new password and end every session of the user; returns the new session
    token, with which the view keeps the current browser signed in."""
    if not verify_password(user.password_hash, current):
        raise InvalidInput(_l("当前密码不正确。"), field="current")
    problem = password_problem(new, user.username)
    if problem:
        raise InvalidInput(problem, field="new")
    user.password_hash = hash_password(new)
    user.must_change_password = False
    token = issue_session_token(user)
    session.add(user)
    audit.record(session, user, "auth.password_changed", user, {})
    return token


def area_ids_of(session: Session, user: User) -> list[int]:
    return list(session.exec(select(UserArea.area_id).where(UserArea.user_id == user.id)))
