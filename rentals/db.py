"""Engine, per-request session and the SQLite settings that keep concurrent writers safe.

One commit per unit of work, at the edge: a request commits once after its view
returned, and any exception rolls the whole request back. Services only flush.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from pathlib import Path
from typing import TypeVar

from flask import Flask, current_app, g
from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session, create_engine

from rentals.modelbase import metadata  # noqa: F401  (naming convention first)

#: Whether the current unit of work will write. SQLite then takes the write lock at
#: BEGIN (IMMEDIATE), so a read that later writes cannot fail without waiting.
write_intent: ContextVar[bool] = ContextVar("write_intent", default=True)

_EXTENSION_KEY = "rentals.db"
T = TypeVar("T")
log = logging.getLogger(__name__)


def owner_only(path: Path) -> None:
    """Create ``path`` if missing, mode 0600 either way: it holds identity numbers."""
    fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)  # never truncates
    os.close(fd)
    os.chmod(path, 0o600)


def _private_sqlite(database: str | None) -> None:
    """The database file is owner-only before SQLite first opens it; SQLite then gives
    its -wal and -shm files the same mode. Existing files are tightened too."""
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    path = Path(database)
    if not path.parent.is_dir():
        return  # SQLite will say the folder is missing
    try:
        owner_only(path)
        for extra in ("-wal", "-shm"):
            side = path.with_name(path.name + extra)
            if side.exists():
                os.chmod(side, 0o600)
    except OSError as err:
        log.warning("could not make %s owner-only: %s", path, err)


def build_engine(url: str) -> Engine:
    """Create the engine; SQLite connections get WAL, a busy timeout and foreign keys."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True)
    _private_sqlite(parsed.database)
    engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):  # type: ignore[no-untyped-def]
        # Let SQLAlchemy, not the driver, decide when transactions begin.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        # 16 MB of page cache (SQLite's default is 2 MB): a search of a city's register
        # reads a thousand units scattered over the table twice in one transaction, and
        # from the 2 MB cache each read went back to the OS (7 ms instead of 1 at 10^6).
        cur.execute("PRAGMA cache_size=-16000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):  # type: ignore[no-untyped-def]
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write_intent.get() else "BEGIN")

    return engine


def init_app(app: Flask, url: str) -> None:
    """Bind an engine and a session factory to the app and wire commit/rollback."""
    engine = build_engine(url)
    factory = sessionmaker(bind=engine, class_=Session, expire_on_commit=False)
    app.extensions[_EXTENSION_KEY] = (engine, factory)

    @app.before_request
    def _declare_intent() -> None:
        from flask import request

        write_intent.set(request.method not in {"GET", "HEAD", "OPTIONS"})

    @app.after_request
    def _commit(response):  # type: ignore[no-untyped-def]
        sess = g.pop("db_session", None)
        if sess is not None:
            try:
                if response.status_code < 400:
                    sess.commit()
                else:
                    sess.rollback()
            finally:
                sess.close()
        return response

    @app.teardown_appcontext
    def _rollback(_exc: BaseException | None) -> None:
        sess = g.pop("db_session", None)
        if sess is not None:
            sess.rollback()
            sess.close()


def engine() -> Engine:
    return current_app.extensions[_EXTENSION_KEY][0]


def engine_of(app: Flask) -> Engine:
    return app.extensions[_EXTENSION_KEY][0]


def session() -> Session:
    """The unit of work of the current request, job or command (created on first use)."""
    if "db_session" not in g:
        g.db_session = current_app.extensions[_EXTENSION_KEY][1]()
    return g.db_session


def insert_once(session: Session, row: T, find: Callable[[], T | None]) -> T:
    """Insert ``row``, or return the equal row another process inserted first.

    For idempotent writes guarded by a unique key: the insert runs in a savepoint, so a
    lost race leaves the caller's transaction usable.
    """
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        found = find()
        if found is None:
            raise
        return found
    return row


def discard() -> None:
    """Undo what this request wrote so far: for a view that answers a refusal with a
    redirect (a 3xx would otherwise commit in ``after_request``)."""
    sess = g.get("db_session")
    if sess is not None:
        sess.rollback()


@contextlib.contextmanager
def unit_of_work(*, write: bool = True) -> Iterator[Session]:
    """A session for a CLI command or job: commits once at the end, rolls back on error."""
    token = write_intent.set(write)
    sess = current_app.extensions[_EXTENSION_KEY][1]()
    try:
        yield sess
        sess.commit()
    except BaseException:
        sess.rollback()
        raise
    finally:
        sess.close()
        write_intent.reset(token)
