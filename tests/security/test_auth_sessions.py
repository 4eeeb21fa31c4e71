"""Sign-in, lockout, rate limit, cookies and sessions: the promises of SECURITY.md §Sessions."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from rentals.auth.passwords import password_problem
from tests import factories
from tests.security.helpers import connection_of, get, post, sign_in

ROOT = Path(__file__).resolve().parents[2]


def _session_token(app, user_id: int) -> str:  # type: ignore[no-untyped-def]
    conn = connection_of(app)
    return conn.execute(
        text('SELECT session_token FROM "user" WHERE id = :id'),
        {"id": user_id},
    ).scalar_one()


def _is_signed_in(app, client) -> bool:  # type: ignore[no-untyped-def]
    response = get(app, client, "/units")
    return response.status_code == 200


def _error_text(html: str) -> str:
    """The field error shown under the password box."""
    start = html.index('class="error"')
    return html[start : html.index("<", html.index(">", start))]


# --- rate limit, lockout, enumeration ------------------------------------------------


def test_login_is_rate_limited_per_address(app, world, client):
    app.config["LOGIN_RATE_LIMIT"] = "3 per minute"
    user = world.users["manager"].username
    answers = [sign_in(app, client, user, "wrong-password-1").status_code for _ in range(4)]
    assert answers[:3] == [401, 401, 401]
    assert answers[3] == 429
    # Even the right password is refused until the window passes.
    blocked = sign_in(app, client, user)
    assert blocked.status_code == 429
    assert "操作过于频繁" in blocked.get_data(as_text=True)


def test_account_locks_after_five_failures_with_a_clear_message(app, world, client):
    user = world.users["inspector_a"].username
    for _ in range(5):
        assert sign_in(app, client, user, "wrong-password-1").status_code == 401
    locked = sign_in(app, client, user)  # the right password, too late
    assert locked.status_code == 401
    assert "账号已暂时锁定" in locked.get_data(as_text=True)
    assert not _is_signed_in(app, client)
    # The lock is recorded in the audit trail.
    conn = connection_of(app)
    assert conn.execute(
        text("SELECT count(*) FROM audit_event WHERE action = 'auth.locked'")
    ).scalar_one()


def test_four_failures_then_success_does_not_lock(app, world, client):
    user = world.users["inspector_a"].username
    for _ in range(4):
        sign_in(app, client, user, "wrong-password-1")
    assert sign_in(app, client, user).status_code == 302


def test_unknown_user_and_wrong_password_answer_the_same(app, world, client):
    unknown = sign_in(app, client, "nobody-here", "wrong-password-1")
    wrong = sign_in(app, client, world.users["manager"].username, "wrong-password-1")
    assert unknown.status_code == wrong.status_code == 401
    assert _error_text(unknown.get_data(as_text=True)) == _error_text(wrong.get_data(as_text=True))
    assert "登录名或密码不正确" in unknown.get_data(as_text=True)


# --- cookies ----------------------------------------------------------------------------


def _set_cookies(response) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """Cookie name -> its full Set-Cookie header line (lower-cased attributes)."""
    out = {}
    for header in response.headers.getlist("Set-Cookie"):
        name = header.split("=", 1)[0]
        out[name] = header.lower()
    return out


def test_session_cookie_is_httponly_and_samesite_lax(app, world, client):
    cookies = _set_cookies(sign_in(app, client, world.users["manager"].username, remember=True))
    for name in ("session", "remember_token"):
        assert "httponly" in cookies[name], name
        assert "samesite=lax" in cookies[name], name
        assert "secure" not in cookies[name].split(";")[1:], name  # plain HTTP in tests


def test_cookies_are_secure_when_configured(app, world, client):
    app.config["SESSION_COOKIE_SECURE"] = True
    app.config["REMEMBER_COOKIE_SECURE"] = True
    response = sign_in(app, client, world.users["manager"].username, remember=True)
    cookies = _set_cookies(response)
    for name in ("session", "remember_token"):
        attributes = [part.strip() for part in cookies[name].split(";")]
        assert "secure" in attributes, name


def test_secure_cookies_env_switches_both_cookies():
    """RENTALS_SECURE_COOKIES=1 makes the session *and* the remember-me cookie Secure."""
    code = (
        "from rentals import create_app\n"
        "app = create_app({'DATABASE_URL': 'sqlite://', 'CHECK_SCHEMA': False})\n"
        "print(app.config['SESSION_COOKIE_SECURE'], app.config['REMEMBER_COOKIE_SECURE'])\n"
    )
    env = {**os.environ, "RENTALS_SECURE_COOKIES": "1", "RENTALS_SECRET_KEY": "x" * 32}
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["True", "True"]


# --- session lifecycle ------------------------------------------------------------------


def test_session_changes_at_login_and_an_old_cookie_is_not_signed_in(app, world, client):
    get(app, client, "/login")
    post(app, client, "/login", {"username": "x", "password": "y"})  # fills the session
    before = client.get_cookie("session")
    assert before is not None
    user = world.users["manager"]
    token_before = _session_token(app, user.id)
    assert sign_in(app, client, user.username).status_code == 302
    after = client.get_cookie("session")
    assert after is not None and after.value != before.value
    assert _session_token(app, user.id) != token_before
    # Someone who copied the pre-login cookie (fixation) is not signed in.
    other = app.test_client()
    other.set_cookie("session", before.value)
    assert not _is_signed_in(app, other)
    assert _is_signed_in(app, client)


def test_logout_ends_the_session_everywhere(app, world, client):
    user = world.users["inspector_a"]
    sign_in(app, client, user.username, remember=True)
    stolen_session = client.get_cookie("session").value
    stolen_remember = client.get_cookie("remember_token").value
    token = _session_token(app, user.id)
    response = post(app, client, "/logout")
    assert response.status_code == 302
    assert _session_token(app, user.id) != token
    assert not _is_signed_in(app, client)
    for name, value in (("session", stolen_session), ("remember_token", stolen_remember)):
        thief = app.test_client()
        thief.set_cookie(name, value)
        assert not _is_signed_in(app, thief), name


def test_logout_needs_a_post_with_csrf(app, world, client):
    sign_in(app, client, world.users["manager"].username)
    assert get(app, client, "/logout").status_code == 405
    from tests.security.matrix import own_context

    with own_context(app):
        assert client.post("/logout").status_code == 400
    assert _is_signed_in(app, client)


def test_deactivated_account_is_signed_out_at_the_next_request(app, world, client):
    user = world.users["manager"]
    sign_in(app, client, user.username)
    assert _is_signed_in(app, client)
    connection_of(app).execute(
        text('UPDATE "user" SET is_active = :f WHERE id = :id'), {"f": False, "id": user.id}
    )
    assert not _is_signed_in(app, client)


# --- passwords --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("password", "refused"),
    [
        ("short1", True),
        ("onlyletters", True),
        ("1234567890", True),
        ("manager99", True),  # equal to the login name below
        ("good-pass-42", False),
    ],
)
def test_password_rules(app, password, refused):
    with app.app_context():
        assert (password_problem(password, "MANAGER99") is not None) is refused


def test_password_change_refuses_weak_passwords_and_keeps_the_old_one(app, world, client):
    user = world.users["landlord_a"]
    sign_in(app, client, user.username)
    weak = post(
        app,
        client,
        "/password",
        {"current": factories.PASSWORD, "new": "abc", "confirm": "abc"},
    )
    assert weak.status_code == 422
    assert "至少需要" in weak.get_data(as_text=True)
    post(app, client, "/logout")
    assert sign_in(app, client, user.username).status_code == 302


# --- redirects --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example/",
        "\\\\evil.example",
        "/%5Cevil.example",
        "javascript:alert(1)",
        "http:/evil.example",
        " //evil.example",
        "/\t/evil.example",
    ],
)
def test_login_refuses_an_open_redirect(app, world, client, target):
    response = sign_in(app, client, world.users["manager"].username, next_url=target)
    assert response.status_code == 302
    location = response.headers["Location"]
    assert "evil" not in location and "javascript" not in location
    assert location.startswith("/") and not location.startswith(("//", "/\\"))


def test_login_follows_a_same_site_next(app, world, client):
    response = sign_in(app, client, world.users["manager"].username, next_url="/units?q=1")
    assert response.headers["Location"] == "/units?q=1"


def test_person_edit_back_link_is_not_an_open_redirect(app, world, client):
    sign_in(app, client, world.users["manager"].username)
    person = world.tenant_a
    data = {
        "name": person.name,
        "id_number": person.id_number,
        "phone": person.phone.removeprefix("+86"),
        "address": "x",
    }
    response = post(app, client, f"/people/{person.id}/edit?back=https://evil.example/", data)
    assert response.status_code == 302
    assert "evil" not in response.headers["Location"]
