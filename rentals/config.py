"""Configuration classes; every setting can be overridden by a ``RENTALS_*`` variable."""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

from schedules.periods import BUSINESS_TIMEZONE


def _env(name: str, default: str | None = None) -> str | None:
    return os.environ.get(f"RENTALS_{name}", default)


#: Why the production settings refuse to start without a secret, and what to do.
MISSING_SECRET = (
    "RENTALS_SECRET_KEY is not set. The production settings refuse to start without it: "
    "the key signs every session and form token, so a missing or built-in key would let "
    "anyone forge a sign-in. Set RENTALS_SECRET_KEY to a long random value (for example "
    "the output of: python -c 'import secrets; print(secrets.token_hex(32))') and keep it "
    "the same across restarts and workers. For a local development server run "
    "`rentals serve` (scripts/run.sh), which keeps its own key in the instance folder."
)


class Config:
    """Production defaults: SQLite in ``instance/`` unless RENTALS_DATABASE_URL names another.

    ``create_app()`` (gunicorn) uses these; without RENTALS_SECRET_KEY it refuses to start.
    """

    SECRET_KEY = _env("SECRET_KEY")
    #: Development only: a file in the instance folder holding a generated secret.
    SECRET_KEY_FILE: str | None = None
    DATABASE_URL = _env("DATABASE_URL")
    #: The community's zone: business dates (rentals.clock) and times shown on pages.
    TIMEZONE = _env("TIMEZONE", BUSINESS_TIMEZONE)
    BABEL_DEFAULT_LOCALE = "zh_Hans_CN"
    BABEL_DEFAULT_TIMEZONE = TIMEZONE
    LANGUAGES = ("zh_Hans_CN", "bo", "en")
    # Police phones are shared devices: short sessions, cookies never readable by scripts.
    PERMANENT_SESSION_LIFETIME = timedelta(hours=8)
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _env("SECURE_COOKIES", "0") == "1"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    #: "Keep me signed in" lasts no longer than a session.
    REMEMBER_COOKIE_DURATION = PERMANENT_SESSION_LIFETIME
    # Tokens bound to the session, not to a clock: a draft synced hours later still posts.
    WTF_CSRF_TIME_LIMIT = None
    MAX_CONTENT_LENGTH = 12 * 1024 * 1024
    RATELIMIT_STORAGE_URI = _env("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_HEADERS_ENABLED = True
    LOGIN_RATE_LIMIT = _env("LOGIN_RATE_LIMIT", "10 per minute")
    #: Tenants' own declarations from the public page, per client address (POSTs only);
    #: the per-unit limit is counted in the database (rentals/selfservice/services.py).
    SELF_DECLARE_RATE_LIMIT = _env("SELF_DECLARE_RATE_LIMIT", "5 per hour")
    #: The JSON API's limit, per token (or per client address without one).
    API_RATE_LIMIT = _env("API_RATE_LIMIT", "300 per minute")
    #: Sign-in throttle (rentals/auth/throttle.py): failures free per client address, per
    #: (account, client) and per account, then waits doubling from 2 s up to the cap.
    LOGIN_FREE_FAILURES = {"address": 10, "pair": 3, "account": 10}
    LOGIN_DELAY_CAP = timedelta(minutes=15)
    #: A browser that signed in to an account skips that account's throttle this long.
    KNOWN_DEVICE_LIFETIME = timedelta(days=90)
    UNLOCK_CODE_LIFETIME = timedelta(hours=24)
    SCHEDULER_ENABLED = _env("SCHEDULER", "1") == "1"
    #: Reverse proxies in front of the app (nginx: 1). Their X-Forwarded-For/-Proto are
    #: trusted, so the sign-in limit counts each client, not the proxy; 0 trusts none.
    PROXY_HOPS = int(_env("PROXY_HOPS", "0") or 0)
    PAGE_SIZE = 50
    #: Argon2 parameters (RFC 9106 low-memory profile); tests use cheap ones.
    ARGON2_TIME_COST = 3
    ARGON2_MEMORY_COST = 65536
    ARGON2_PARALLELISM = 4
    #: The task queue lives in the app's database (see rentals/queue); the name separates
    #: installations sharing one database. Immediate mode runs jobs in the request (tests).
    QUEUE_NAME = _env("QUEUE_NAME", "rentals")
    QUEUE_IMMEDIATE = False
    #: A running job whose worker has not beaten for this long is taken back.
    QUEUE_LEASE_SECONDS = int(_env("QUEUE_LEASE_SECONDS", "900") or 900)
    QUEUE_MAX_ATTEMPTS = 3
    #: Largest result file kept in the database (a print job's PDF).
    QUEUE_MAX_RESULT_BYTES = 200 * 1024 * 1024
    #: Ledgers with more rows than this are applied by the worker, not in the request.
    IMPORT_QUEUE_ROWS = int(_env("IMPORT_QUEUE_ROWS", "2000") or 2000)
    #: Registers with more units than this get their what-if from the worker.
    WHATIF_INLINE_UNITS = int(_env("WHATIF_INLINE_UNITS", "20000") or 20000)
    #: Messages (rentals/messages): "log" writes them to the log; "http" posts each to an
    #: SMS gateway: the URL, headers (a JSON object) and body ($phone, $text, $key) below.
    MESSAGE_SENDER = _env("MESSAGE_SENDER", "log")
    MESSAGE_HTTP_URL = _env("MESSAGE_HTTP_URL", "")
    MESSAGE_HTTP_HEADERS = _env("MESSAGE_HTTP_HEADERS", '{"Content-Type": "application/json"}')
    MESSAGE_HTTP_BODY = _env("MESSAGE_HTTP_BODY", '{"to": "$phone", "text": "$text", "id": "$key"}')
    #: "json" escapes each value for a JSON string, "form" URL-encodes it.
    MESSAGE_HTTP_ESCAPE = _env("MESSAGE_HTTP_ESCAPE", "json")
    MESSAGE_HTTP_TIMEOUT = float(_env("MESSAGE_HTTP_TIMEOUT", "10") or 10)
    #: Seconds before each retry of a failed message; after the last, it is marked failed.
    MESSAGE_RETRY_DELAYS = tuple(
        int(s) for s in (_env("MESSAGE_RETRY_DELAYS", "60,300,1800,7200") or "").split(",") if s
    )
    TESTING = False
    #: Refuse to serve when the schema is behind the migrations.
    CHECK_SCHEMA = True


class DevelopmentConfig(Config):
    """What the ``rentals`` command asks for (``rentals serve`` from scripts/run.sh).

    Without RENTALS_SECRET_KEY, a secret is generated once and kept in
    ``instance/secret_key`` (mode 0600), so sessions survive a restart.
    """

    SECRET_KEY_FILE = "secret_key"


class TestConfig(Config):
    """Fast hashing, no scheduler, a throwaway database supplied by the fixture."""

    TESTING = True
    SECRET_KEY = "test-secret"
    SCHEDULER_ENABLED = False
    ARGON2_TIME_COST = 1
    ARGON2_MEMORY_COST = 8
    ARGON2_PARALLELISM = 1
    LOGIN_RATE_LIMIT = "1000 per minute"
    SELF_DECLARE_RATE_LIMIT = "1000 per minute"
    RATELIMIT_ENABLED = True


def instance_secret(path: Path) -> str:
    """The secret kept in ``path``, generated on first use; the file is owner-only (0600)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        # O_EXCL: two processes starting at once cannot both write a different key.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        secret = path.read_text(encoding="ascii").strip()
        if secret:
            return secret
        fd = os.open(path, os.O_WRONLY | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(secrets.token_hex(32) + "\n")
    os.chmod(path, 0o600)
    return path.read_text(encoding="ascii").strip()


def default_database_url(instance_path: str) -> str:
    """SQLite file in the instance folder, created on first use."""
    Path(instance_path).mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{Path(instance_path) / 'rentals.db'}"
