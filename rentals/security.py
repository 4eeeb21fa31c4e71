"""Security headers on every answer; no inline script is ever needed, so CSP forbids it."""

from __future__ import annotations

import re
from collections.abc import Iterable
from itertools import chain
from urllib.parse import urlsplit

from flask import Flask, Response, abort, request

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


#: Backslashes, whitespace and control characters: browsers "repair" ``/\\evil.example``
#: and ``/\t/evil.example`` into ``//evil.example``, another site.
_UNSAFE_IN_PATH = re.compile(r"[\\\s\x00-\x1f\x7f]")


def safe_next(target: str | None) -> str | None:
    """``target`` if it is a path on this site, else None: no open redirects from links."""
    if not target or _UNSAFE_IN_PATH.search(target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def has_nul(values: Iterable[str]) -> bool:
    return any("\x00" in value for value in values)


def init_app(app: Flask) -> None:
    # Flask-Login's remember-me cookie must follow the session cookie onto HTTPS only.
    app.config.setdefault("REMEMBER_COOKIE_SECURE", app.config.get("SESSION_COOKIE_SECURE", False))

    @app.before_request
    def _refuse_nul() -> None:
        # No text here may hold NUL; PostgreSQL refuses it with an error, SQLite stores it.
        fields = chain.from_iterable(
            v for source in (request.args, request.form) for v in source.listvalues()
        )
        if "\x00" in request.path or has_nul(fields):
            abort(400)

    @app.after_request
    def _headers(response: Response) -> Response:
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Referrer-Policy"] = "same-origin"
        response.headers["Permissions-Policy"] = "camera=(self), geolocation=(), microphone=()"
        if request.is_secure:
            response.headers["Strict-Transport-Security"] = "max-age=31536000"
        # Pages can show personal data: never keep them in a shared cache.
        if response.mimetype == "text/html" and "Cache-Control" not in response.headers:
            response.headers["Cache-Control"] = "no-store"
        # Downloads (register exports, notices, rosters, plaques) hold personal data: no
        # copy anywhere, not even one revalidated later ("no-cache", send_file's default).
        if response.headers.get("Content-Disposition", "").startswith("attachment"):
            response.headers["Cache-Control"] = "no-store"
        return response
