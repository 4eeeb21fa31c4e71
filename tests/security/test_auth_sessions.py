"""Sign-in, rate limit, cookies and sessions: the promises of SECURITY.md §Sessions.

The sign-in throttle and its unlocking are in tests/auth/test_throttle.py."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
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


# --- rate limit, enumeration ---------------------------------------------------------


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


def test_three_failures_then_success_does_not_wait(app, world, client):
    """Typos cost nothing; the growing waits start after the fourth (tests/auth)."""
    user = world.users["inspector_a"].username
    for _ in range(3):
        assert sign_in(app, client, user, "wrong-password-1").status_code == 401
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


def _remember_token(client) -> str:  # type: ignore[no-untyped-def]
    """The session token inside Flask-Login's remember cookie ("<id>:<token>|<digest>")."""
    value = client.get_cookie("remember_token").value
    return value.rsplit("|", 1)[0].split(":", 1)[1]


def test_the_database_keeps_only_a_hash_of_session_tokens(app, world, client):
    user = world.users["manager"]
    sign_in(app, client, user.username, remember=True)
    token = _remember_token(client)
    assert len(token) >= 32
    row = (
        connection_of(app)
        .execute(text('SELECT * FROM "user" WHERE id = :id'), {"id": user.id})
        .one()
    )
    assert all(token not in str(value) for value in row)
    assert _session_token(app, user.id) == hashlib.sha256(token.encode()).hexdigest()


def test_password_change_ends_every_other_session_at_once(app, world, client):
    user = world.users["inspector_a"]
    # The owner signs in here; a thief copies the session and remember-me cookies.
    sign_in(app, client, user.username, remember=True)
    copied_session = client.get_cookie("session").value
    copied_remember = client.get_cookie("remember_token").value
    for name, value in (("session", copied_session), ("remember_token", copied_remember)):
        thief = app.test_client()
        thief.set_cookie(name, value)
        assert _is_signed_in(app, thief), name  # the copies work until the change
    changed = post(
        app,
        client,
        "/password",
        {"current": factories.PASSWORD, "new": "new-pass-2026", "confirm": "new-pass-2026"},
    )
    assert changed.status_code == 302
    assert _is_signed_in(app, client)  # the current session survives
    for name, value in (("session", copied_session), ("remember_token", copied_remember)):
        thief = app.test_client()
        thief.set_cookie(name, value)
        assert not _is_signed_in(app, thief), name
    # This browser's own remember-me cookie was renewed with the new token.
    fresh = app.test_client()
    fresh.set_cookie("remember_token", client.get_cookie("remember_token").value)
    assert _is_signed_in(app, fresh)


def test_end_session_by_an_admin_ends_the_users_cookies(app, world, client, session):
    """The service the account pages call on a reset or deactivation."""
    from rentals.auth.models import User
    from rentals.auth.services import end_session

    user = world.users["landlord_a"]
    sign_in(app, client, user.username, remember=True)
    remember = client.get_cookie("remember_token").value
    with app.app_context():
        end_session(
            session,
            user=session.get(User, user.id),
            actor=session.get(User, world.users["admin"].id),
        )
        session.commit()
    assert not _is_signed_in(app, client)
    thief = app.test_client()
    thief.set_cookie("remember_token", remember)
    assert not _is_signed_in(app, thief)
    action = (
        connection_of(app)
        .execute(text("SELECT action FROM audit_event ORDER BY id DESC LIMIT 1"))
        .scalar_one()
    )
    assert action == "auth.sessions_ended"


def test_remember_me_lasts_no_longer_than_a_session(app, world, client):
    response = sign_in(app, client, world.users["manager"].username, remember=True)
    header = _set_cookies(response)["remember_token"]
    expires = next(p.split("=", 1)[1] for p in header.split("; ") if p.startswith("expires="))
    expiry = parsedate_to_datetime(expires)
    date = parsedate_to_datetime(response.headers["Date"]) if "Date" in response.headers else None
    now = date or datetime.now(UTC)
    assert expiry - now <= timedelta(hours=8, seconds=5)
    assert expiry - now >= timedelta(hours=7, minutes=59)


def test_remember_me_is_bounded_by_a_shorter_session_lifetime(database_url):
    from rentals import create_app
    from rentals.config import TestConfig

    shorter = create_app(
        {
            "DATABASE_URL": database_url,
            "CHECK_SCHEMA": False,
            "PERMANENT_SESSION_LIFETIME": timedelta(hours=2),
        },
        base=TestConfig,
    )
    assert shorter.config["REMEMBER_COOKIE_DURATION"] == timedelta(hours=2)


#: What a user who must change their password may still open (besides signing out).
GATE_OPEN = {"auth.password", "static", "main.healthz"}


def test_a_forced_password_change_gates_every_page(app, world, session):
    """Every GET route of the app, walked from app.url_map, for a must-change user."""
    from tests.security.matrix import probe_all

    user = world.users["manager"]
    connection_of(app).execute(
        text('UPDATE "user" SET must_change_password = :t WHERE id = :id'),
        {"t": True, "id": user.id},
    )
    probes, failures = probe_all(app, world, session, ("manager",), only_methods=frozenset({"GET"}))
    assert not failures
    get_routes = {r.endpoint for r in app.url_map.iter_rules() if "GET" in (r.methods or ())}
    assert {p.endpoint for p in probes} == get_routes
    wrong = []
    for p in probes:
        if p.endpoint in GATE_OPEN:
            ok = p.status == 200
        else:
            ok = p.status == 403 or (p.status == 302 and p.location.endswith("/password"))
        if not ok:
            wrong.append((p.endpoint, p.status, p.location))
    assert wrong == []


def test_a_forced_password_change_refuses_posts_and_ends_after_the_change(app, world, client):
    user = world.users["manager"]
    connection_of(app).execute(
        text('UPDATE "user" SET must_change_password = :t WHERE id = :id'),
        {"t": True, "id": user.id},
    )
    assert sign_in(app, client, user.username).headers["Location"].endswith("/password")
    assert post(app, client, "/units/new", {"code": "X"}).status_code == 403
    assert get(app, client, "/units").status_code == 302
    changed = post(
        app,
        client,
        "/password",
        {"current": factories.PASSWORD, "new": "new-pass-2026", "confirm": "new-pass-2026"},
    )
    assert changed.status_code == 302
    assert get(app, client, "/units").status_code == 200
    assert post(app, client, "/logout").status_code == 302  # sign-out stays open


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
