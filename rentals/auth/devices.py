"""The known-device cookie: a signed note that this browser signed in to these accounts.

Set at every successful sign-in and valid ``KNOWN_DEVICE_LIFETIME`` (90 days); each
entry is ``[user id, device id, issued (Unix seconds)]``. It is not a credential (the
password is still needed): it only lets that browser skip the account-wide and the
address throttles for that account (rentals/auth/throttle.py), so strangers elsewhere
cannot keep the owner out. A shared phone keeps up to ``MAX_ENTRIES`` accounts.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from flask import Response, current_app, request
from itsdangerous import BadSignature, URLSafeSerializer

COOKIE = "known_device"
MAX_ENTRIES = 8


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="known-device")


def _entries(now: datetime) -> list[list[int | str]]:
    raw = request.cookies.get(COOKIE, "")
    if not raw or len(raw) > 2000:
        return []
    try:
        data = _serializer().loads(raw)
    except BadSignature:
        return []
    oldest = (now - current_app.config["KNOWN_DEVICE_LIFETIME"]).timestamp()
    valid = []
    for entry in data if isinstance(data, list) else []:
        if (
            isinstance(entry, list)
            and len(entry) == 3
            and isinstance(entry[0], int)
            and isinstance(entry[1], str)
            and isinstance(entry[2], int | float)
            and entry[2] >= oldest
        ):
            valid.append(entry)
    return valid


def known_devices(now: datetime) -> dict[int, str]:
    """Account id -> this browser's device id, from a valid cookie."""
    return {int(e[0]): str(e[1]) for e in _entries(now)}


def remember_device(response: Response, *, user_id: int, now: datetime) -> None:
    """Add (or renew) the entry for ``user_id`` and set the cookie on ``response``."""
    entries = [e for e in _entries(now) if e[0] != user_id]
    device = known_devices(now).get(user_id) or secrets.token_urlsafe(12)
    entries = [[user_id, device, int(now.timestamp())], *entries][:MAX_ENTRIES]
    cfg = current_app.config
    response.set_cookie(
        COOKIE,
        _serializer().dumps(entries),
        max_age=int(cfg["KNOWN_DEVICE_LIFETIME"].total_seconds()),
        httponly=True,
        samesite="Lax",
        secure=bool(cfg.get("SESSION_COOKIE_SECURE")),
        path="/",
    )
