"""Small helpers shared by the security tests (clients, CSRF tokens, row counts)."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import MetaData, func, select
from sqlalchemy.engine import Connection

from tests import factories
from tests.security.matrix import csrf_token_for, own_context


def post(app: Flask, client: FlaskClient, url: str, data: dict[str, Any] | None = None, **kw):  # type: ignore[no-untyped-def]
    """POST with a valid CSRF token for the client's session."""
    token = csrf_token_for(app, client)
    with own_context(app):
        return client.post(url, data={**(data or {}), "csrf_token": token}, **kw)


def get(app: Flask, client: FlaskClient, url: str, **kw):  # type: ignore[no-untyped-def]
    with own_context(app):
        return client.get(url, **kw)


def sign_in(  # type: ignore[no-untyped-def]
    app: Flask,
    client: FlaskClient,
    username: str,
    password: str = factories.PASSWORD,
    *,
    next_url: str | None = None,
    remember: bool = False,
):
    data = {"username": username, "password": password}
    if remember:
        data["remember"] = "y"
    url = "/login" + (f"?next={next_url}" if next_url is not None else "")
    return post(app, client, url, data)


def connection_of(app: Flask) -> Connection:
    """The test's connection (every app session is bound to it)."""
    return app.extensions["rentals.db"][1].kw["bind"]


_TABLES: dict[str, MetaData] = {}


def _reflected(conn: Connection) -> MetaData:
    """Tables of the test database, reflected once per run (reflection is slow)."""
    key = conn.engine.url.render_as_string()
    if key not in _TABLES:
        meta = MetaData()
        meta.reflect(bind=conn)
        _TABLES[key] = meta
    return _TABLES[key]


def row_counts(conn: Connection) -> dict[str, int]:
    meta = _reflected(conn)
    return {
        name: conn.execute(select(func.count()).select_from(table)).scalar_one()
        for name, table in sorted(meta.tables.items())
        if name != "alembic_version"
    }


def snapshot(conn: Connection) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, sorted: equal snapshots mean nothing changed."""
    meta = _reflected(conn)
    return {
        name: sorted(
            (tuple(map(repr, row)) for row in conn.execute(select(table))), key=lambda r: r
        )
        for name, table in sorted(meta.tables.items())
    }
