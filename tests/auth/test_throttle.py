"""Sign-in throttle (issue 14 item 2): strangers slow themselves, never the owner.

The clock of the sign-in views is the ``clock`` fixture, so waits are stepped through
instead of slept. Addresses are the documentation ranges of RFC 5737.
"""

from __future__ import annotations

import re

import pytest
from argon2 import PasswordHasher
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text

from tests import factories
from tests.security.helpers import connection_of, get, post, sign_in

ATTACKER = "198.51.100.7"
OWNER_HOME = "203.0.113.9"
ELSEWHERE = "192.0.2.44"
WRONG = "wrong-password-1"
#: Hand-worked: waits (seconds) after the n-th failure in a row for one account from one
#: client, with 3 free failures and doubling from 2 s up to 15 minutes (900 s).
PAIR_WAITS = [0, 0, 0, 2, 4, 8, 16, 32, 64, 128, 256, 512, 900, 900, 900]


def client_at(app: Flask, address: str) -> FlaskClient:
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def retry_after(response) -> int:  # type: ignore[no-untyped-def]
    return int(response.headers.get("Retry-After", "0"))


def message(response) -> str:  # type: ignore[no-untyped-def]
    html = response.get_data(as_text=True)
    found = re.search(r'<p class="error"[^>]*>([^<]*)<', html)
    return found.group(1) if found else ""


def fail_until_refused(app, client, login, clock, failures):  # type: ignore[no-untyped-def]
    """Make ``failures`` real failed sign-ins, waiting out each delay on the clock."""
    made = 0
    while made < failures:
        response = sign_in(app, client, login, WRONG)
        if response.status_code == 429:
            clock.advance(retry_after(response))
            continue
        assert response.status_code == 401, response.status_code
        made += 1


def test_delays_grow_per_client_and_a_refused_try_does_not_extend_them(app, world, clock):
    attacker = client_at(app, ATTACKER)
    login = world.users["manager"].username
    for n, wait in enumerate(PAIR_WAITS, start=1):
        assert sign_in(app, attacker, login, WRONG).status_code == 401, n
        if wait == 0:
            continue
        refused = sign_in(app, attacker, login, WRONG)
        assert refused.status_code == 429, n
        assert retry_after(refused) == wait, n
        clock.advance(wait - 1)
        again = sign_in(app, attacker, login, factories.PASSWORD)  # even the right one
        assert again.status_code == 429 and retry_after(again) == 1, n
        clock.advance(1)
    # The account-wide count took only this client's first three failures.
    conn = connection_of(app)
    query = text("SELECT kind, failures FROM login_throttle WHERE kind != 'address'")
    rows = dict(conn.execute(query).all())
    assert rows == {"pair": len(PAIR_WAITS), "account": 3}


def test_fifty_failures_from_one_address_never_keep_the_admin_out(app, world, clock):
    admin = world.users["admin"].username
    own_browser = client_at(app, OWNER_HOME)
    assert sign_in(app, own_browser, admin).status_code == 302  # a known device from now on
    post(app, own_browser, "/logout")

    attacker = client_at(app, ATTACKER)
    fail_until_refused(app, attacker, admin, clock, 50)
    assert sign_in(app, attacker, admin, WRONG).status_code == 429  # still slowed

    # From the admin's own browser, at home or behind the attacker's address.
    assert sign_in(app, own_browser, admin).status_code == 302
    post(app, own_browser, "/logout")
    own_browser.environ_base["REMOTE_ADDR"] = ATTACKER
    assert sign_in(app, own_browser, admin).status_code == 302
    # From a browser never used before, at another address: no wait at all.
    assert sign_in(app, client_at(app, ELSEWHERE), admin).status_code == 302


def test_many_addresses_slow_the_account_but_not_the_owners_browser(app, world, clock):
    manager = world.users["manager"].username
    own_browser = client_at(app, OWNER_HOME)
    assert sign_in(app, own_browser, manager).status_code == 302
    post(app, own_browser, "/logout")
    for i in range(12):  # 12 addresses x 3 failures: 36 account-wide
        fail_until_refused(app, client_at(app, f"198.51.100.{10 + i}"), manager, clock, 3)
    stranger = sign_in(app, client_at(app, ELSEWHERE), manager)
    assert stranger.status_code == 429
    assert retry_after(stranger) == 900
    assert sign_in(app, own_browser, manager).status_code == 302


def test_a_forged_known_device_cookie_is_ignored(app, world, clock):
    manager = world.users["manager"].username
    for i in range(12):
        fail_until_refused(app, client_at(app, f"198.51.100.{10 + i}"), manager, clock, 3)
    forger = client_at(app, ELSEWHERE)
    forger.set_cookie("known_device", "W1sxLCJ4IiwxXV0.forged")
    assert sign_in(app, forger, manager).status_code == 429


def test_throttled_answer_is_the_same_for_an_unknown_name(app, world, clock, monkeypatch):
    verifies: list[int] = []
    real_verify = PasswordHasher.verify

    def counting(self, hash_, password):  # type: ignore[no-untyped-def]
        verifies.append(1)
        return real_verify(self, hash_, password)

    monkeypatch.setattr(PasswordHasher, "verify", counting)
    answers = {}
    for login, address in ((world.users["admin"].username, ATTACKER), ("nobody-9", ELSEWHERE)):
        client = client_at(app, address)
        seen = []
        for _ in range(6):
            verifies.clear()
            r = sign_in(app, client, login, WRONG)
            seen.append((r.status_code, retry_after(r), message(r), len(verifies)))
        answers[login] = seen
    known, unknown = answers.values()
    assert known == unknown
    # Failures check one hash (the dummy one for unknown names); refusals none.
    assert [(s, v) for s, _r, _m, v in known] == [(401, 1)] * 4 + [(429, 0)] * 2
    assert "登录尝试过于频繁" in known[-1][2]


def test_the_throttle_is_shared_by_every_web_worker(app, world, clock):
    """A second app (another worker) on the same database sees the same counts."""
    from rentals import create_app
    from rentals.config import TestConfig

    other = create_app(
        {"DATABASE_URL": app.config["DATABASE_URL"], "CHECK_SCHEMA": False}, base=TestConfig
    )
    other.extensions["rentals.db"][0].dispose()
    other.extensions["rentals.db"] = app.extensions["rentals.db"]
    login = world.users["manager"].username
    fail_until_refused(app, client_at(app, ATTACKER), login, clock, 4)
    assert sign_in(other, client_at(other, ATTACKER), login).status_code == 429


def test_failed_and_throttled_sign_ins_are_audited_without_the_password(app, world, clock):
    attacker = client_at(app, ATTACKER)
    secret = "very-secret-guess-77"
    for _ in range(5):  # four failures, then a 2-second wait refuses the fifth
        sign_in(app, attacker, world.users["landlord_a"].username, secret)
    sign_in(app, attacker, "nobody-9", secret)
    conn = connection_of(app)
    rows = conn.execute(
        text(
            "SELECT action, subject_id, ip FROM audit_event"
            " WHERE action IN ('auth.failed', 'auth.throttled') ORDER BY id"
        )
    ).all()
    landlord_id = str(world.users["landlord_a"].id)
    assert [tuple(r) for r in rows] == [
        *[("auth.failed", landlord_id, ATTACKER)] * 4,
        ("auth.throttled", landlord_id, ATTACKER),
        ("auth.failed", "", ATTACKER),
    ]
    everything = " ".join(str(r) for r in conn.execute(text("SELECT * FROM audit_event")))
    assert secret not in everything


# --- unlocking ----------------------------------------------------------------------------


def _attack_from_many(app, login, clock):  # type: ignore[no-untyped-def]
    for i in range(12):
        fail_until_refused(app, client_at(app, f"198.51.100.{10 + i}"), login, clock, 3)


def test_admin_unlocks_an_account(app, world, clock):
    manager = world.users["manager"]
    _attack_from_many(app, manager.username, clock)
    assert sign_in(app, client_at(app, ELSEWHERE), manager.username).status_code == 429

    office = client_at(app, OWNER_HOME)
    sign_in(app, office, world.users["admin"].username)
    page = get(app, office, f"/auth/throttle?login={manager.username}")
    assert page.status_code == 200
    assert "36" in page.get_data(as_text=True)
    cleared = post(app, office, "/auth/throttle/clear", {"user_id": manager.id})
    assert cleared.status_code == 302
    assert sign_in(app, client_at(app, ELSEWHERE), manager.username).status_code == 302
    conn = connection_of(app)
    assert (
        conn.execute(
            text("SELECT count(*) FROM audit_event WHERE action = 'auth.unlocked'")
        ).scalar_one()
        == 1
    )


def test_only_an_admin_clears_the_throttle(app, world, clock):
    manager_client = client_at(app, OWNER_HOME)
    sign_in(app, manager_client, world.users["manager"].username)
    answer = post(
        app, manager_client, "/auth/throttle/clear", {"user_id": world.users["landlord_a"].id}
    )
    assert answer.status_code == 403


@pytest.mark.parametrize("user_id", ["0", "-1", "99999999999999999999", "x", ""])
def test_throttle_buttons_refuse_bad_ids(app, world, user_id):
    admin = client_at(app, OWNER_HOME)
    sign_in(app, admin, world.users["admin"].username)
    for url in ("/auth/throttle/clear", "/auth/throttle/code"):
        assert post(app, admin, url, {"user_id": user_id}).status_code == 400


def test_owner_unlocks_with_a_one_time_code(app, world, clock):
    landlord = world.users["landlord_a"]
    _attack_from_many(app, landlord.username, clock)
    phone = client_at(app, ELSEWHERE)
    assert sign_in(app, phone, landlord.username).status_code == 429

    office = client_at(app, OWNER_HOME)
    sign_in(app, office, world.users["manager"].username)
    made = post(app, office, "/auth/throttle/code", {"user_id": landlord.id})
    assert made.status_code == 200
    code = re.search(
        r'id="unlock-code".*?<strong>([A-Z0-9]+)</strong>', made.get_data(as_text=True), re.S
    )
    assert code is not None
    conn = connection_of(app)
    stored = conn.execute(text("SELECT code_hash FROM unlock_code")).scalar_one()
    assert code.group(1) not in stored

    wrong = post(app, phone, "/unlock", {"username": landlord.username, "code": "ABCDEFGHJK"})
    assert wrong.status_code == 422
    assert "解锁码不正确或已失效" in wrong.get_data(as_text=True)
    # Typed in lower case with a space, as read over the phone.
    spaced = code.group(1).lower()[:5] + " " + code.group(1).lower()[5:]
    ok = post(app, phone, "/unlock", {"username": landlord.username, "code": spaced})
    assert ok.status_code == 302
    assert sign_in(app, phone, landlord.username).status_code == 302
    post(app, phone, "/logout")
    again = post(app, phone, "/unlock", {"username": landlord.username, "code": code.group(1)})
    assert again.status_code == 422  # one time only


def test_an_unlock_code_expires_and_guessing_codes_is_throttled(app, world, clock):
    landlord = world.users["landlord_a"]
    office = client_at(app, OWNER_HOME)
    sign_in(app, office, world.users["manager"].username)
    made = post(app, office, "/auth/throttle/code", {"user_id": landlord.id})
    code = re.search(r"<strong>([A-Z0-9]+)</strong>", made.get_data(as_text=True)).group(1)
    guesser = client_at(app, ATTACKER)
    answers = [
        post(app, guesser, "/unlock", {"username": landlord.username, "code": "ZZZZZZZZZZ"})
        for _ in range(5)
    ]
    assert [a.status_code for a in answers] == [422, 422, 422, 422, 429]
    # A day later the code is dead.
    clock.advance(24 * 3600 + 1)
    late = post(
        app, client_at(app, ELSEWHERE), "/unlock", {"username": landlord.username, "code": code}
    )
    assert late.status_code == 422


def test_unknown_names_get_the_same_unlock_answer(app, world):
    a = post(
        app, client_at(app, ELSEWHERE), "/unlock", {"username": "nobody-9", "code": "ABCDEFGHJK"}
    )
    b = post(
        app,
        client_at(app, OWNER_HOME),
        "/unlock",
        {"username": world.users["admin"].username, "code": "ABCDEFGHJK"},
    )
    assert a.status_code == b.status_code == 422
    assert message(a) == message(b)


@pytest.mark.parametrize(
    ("username", "code"),
    [
        ("", ""),
        ("x" * 5000, "A"),
        ("admin", "x" * 5000),
        ("<script>alert(1)</script>", "' OR 1=1 --"),
        ("𝕏" * 64, "ཀྵ" * 10),
        ("%_\\", "%"),
    ],
)
def test_hostile_unlock_input_is_refused_in_words(app, world, username, code):
    answer = post(app, client_at(app, ELSEWHERE), "/unlock", {"username": username, "code": code})
    assert answer.status_code == 422
    assert '<p class="error"' in answer.get_data(as_text=True)
    assert connection_of(app).execute(text("SELECT count(*) FROM unlock_code")).scalar_one() == 0


def test_a_manager_makes_codes_for_landlords_and_inspectors_only(app, world):
    office = client_at(app, OWNER_HOME)
    sign_in(app, office, world.users["manager"].username)
    for key, status in (("landlord_a", 200), ("inspector_a", 200), ("admin", 403)):
        answer = post(app, office, "/auth/throttle/code", {"user_id": world.users[key].id})
        assert answer.status_code == status, key
    page = get(app, office, f"/auth/throttle?login={world.users['admin'].username}")
    assert "/auth/throttle/code" not in page.get_data(as_text=True)
    assert "/auth/throttle/clear" not in page.get_data(as_text=True)
    conn = connection_of(app)
    assert conn.execute(text("SELECT count(*) FROM unlock_code")).scalar_one() == 2


@pytest.mark.parametrize(
    ("address", "counted_as"),
    [
        ("198.51.100.7", "198.51.100.7"),
        ("2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64"),
        ("2001:db8:1:2:ffff:ffff:ffff:fffe", "2001:db8:1:2::/64"),
        ("::ffff:198.51.100.7", "198.51.100.7"),
        ("", ""),
        ("not-an-address", "not-an-address"),
    ],
)
def test_an_ipv6_client_is_counted_by_its_slash_64(address, counted_as):
    from rentals.auth.throttle import address_key

    assert address_key(address) == counted_as


def test_hopping_within_an_ipv6_slash_64_does_not_escape_the_wait(app, world, clock):
    login = world.users["manager"].username
    for i in range(4):
        answer = sign_in(app, client_at(app, f"2001:db8:1:2::{i + 1}"), login, WRONG)
        assert answer.status_code == 401
    assert sign_in(app, client_at(app, "2001:db8:1:2::99"), login).status_code == 429
    assert sign_in(app, client_at(app, "2001:db8:1:3::1"), login).status_code == 302
