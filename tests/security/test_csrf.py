"""Every POST route refuses a request without a valid CSRF token (400) and changes nothing.

The route list comes from ``app.url_map``; the payload is the route's own form as the
app renders it, made valid, so what is refused is a submission that would otherwise work.
"""

from __future__ import annotations

from tests.security.forms import actor_for, discover_forms, payload
from tests.security.helpers import connection_of, snapshot
from tests.security.matrix import (
    build_url,
    csrf_token_for,
    own_context,
    routes,
    signed_in_client,
)
from tests.security.routes import EXPECTATIONS, TOKEN_API_PREFIX


def _post_routes(app):  # type: ignore[no-untyped-def]
    # The JSON API takes bearer tokens only, never a cookie, so CSRF cannot apply
    # (tests/api/test_tokens.py: a signed-in browser's POST to it is a 401, nothing written).
    return [
        rule
        for rule in routes(app)
        if "POST" in (rule.methods or ()) and not rule.endpoint.startswith(TOKEN_API_PREFIX)
    ]


def test_there_are_post_routes_to_check(app):
    assert len(_post_routes(app)) >= 8


def test_every_post_route_refuses_a_missing_or_foreign_token(app, world, session):
    forms = discover_forms(app, world, session)
    conn = connection_of(app)
    outsider = app.test_client()
    foreign = csrf_token_for(app, outsider, "outsider-secret")  # valid for another session
    failures = []
    for rule in _post_routes(app):
        exp = EXPECTATIONS.get(rule.endpoint)
        if exp is None:
            failures.append(f"{rule.endpoint}: not in tests/security/routes.py (see the matrix)")
            continue
        client = signed_in_client(app, world, actor_for(exp))
        csrf_token_for(app, client)  # the client has a token of its own, just not this one
        try:
            url = build_url(app, rule, world, session)
        except LookupError as err:
            failures.append(str(err))
            continue
        data = payload(rule.endpoint, forms.get(url), world)
        for label, token in (("no token", None), ("foreign token", foreign)):
            before = snapshot(conn)
            sent = dict(data) if token is None else {**data, "csrf_token": token}
            with own_context(app):
                response = client.post(url, data=sent)
            if response.status_code != 400:
                failures.append(f"POST {url} ({label}): {response.status_code}, expected 400")
            if snapshot(conn) != before:
                failures.append(f"POST {url} ({label}) changed the database")
    assert not failures, "\n".join(failures)


def test_the_same_post_with_a_token_does_change_the_database(app, world, session):
    """Control: the payloads above are real submissions, so 'changed nothing' means something."""
    forms = discover_forms(app, world, session)
    conn = connection_of(app)
    for endpoint in ("register.person_new", "register.tenancy_end", "register.unit_new"):
        rule = next(r for r in routes(app) if r.endpoint == endpoint)
        client = signed_in_client(app, world, "manager")
        url = build_url(app, rule, world, session)
        data = payload(endpoint, forms.get(url), world)
        before = snapshot(conn)
        with own_context(app):
            response = client.post(url, data={**data, "csrf_token": csrf_token_for(app, client)})
        assert response.status_code in (302, 303), (endpoint, response.status_code)
        assert snapshot(conn) != before, endpoint
