"""Remember-me is bounded on the server too: a copied or kept cookie dies after 8 hours."""

from __future__ import annotations

from tests.security.helpers import get, sign_in


def _signed_in(app, client) -> bool:  # type: ignore[no-untyped-def]
    return get(app, client, "/units").status_code == 200


def test_a_remember_me_cookie_kept_past_eight_hours_is_refused(app, world, client, clock):
    assert (
        sign_in(app, client, world.users["inspector_a"].username, remember=True).status_code == 302
    )
    cookie = client.get_cookie("remember_token").value
    # A copy used 7 h 59 min later still works (it is the cookie's own lifetime) ...
    clock.advance(7 * 3600 + 59 * 60)
    early = app.test_client()
    early.set_cookie("remember_token", cookie)
    assert _signed_in(app, early)
    # ... and neither that browser's session nor a new copy outlives 8 hours.
    clock.advance(2 * 60)
    late = app.test_client()
    late.set_cookie("remember_token", cookie)
    assert not _signed_in(app, late)
    assert not _signed_in(app, early)
    assert not _signed_in(app, client)


def test_a_session_without_remember_me_is_not_cut_by_the_token_age(app, world, client, clock):
    """Without "keep me signed in" the session lasts while used (8 h idle at most)."""
    assert sign_in(app, client, world.users["inspector_a"].username).status_code == 302
    for _ in range(3):
        clock.advance(4 * 3600)
        assert _signed_in(app, client)
