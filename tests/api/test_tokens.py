"""API tokens: shown once, stored as SHA-256, expiring, revocable at once on every worker,
listed with their last use; and the answers every refusal gets (JSON, in the caller's
language, rate limited)."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import text
from sqlmodel import select

from rentals import clock, create_app
from rentals.api import tokens as token_services
from rentals.api.models import ApiToken
from rentals.audit.models import AuditEvent
from rentals.config import TestConfig
from rentals.errors import NotAllowed
from tests.conftest import csrf_token, login
from tests.security.helpers import connection_of, snapshot

TOKEN_RE = re.compile(r'<code id="api-token">(rk_[A-Za-z0-9_-]+)</code>')


def _make_on_page(client, name="区平台", days="30", username=""):  # type: ignore[no-untyped-def]
    token = csrf_token(client, "/account/api-tokens")
    data = {"name": name, "days": days, "csrf_token": token}
    if username:
        data["username"] = username
    return client.post("/account/api-tokens", data=data)


def test_a_token_made_on_the_page_is_shown_once_and_stored_as_its_sha256(client, world, session):
    login(client, world.users["manager"].username)
    response = _make_on_page(client)
    assert response.status_code == 200
    assert "no-store" in response.headers["Cache-Control"]
    plain = TOKEN_RE.search(response.get_data(as_text=True)).group(1)
    assert len(plain) >= 40
    row = session.exec(select(ApiToken)).one()
    assert row.token_hash == hashlib.sha256(plain.encode()).hexdigest()
    assert plain not in str(row.model_dump().values())
    assert row.user_id == world.users["manager"].id
    assert row.expires_at - row.created_at == timedelta(days=30)
    again = client.get("/account/api-tokens").get_data(as_text=True)
    assert plain not in again and row.prefix in again and "区平台" in again
    # The token works at once, as the manager.
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {plain}"})
    assert me.get_json()["username"] == world.users["manager"].username
    events = session.exec(select(AuditEvent).where(AuditEvent.action == "api.token.created")).all()
    assert len(events) == 1 and plain not in str(events[0].data)


def test_only_an_admin_makes_tokens_for_another_account(app, client, world, session):
    with app.app_context(), pytest.raises(NotAllowed):
        token_services.create_token(
            session,
            actor=world.users["manager"],
            user=world.users["inspector_a"],
            name="x",
            days=5,
            now=clock.now(),
        )
    # On the page a non-admin's "account" field is ignored: the token is their own.
    login(client, world.users["manager"].username)
    _make_on_page(client, username=world.users["inspector_a"].username)
    rows = session.exec(select(ApiToken)).all()
    assert [r.user_id for r in rows] == [world.users["manager"].id]
    admin = create_app_client(app)
    login(admin, world.users["admin"].username)
    made = _make_on_page(admin, username=world.users["inspector_a"].username)
    plain = TOKEN_RE.search(made.get_data(as_text=True)).group(1)
    me = admin.get("/api/v1/me", headers={"Authorization": f"Bearer {plain}"})
    assert me.get_json()["role"] == "inspector"


def create_app_client(app):  # type: ignore[no-untyped-def]
    return app.test_client()


def test_bad_lifetimes_and_names_are_refused_and_nothing_is_made(client, world, session):
    login(client, world.users["inspector_a"].username)
    for name, days in (("x", "0"), ("x", "366"), ("", "30"), ("x" * 101, "30"), ("x", "abc")):
        assert _make_on_page(client, name=name, days=days).status_code == 422
    assert session.exec(select(ApiToken)).all() == []


def _second_worker(app):  # type: ignore[no-untyped-def]
    """Another app process on the same database: its own memory, the same rows."""
    other = create_app(
        {"DATABASE_URL": app.config["DATABASE_URL"], "CHECK_SCHEMA": False}, base=TestConfig
    )
    other.extensions["rentals.db"][0].dispose()
    other.extensions["rentals.db"] = app.extensions["rentals.db"]
    return other.test_client()


def test_a_revoked_token_is_refused_at_once_by_every_worker(app, client, api, world, tokens):
    worker_b = _second_worker(app)
    bearer = {"Authorization": f"Bearer {tokens['inspector_a']}"}
    assert worker_b.get("/api/v1/me", headers=bearer).status_code == 200
    assert api.get("/me", "inspector_a").status_code == 200
    login(client, world.users["inspector_a"].username)
    page = client.get("/account/api-tokens").get_data(as_text=True)
    token_id = re.search(r"/account/api-tokens/(\d+)/revoke", page).group(1)
    revoked = client.post(
        f"/account/api-tokens/{token_id}/revoke",
        data={"csrf_token": csrf_token(client, "/account/api-tokens")},
    )
    assert revoked.status_code == 303
    for worker in (worker_b, api.client):
        answer = worker.get("/api/v1/me", headers=bearer)
        assert answer.status_code == 401
        assert answer.get_json()["error"]["code"] == "unauthorized"
        assert answer.headers["WWW-Authenticate"] == "Bearer"
    # Other tokens are untouched.
    assert api.get("/me", "inspector_b").status_code == 200


def test_nobody_revokes_another_accounts_token(app, client, api, world, tokens, session):
    target = session.exec(
        select(ApiToken).where(ApiToken.user_id == world.users["manager"].id)
    ).one()
    login(client, world.users["inspector_a"].username)
    answer = client.post(
        f"/account/api-tokens/{target.id}/revoke",
        data={"csrf_token": csrf_token(client, "/account/api-tokens")},
    )
    assert answer.status_code == 303
    assert api.get("/me", "manager").status_code == 200
    assert target.id not in [
        r.id for r, _u in token_services.tokens_of(session, actor=world.users["inspector_a"])
    ]


def test_an_expired_token_is_refused(app, api, world, session):
    with app.app_context():
        _row, plain = token_services.create_token(
            session, actor=None, user=world.users["manager"], name="short", days=1, now=clock.now()
        )
        session.commit()
    bearer = {"Authorization": f"Bearer {plain}"}
    assert api.client.get("/api/v1/me", headers=bearer).status_code == 200
    with time_machine.travel(clock.now() + timedelta(days=1, seconds=1), tick=False):
        assert api.client.get("/api/v1/me", headers=bearer).status_code == 401


def test_a_deactivated_accounts_token_is_refused(app, api, world):
    connection_of(app).execute(
        text('UPDATE "user" SET is_active = :f WHERE id = :id'),
        {"f": False, "id": world.users["manager"].id},
    )
    assert api.get("/me", "manager").status_code == 401


@pytest.mark.parametrize(
    "header",
    ["", "Bearer", "Bearer rk_unknown", "Basic dXNlcjpwYXNz", "Bearer " + "rk_" + "x" * 5000],
)
def test_missing_and_unknown_tokens_get_401_json(api, header):
    answer = api.client.get("/api/v1/units", headers={"Authorization": header} if header else {})
    assert answer.status_code == 401
    assert answer.mimetype == "application/json"
    assert set(answer.get_json()["error"]) >= {"code", "message"}


def test_the_list_shows_the_last_use_written_at_most_once_a_minute(app, api, world, session):
    row = session.exec(select(ApiToken).where(ApiToken.user_id == world.users["admin"].id)).one()
    assert row.last_used_at is None
    start = clock.now()
    with time_machine.travel(start, tick=False):
        api.get("/me", "admin")
    session.expire_all()
    first = session.get(ApiToken, row.id).last_used_at
    assert first == start
    with time_machine.travel(start + timedelta(seconds=30), tick=False):
        api.get("/me", "admin")
    session.expire_all()
    assert session.get(ApiToken, row.id).last_used_at == first
    with time_machine.travel(start + timedelta(seconds=61), tick=False):
        api.get("/me", "admin")
    session.expire_all()
    assert session.get(ApiToken, row.id).last_used_at == start + timedelta(seconds=61)


def test_a_signed_in_browser_cannot_use_the_api_and_a_cookie_post_changes_nothing(
    app, client, world
):
    login(client, world.users["inspector_a"].username)
    conn = connection_of(app)
    before = snapshot(conn)
    answer = client.post(
        f"/api/v1/units/{world.unit_a.code}/inspections",
        json={
            "client_key": "abc",
            "outcome": "refused",
            "expected_latest_id": 0,
            "refusal_reason": "拒绝",
        },
    )
    assert answer.status_code == 401
    assert snapshot(conn) == before
    assert client.get("/api/v1/units").status_code == 401


def test_the_command_line_makes_lists_and_revokes_tokens(app, api, world):
    from rentals import cli

    runner = app.test_cli_runner()
    username = world.users["inspector_b"].username
    made = runner.invoke(
        cli.main, ["api-token", "create", username, "--name", "网格平台", "--days", "10"]
    )
    assert made.exit_code == 0, made.output
    plain = made.stdout.strip().splitlines()[0]
    assert plain.startswith("rk_")
    bearer = {"Authorization": f"Bearer {plain}"}
    assert api.client.get("/api/v1/me", headers=bearer).status_code == 200
    listed = runner.invoke(cli.main, ["api-token", "list", username])
    assert "网格平台" in listed.output and plain not in listed.output
    line = next(x for x in listed.output.splitlines() if "网格平台" in x)
    token_id = line.split("\t")[0]
    assert runner.invoke(cli.main, ["api-token", "revoke", token_id]).exit_code == 0
    assert api.client.get("/api/v1/me", headers=bearer).status_code == 401
    refused = runner.invoke(cli.main, ["api-token", "create", "nobody-here", "--name", "x"])
    assert refused.exit_code != 0


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("zh-CN", "找不到该页面或记录。"),
        ("en-GB,en;q=0.9", "Page or record not found."),
        ("bo", None),
    ],
)
def test_errors_are_json_in_the_callers_language(api, world, language, expected):
    answer = api.get("/units/NO-SUCH-UNIT", "manager", headers={"Accept-Language": language})
    assert answer.status_code == 404
    body = answer.get_json()["error"]
    assert body["code"] == "not_found"
    if expected is None:  # Tibetan: Tibetan script, no Chinese left
        assert re.search("[\u0f00-\u0fff]", body["message"]) and not re.search(
            "[\u4e00-\u9fff]", body["message"]
        )
    else:
        assert body["message"] == expected
    assert "Set-Cookie" not in answer.headers


def test_wrong_role_routing_and_method_errors_are_json(api, world):
    cases = [
        (api.get("/scorecards", "landlord_a"), 403, "not_allowed"),
        (api.get("/no/such/route", "manager"), 404, "not_found"),
        (api.get("/scorecards/2147483648", "manager"), 404, "not_found"),
        (api("DELETE", "/units", "manager"), 405, "method_not_allowed"),
        (
            api.post("/units", "manager", data="not json", content_type="application/json"),
            422,
            "invalid_input",
        ),
    ]
    for answer, status, code in cases:
        assert answer.status_code == status, (answer.status_code, answer.get_data(as_text=True))
        assert answer.mimetype == "application/json"
        assert answer.get_json()["error"]["code"] == code


def test_the_api_is_rate_limited_per_token(app, api):
    app.config["API_RATE_LIMIT"] = "3 per minute"
    statuses = [api.get("/me", "manager").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    limited = api.get("/me", "manager")
    assert limited.get_json()["error"]["code"] == "rate_limited"
    assert limited.headers.get("Retry-After")
    # Another token has its own count.
    assert api.get("/me", "admin").status_code == 200


def test_without_accept_language_errors_use_the_language_the_token_was_made_in(app, client, world):
    login(client, world.users["landlord_a"].username)
    client.get("/account/api-tokens?lang=en")  # the page in English, remembered
    made = _make_on_page(client)
    plain = TOKEN_RE.search(made.get_data(as_text=True)).group(1)
    machine = app.test_client()  # a program: no cookie, no Accept-Language
    answer = machine.get("/api/v1/units/NOPE", headers={"Authorization": f"Bearer {plain}"})
    assert answer.get_json()["error"]["message"] == "Page or record not found."
    asked = machine.get(
        "/api/v1/units/NOPE",
        headers={"Authorization": f"Bearer {plain}", "Accept-Language": "zh-CN"},
    )
    assert asked.get_json()["error"]["message"] == "找不到该页面或记录。"


def test_an_answer_that_breaks_its_own_model_is_a_plain_500(api, monkeypatch):
    from rentals.api import present

    def broken(*_a, **_k):  # type: ignore[no-untyped-def]
        return {"code": 1}

    monkeypatch.setattr(present, "unit", broken)
    answer = api.get("/units", "manager")
    assert answer.status_code == 500
    assert answer.get_json()["error"]["code"] == "internal"
    assert "pydantic" not in answer.get_data(as_text=True)
