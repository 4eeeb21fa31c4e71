"""Configuration classes; every setting can be overridden by a ``RENTALS_*`` variable."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path


def _env(name: str, default: str | None = None) -> str | None:
    return os.environ.get(f"RENTALS_{name}", default)


class Config:
    """Production defaults: SQLite in ``instance/`` unless RENTALS_DATABASE_URL names another."""

    SECRET_KEY = _env("SECRET_KEY")
    DATABASE_URL = _env("DATABASE_URL")
    TIMEZONE = _env("TIMEZONE", "Asia/Shanghai")
    BABEL_DEFAULT_LOCALE = "zh_Hans_CN"
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
    LANGUAGES = ("zh_Hans_CN", "bo", "en")
    # Police phones are shared devices: short sessions, cookies never readable by scripts.
    PERMANENT_SESSION_LIFETIME = timedelta(hours=8)
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _env("SECURE_COOKIES", "0") == "1"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    # Tokens bound to the session, not to a clock: a draft synced hours later still posts.
    WTF_CSRF_TIME_LIMIT = None
    MAX_CONTENT_LENGTH = 12 * 1024 * 1024
    RATELIMIT_STORAGE_URI = _env("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_HEADERS_ENABLED = True
    LOGIN_RATE_LIMIT = _env("LOGIN_RATE_LIMIT", "10 per minute")
    #: Failed logins on one account before it is locked for LOCKOUT_MINUTES.
    LOCKOUT_THRESHOLD = 5
    LOCKOUT_MINUTES = 15
    SCHEDULER_ENABLED = _env("SCHEDULER", "1") == "1"
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
    TESTING = False
    #: Refuse to serve when the schema is behind the migrations.
    CHECK_SCHEMA = True


class DevelopmentConfig(Config):
    """Local runs: a fixed secret is acceptable because the data is the demo community."""

    SECRET_KEY = _env("SECRET_KEY", "dev-only-secret-change-me")


class TestConfig(Config):
    """Fast hashing, no scheduler, a throwaway database supplied by the fixture."""

    TESTING = True
    SECRET_KEY = "test-secret"
    SCHEDULER_ENABLED = False
    ARGON2_TIME_COST = 1
    ARGON2_MEMORY_COST = 8
    ARGON2_PARALLELISM = 1
    LOGIN_RATE_LIMIT = "1000 per minute"
    RATELIMIT_ENABLED = True


def default_database_url(instance_path: str) -> str:
    """SQLite file in the instance folder, created on first use."""
    Path(instance_path).mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{Path(instance_path) / 'rentals.db'}"
