"""The access-matrix engine: walk ``app.url_map``, ask every route as every role, compare.

``check_matrix`` returns a list of human-readable failures instead of asserting, so a test
can also run it against a deliberately broken app and expect it to complain.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from flask import Flask
from flask.testing import FlaskClient
from itsdangerous import URLSafeTimedSerializer
from werkzeug.routing import Rule

from tests import factories
from tests.security.routes import (
    ANONYMOUS,
    ARGUMENTS,
    EXPECTATIONS,
    MATRIX_ROLES,
    OUT_OF_SCOPE,
    ROLE_OF,
    Expect,
)

IGNORED_METHODS = {"HEAD", "OPTIONS"}
ALLOWED = {
    "GET": {200, 302, 303},
    # Posting an empty form as an allowed role: the form may refuse it, never 403/404/500.
    "POST": {200, 201, 302, 303, 400, 409, 422},
}
CSRF_RAW = "matrix-csrf-raw-token"


@dataclass
class Probe:
    """One request of the matrix and what came back."""

    endpoint: str
    method: str
    url: str
    role: str
    status: int
    location: str
    body: str
    headers: dict[str, str]


def routes(app: Flask) -> list[Rule]:
    return sorted(app.url_map.iter_rules(), key=lambda r: (r.rule, r.endpoint))


def methods_of(rule: Rule) -> list[str]:
    return sorted((rule.methods or set()) - IGNORED_METHODS)


def build_url(app: Flask, rule: Rule, world: Any, session: Any) -> str:
    """The URL of ``rule`` for world's objects; raises LookupError naming a missing builder."""
    values = {}
    for name in sorted(rule.arguments):
        if name not in ARGUMENTS:
            raise LookupError(
                f"{rule.endpoint} ({rule.rule}): the security suite cannot fill URL argument "
                f"<{name}>. Add a builder for {name!r} to ARGUMENTS in tests/security/routes.py "
                "that returns the value for unit_a's file (landlord_a / inspector_a / area_a)."
            )
        # Each builder runs once per world: builders may create rows with fixed keys.
        cache = world.__dict__.setdefault("_security_arguments", {})
        if name not in cache:
            cache[name] = ARGUMENTS[name](world, session)
        values[name] = cache[name]
    with app.test_request_context():
        from flask import url_for

        return url_for(rule.endpoint, **values)


def csrf_token_for(app: Flask, client: FlaskClient, raw: str = CSRF_RAW) -> str:
    """Plant a known CSRF secret in the client's session and return the signed token."""
    with own_context(app), client.session_transaction() as sess:
        sess["csrf_token"] = raw
    serializer = URLSafeTimedSerializer(app.secret_key, salt="wtf-csrf-token")
    return str(serializer.dumps(raw))


def signed_in_client(app: Flask, world: Any, role: str) -> FlaskClient:
    """A client logged in as ``role`` (or anonymous), with a CSRF token in its session."""
    client = app.test_client()
    if role != ANONYMOUS:
        from tests.conftest import login

        with own_context(app):
            response = login(client, world.users[role].username, factories.PASSWORD)
        assert response.status_code == 302, (
            role,
            response.status_code,
            response.get_data(as_text=True)[-3000:],
        )
    return client


@contextlib.contextmanager
def own_context(app: Flask) -> Iterator[None]:
    """A fresh app context per request: the ``session`` fixture keeps one pushed for the
    whole test, and Flask reuses it, so ``g`` (Flask-Login's cached user, Flask-WTF's
    token) would otherwise leak from one client's request into the next."""
    with app.app_context():
        yield


@contextlib.contextmanager
def rolled_back(app: Flask) -> Iterator[None]:
    """Undo whatever one request changed, so probes never see each other's effects."""
    connection = app.extensions["rentals.db"][1].kw["bind"]
    nested = connection.begin_nested()
    try:
        with own_context(app):
            yield
    finally:
        nested.rollback()


def probe_all(
    app: Flask,
    world: Any,
    session: Any,
    roles: tuple[str, ...] = MATRIX_ROLES,
    *,
    only_methods: frozenset[str] | None = None,
    query: dict[str, str] | None = None,
    only_endpoints: frozenset[str] | None = None,
) -> tuple[list[Probe], list[str]]:
    """Request every rule x method as every role. Returns probes and setup failures.

    ``only_methods`` narrows the methods tried; ``query`` is added to every URL.
    """
    failures: list[str] = []
    targets: list[tuple[Rule, str]] = []
    for rule in routes(app):
        if only_endpoints is not None and rule.endpoint not in only_endpoints:
            continue
        try:
            targets.append((rule, build_url(app, rule, world, session)))
        except LookupError as err:
            failures.append(str(err))
    session.commit()
    probes: list[Probe] = []
    for role in roles:
        client = signed_in_client(app, world, role)
        token = csrf_token_for(app, client)
        cookie = client.get_cookie("session")
        assert cookie is not None
        for rule, url in targets:
            for method in methods_of(rule):
                if only_methods is not None and method not in only_methods:
                    continue
                client.set_cookie("session", cookie.value)
                data = {"csrf_token": token} if method != "GET" else None
                with rolled_back(app):
                    response = client.open(url, method=method, data=data, query_string=query)
                probes.append(
                    Probe(
                        rule.endpoint,
                        method,
                        url,
                        role,
                        response.status_code,
                        response.headers.get("Location", ""),
                        response.get_data(as_text=True) if response.mimetype == "text/html" else "",
                        dict(response.headers),
                    )
                )
    return probes, failures


def expected(exp: Expect, role: str, method: str) -> str | int:
    """ "allowed", "login" or an exact status code."""
    if (role, method) in exp.statuses:
        return exp.statuses[(role, method)]
    if exp.public:
        return "allowed"
    if role == ANONYMOUS:
        return "login"
    assert exp.roles is not None
    if ROLE_OF[role] not in exp.roles:
        return 403
    if exp.scoped and role in OUT_OF_SCOPE:
        return 404
    return "allowed"


def judge(probe: Probe, want: str | int, exp: Expect | None = None) -> str | None:
    """None when the answer matches, else why not."""
    got = probe.status
    to_login = got in (302, 303) and urlsplit(probe.location).path == "/login"
    if want == "login":
        ok = to_login
        want_text = "302 to /login"
    elif want == "allowed":
        may_end = exp is not None and exp.ends_session
        ok = got in ALLOWED.get(probe.method, {200}) and (
            not to_login or probe.role == ANONYMOUS or may_end
        )
        want_text = f"allowed ({'/'.join(map(str, sorted(ALLOWED.get(probe.method, {200}))))})"
    else:
        ok = got == want
        want_text = str(want)
    if ok:
        return None
    where = f" -> {probe.location}" if probe.location else ""
    return (
        f"{probe.method} {probe.url} [{probe.endpoint}] as {probe.role}: "
        f"got {got}{where}, expected {want_text}"
    )


def check_matrix(
    app: Flask, world: Any, session: Any, only_endpoints: frozenset[str] | None = None
) -> list[str]:
    """Every failure of the app against EXPECTATIONS (empty list = the matrix is green).

    ``only_endpoints`` limits the requests (not the table checks) to a few routes.
    """
    failures: list[str] = []
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    for endpoint in sorted(endpoints):
        exp = EXPECTATIONS.get(endpoint)
        if exp is None:
            failures.append(
                f"{endpoint}: route not in the access matrix. Add "
                f'"{endpoint}": Expect(<roles>, scoped=<URL names a unit-file object?>) '
                "to EXPECTATIONS in tests/security/routes.py."
            )
            continue
        if exp.public:
            continue
        view = app.view_functions[endpoint]
        declared = getattr(view, "allowed_roles", None)
        if declared is None:
            failures.append(
                f"{endpoint}: view has no permission check. Decorate it with "
                "@roles_required(...) from rentals.auth.access."
            )
        elif {str(r) for r in declared} != set(exp.roles or ()):
            failures.append(
                f"{endpoint}: roles_required{tuple(sorted(map(str, declared)))} but the matrix "
                f"expects {tuple(sorted(exp.roles or ()))}; fix the view or the table."
            )
    for endpoint in sorted(set(EXPECTATIONS) - endpoints):
        failures.append(f"{endpoint}: listed in EXPECTATIONS but no such route; remove it.")
    probes, setup = probe_all(app, world, session, only_endpoints=only_endpoints)
    failures.extend(setup)
    for probe in probes:
        exp = EXPECTATIONS.get(probe.endpoint)
        if exp is None:
            continue
        problem = judge(probe, expected(exp, probe.role, probe.method), exp)
        if problem:
            failures.append(problem)
    return failures
