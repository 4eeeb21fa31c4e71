"""API fixtures: one live token per matrix role of ``world``, and a client that sends it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from rentals import clock
from rentals.api import tokens as token_services

ROLES = ("admin", "manager", "inspector_a", "inspector_b", "landlord_a", "landlord_b")


@pytest.fixture
def tokens(app, session, world) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """role -> plain token (made through the service the page and the CLI use)."""
    made = {}
    with app.app_context():
        for role in ROLES:
            _row, plain = token_services.create_token(
                session,
                actor=None,
                user=world.users[role],
                name=f"tests {role}",
                days=30,
                now=clock.now(),
            )
            made[role] = plain
        session.commit()
    return made


class Api:
    def __init__(self, client: Any, tokens: dict[str, str]) -> None:
        self.client = client
        self.tokens = tokens

    def __call__(self, method: str, path: str, role: str | None = None, **kw: Any) -> Any:
        headers = dict(kw.pop("headers", {}))
        if role is not None:
            headers["Authorization"] = f"Bearer {self.tokens.get(role, role)}"
        return self.client.open("/api/v1" + path, method=method, headers=headers, **kw)

    def get(self, path: str, role: str | None = None, **kw: Any) -> Any:
        return self("GET", path, role, **kw)

    def post(self, path: str, role: str | None = None, **kw: Any) -> Any:
        return self("POST", path, role, **kw)


@pytest.fixture
def api(app, tokens) -> Api:  # type: ignore[no-untyped-def]
    return Api(app.test_client(), tokens)


ONE_DAY = timedelta(days=1)


def data_snapshot(conn: Any) -> dict[str, Any]:
    """Every table but the tokens' "last used" note, which any authenticated call may move."""
    from tests.security.helpers import snapshot

    tables = snapshot(conn)
    tables.pop("api_token", None)
    return tables
