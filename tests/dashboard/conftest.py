"""The dashboard tests' worlds: the seeded community of ``seed.py`` on its fixed day."""

from __future__ import annotations

import pytest

from rentals.auth.models import Role
from tests import factories
from tests.dashboard import seed as seeding


@pytest.fixture
def seeded(app, session, monkeypatch):  # type: ignore[no-untyped-def]
    with app.app_context():
        data = seeding.seed(session)
        session.commit()
    monkeypatch.setattr("rentals.dashboard.queries.today", lambda: seeding.TODAY)
    return data


@pytest.fixture
def world(app, session, monkeypatch):  # type: ignore[no-untyped-def]
    with app.app_context():
        data = seeding.seed(session)
        admin = factories.make_user(session, Role.ADMIN)
        session.commit()
    clock = {"today": seeding.TODAY}
    monkeypatch.setattr("rentals.dashboard.queries.today", lambda: clock["today"])
    return data, admin, clock
