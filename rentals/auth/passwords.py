"""Argon2id password hashing with parameters from the app config (cheap in tests)."""

from __future__ import annotations

import hashlib
import re

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_babel import lazy_gettext as _l

MIN_LENGTH = 8


def _hasher() -> PasswordHasher:
    cfg = current_app.config
    return PasswordHasher(
        time_cost=cfg["ARGON2_TIME_COST"],
        memory_cost=cfg["ARGON2_MEMORY_COST"],
        parallelism=cfg["ARGON2_PARALLELISM"],
    )


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(stored_hash: str, password: str) -> bool:
    try:
        return _hasher().verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    return _hasher().check_needs_rehash(stored_hash)


def password_problem(password: str, username: str = "") -> str | None:
    """Why a new password is refused, or None. At least 8 characters, letters and digits."""
    if len(password) < MIN_LENGTH:
        return str(_l("密码至少需要 %(n)s 个字符。", n=MIN_LENGTH))
    if not re.search(r"[A-Za-z]", password) or not re.search(r"\d", password):
        return str(_l("密码需要同时包含字母和数字。"))
    if username and password.lower() == username.lower():
        return str(_l("密码不能与登录名相同。"))
    return None


# A fixed hash to verify against when the login name is unknown, so both paths take
# the same time and the page does not reveal which accounts exist.
def dummy_verify(password: str) -> None:
    verify_password(dummy_hash(), password)


_DUMMY: dict[str, str] = {}


def dummy_hash() -> str:
    key = f"{current_app.config['ARGON2_TIME_COST']}-{current_app.config['ARGON2_MEMORY_COST']}"
    if key not in _DUMMY:
        _DUMMY[key] = hash_password("not-a-real-password-1")
    return _DUMMY[key]


def token_hash(token: str) -> str:
    """SHA-256 (hex) of a session token or unlock code: what the database keeps."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
