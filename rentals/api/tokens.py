"""Making, listing, revoking and checking API tokens (the pages, the CLI and the API share these).

A token is ``rk_`` and 43 URL-safe characters from ``secrets`` (256 bits), so a plain
SHA-256 is enough to store it (no password stretching is needed for a random secret).
An admin makes tokens for any account, anyone else only for themself; the same reach
revokes them. Every check reads the row, so revoking works on every worker at once.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import update
from sqlmodel import Session, select

from rentals import audit
from rentals.api.models import ApiToken
from rentals.auth.models import Role, User
from rentals.auth.passwords import token_hash
from rentals.errors import InvalidInput, NotAllowed, NotFound
from rentals.i18n import normalise_locale

PREFIX = "rk_"
#: Days a token lives unless told otherwise, and the longest life allowed.
DEFAULT_DAYS = 90
MAX_DAYS = 365
#: ``last_used_at`` is written at most this often per token.
TOUCH_EVERY = timedelta(minutes=1)
NAME_MAX = 100


@dataclass(frozen=True)
class TokenCheck:
    """What a presented token turned out to be: the account id and whether to touch it."""

    token_id: int
    user_id: int
    stale_use: bool
    locale: str


def may_manage(actor: User, user: User) -> bool:
    """An admin manages every account's tokens; anyone else only their own."""
    return actor.role == Role.ADMIN or actor.id == user.id


def create_token(
    session: Session,
    *,
    actor: User | None,
    user: User,
    name: str,
    days: int,
    now: datetime,
    locale: str = "",
) -> tuple[ApiToken, str]:
    """A new token for ``user``; returns the row and the token (shown once, never stored).

    ``actor`` None is the command line, which acts with an admin's reach.
    """
    if actor is not None and not may_manage(actor, user):
        raise NotAllowed(_l("只有系统管理员可以为其他账号创建接口令牌。"))
    if not user.is_active:
        raise InvalidInput(_l("该账号已停用，不能创建接口令牌。"), field="user")
    name = (name or "").strip()
    if not name or len(name) > NAME_MAX:
        raise InvalidInput(_l("请填写令牌用途（不超过 100 个字）。"), field="name")
    if not 1 <= days <= MAX_DAYS:
        raise InvalidInput(_l("有效期应为 1 至 365 天。"), field="days")
    plain = PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(
        user_id=user.id,  # type: ignore[arg-type]
        name=name,
        token_hash=token_hash(plain),
        prefix=plain[:10],
        created_by=actor.id if actor is not None else None,
        created_at=now,
        expires_at=now + timedelta(days=days),
        locale=normalise_locale(locale) or "",
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor,
        "api.token.created",
        row,
        {"user_id": user.id, "name": name, "expires_at": row.expires_at.isoformat()},
    )
    return row, plain


def tokens_of(
    session: Session, *, actor: User, user: User | None = None
) -> list[tuple[ApiToken, User]]:
    """Tokens ``actor`` may see: an admin's every token (or one account's), else their own."""
    query = select(ApiToken, User).join(User, User.id == ApiToken.user_id)
    if actor.role != Role.ADMIN:
        query = query.where(ApiToken.user_id == actor.id)
    elif user is not None:
        query = query.where(ApiToken.user_id == user.id)
    return list(session.exec(query.order_by(ApiToken.id.desc()).limit(500)))


def revoke_token(session: Session, *, actor: User | None, token_id: int, now: datetime) -> ApiToken:
    """Revoke one token (idempotent); another account's token is NotFound to a non-admin."""
    row = session.get(ApiToken, token_id)
    if row is None or (actor is not None and actor.role != Role.ADMIN and row.user_id != actor.id):
        raise NotFound(_l("找不到该接口令牌。"))
    if row.revoked_at is None:
        row.revoked_at = now
        row.revoked_by = actor.id if actor is not None else None
        session.add(row)
        session.flush()
        audit.record(session, actor, "api.token.revoked", row, {"user_id": row.user_id})
    return row


def check_token(session: Session, presented: str, *, now: datetime) -> TokenCheck | None:
    """The live token matching ``presented``, or None (unknown, revoked, expired, or its
    account deactivated). Reads the database every time: no worker keeps a copy."""
    if not presented.startswith(PREFIX) or len(presented) > 100:
        return None
    digest = token_hash(presented)
    found = session.exec(
        select(ApiToken, User.is_active)
        .join(User, User.id == ApiToken.user_id)
        .where(ApiToken.token_hash == digest)
    ).first()
    if found is None:
        return None
    row, active = found
    if not hmac.compare_digest(row.token_hash, digest):
        return None
    if row.revoked_at is not None or row.expires_at <= now or not active:
        return None
    stale = row.last_used_at is None or now - row.last_used_at >= TOUCH_EVERY
    return TokenCheck(row.id, row.user_id, stale, row.locale)  # type: ignore[arg-type]


def touch_token(session: Session, *, token_id: int, now: datetime, ip: str) -> None:
    """Note the token's use (what the list shows as "last used")."""
    session.exec(  # type: ignore[call-overload]
        update(ApiToken)
        .where(ApiToken.id == token_id)
        .values(last_used_at=now, last_used_ip=ip[:64])
    )
