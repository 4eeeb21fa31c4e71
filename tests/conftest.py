"""Shared fixtures: a migrated database per run, each test in a rolled-back transaction.

The database is SQLite by default; ``RENTALS_TEST_DATABASE_URL`` (set by
``python -m tests.pgserver``) runs the same tests on PostgreSQL.
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session

from rentals import create_app
from rentals.config import TestConfig
from rentals.db import build_engine
from rentals.migrate import upgrade
from tests import factories

PG_URL = os.environ.get("RENTALS_TEST_DATABASE_URL")


def fresh_database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """An empty database of the engine under test (a new SQLite file or a new PG database)."""
    if PG_URL:
        name = "t_" + uuid.uuid4().hex[:12]
        admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        return make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'rentals.db'}"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = fresh_database_url(tmp_path_factory)
    engine = build_engine(url)
    upgrade(engine)
    engine.dispose()
    return url


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    eng = build_engine(database_url)
    yield eng
    eng.dispose()


@pytest.fixture
def app(engine: Engine, database_url: str, tmp_path) -> Iterator[Flask]:  # type: ignore[no-untyped-def]
    """The app with every session bound to one connection whose transaction is rolled back."""
    os.environ["RENTALS_INSTANCE_PATH"] = str(tmp_path / "instance")
    application = create_app({"DATABASE_URL": database_url}, base=TestConfig)
    own_engine = application.extensions["rentals.db"][0]
    own_engine.dispose()
    connection = engine.connect()
    outer = connection.begin()
    factory = sessionmaker(
        bind=connection,
        class_=Session,
        expire_on_commit=False,
        join_transaction_mode="create_savepoint",
    )
    application.extensions["rentals.db"] = (engine, factory)
    from rentals.extensions import limiter

    limiter.reset()
    try:
        yield application
    finally:
        outer.rollback()
        connection.close()


@pytest.fixture
def session(app: Flask) -> Iterator[Session]:
    """A session in the test's transaction, for arranging data and checking results.

    It holds no app context open: requests made by the test client must each get their
    own (a shared one would carry ``g``, and with it CSRF tokens, across requests).
    """
    sess = app.extensions["rentals.db"][1]()
    yield sess
    sess.close()


@pytest.fixture
def immediate_queue(app: Flask) -> None:
    """Queued jobs run inside the request that enqueues them (huey's immediate mode), on
    the test's connection. Tests of the queue itself run a real ``rentals worker``."""
    from rentals.queue import huey_of

    huey_of(app).immediate = True


@pytest.fixture
def app_ctx(app: Flask) -> Iterator[None]:
    """For tests that call services needing ``current_app`` outside a request."""
    with app.app_context():
        yield


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


CSRF_RE = re.compile(
    r'name="csrf_token" type="hidden" value="([^"]+)"|'
    r'name="csrf_token" value="([^"]+)"'
)


def csrf_token(client: FlaskClient, path: str = "/login") -> str:
    html = client.get(path).get_data(as_text=True)
    match = CSRF_RE.search(html)
    assert match, f"no CSRF token on {path}"
    return match.group(1) or match.group(2)


def login(client: FlaskClient, username: str, password: str = factories.PASSWORD):  # type: ignore[no-untyped-def]
    token = csrf_token(client)
    return client.post(
        "/login", data={"username": username, "password": password, "csrf_token": token}
    )


@pytest.fixture
def world(app: Flask, session: Session):  # type: ignore[no-untyped-def]
    """Two areas, a unit in each, their landlords, and one user of every role."""
    with app.app_context():
        w = factories.make_world(session)
        session.commit()
    return w


@pytest.fixture
def login_as(client: FlaskClient, world):  # type: ignore[no-untyped-def]
    def _login(role_key: str) -> FlaskClient:
        response = login(client, world.users[role_key].username)
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return client

    return _login
