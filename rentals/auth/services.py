"""Signing in, lockout, accounts and passwords."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlmodel import Session, select

from rentals import audit
from rentals.auth.models import Role, User, UserArea, UserCommunity
from rentals.auth.passwords import (
    dummy_verify,
    hash_password,
    needs_rehash,
    password_problem,
    verify_password,
)
from rentals.errors import Conflict, InvalidInput, NotAllowed


class LoginFailed(NotAllowed):
    """Wrong name or password; the message never says which."""


class AccountLocked(NotAllowed):
    pass


def normalise_login(name: str) -> str:
    """Logins are case-insensitive; a landlord's mobile may be typed with +86 or spaces."""
    name = name.strip().lower().replace(" ", "").replace("-", "")
    if name.startswith("+86"):
        name = name[3:]
    return name


def authenticate(session: Session, *, username: str, password: str, now: datetime) -> User:
    """Return the user, or raise. Locks an account after too many failures in a row."""
    user = session.exec(select(User).where(User.username == normalise_login(username))).first()
    if user is None or not user.is_active:
        dummy_verify(password)
        raise LoginFailed(_l("登录名或密码不正确。"))
    if user.locked_until is not None and user.locked_until > now:
        minutes = max(1, int((user.locked_until - now).total_seconds() // 60) + 1)
        raise AccountLocked(
            _l("登录失败次数过多，账号已暂时锁定，请 %(m)s 分钟后再试。", m=minutes)
        )
    if not verify_password(user.password_hash, password):
        user.failed_logins += 1
        if user.failed_logins >= current_app.config["LOCKOUT_THRESHOLD"]:
            user.locked_until = now + timedelta(minutes=current_app.config["LOCKOUT_MINUTES"])
            user.failed_logins = 0
            audit.record(session, None, "auth.locked", user, {})
        session.add(user)
        raise LoginFailed(_l("登录名或密码不正确。"))
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    user.session_token = secrets.token_hex(16)
    session.add(user)
    audit.record(session, user, "auth.login", user, {})
    return user


def end_session(session: Session, *, user: User, actor: User | None = None) -> None:
    """Invalidate every cookie issued to this user so far.

    For sign-out (``actor`` omitted: the user) and for an administrator's password
    reset or deactivation (``actor``: the administrator).
    """
    user.session_token = secrets.token_hex(16)
    session.add(user)
    if actor is None or actor.id == user.id:
        audit.record(session, user, "auth.logout", user, {})
    else:
        audit.record(session, actor, "auth.sessions_ended", user, {})


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
        session_token=secrets.token_hex(16),
    )
    session.add(user)
    session.flush()
    for area_id in area_ids:
        session.add(UserArea(user_id=user.id, area_id=area_id))
    for community_id in community_ids:
        session.add(UserCommunity(user_id=user.id, community_id=community_id))
    audit.record(session, actor, "user.created", user, {"role": user.role, "username": username})
    return user


def change_password(session: Session, *, user: User, current: str, new: str) -> None:
    if not verify_password(user.password_hash, current):
        raise InvalidInput(_l("当前密码不正确。"), field="current")
    problem = password_problem(new, user.username)
    if problem:
        raise InvalidInput(problem, field="new")
    user.password_hash = hash_password(new)
    user.must_change_password = False
    session.add(user)
    audit.record(session, user, "auth.password_changed", user, {})


def area_ids_of(session: Session, user: User) -> list[int]:
    return list(session.exec(select(UserArea.area_id).where(UserArea.user_id == user.id)))
