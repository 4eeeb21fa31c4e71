"""The address plaque QR codes open: per community, falling back to the installation's;
issued plaques pointing at a loopback or private address are refused outside
development and tests."""

from __future__ import annotations

import pytest
from sqlalchemy import func
from sqlmodel import select

from rentals.printing import plaques
from rentals.printing.commands import print_group
from rentals.printing.models import Plaque
from rentals.register.models import Community
from tests.admin.helpers import post
from tests.conftest import csrf_token
from tests.printing.helpers import rate

#: Hand-made table: can a phone in the street open this address?
ADDRESSES = [
    ("http://127.0.0.1:5000", True),
    ("http://localhost:5000", True),
    ("http://LOCALHOST.", True),
    ("http://[::1]:8000", True),
    ("http://10.1.2.3", True),
    ("http://172.16.0.9", True),
    ("http://192.168.1.20:8080", True),
    ("http://169.254.10.10", True),
    ("http://0.0.0.0", True),
    ("http://printer.local", True),
    ("https://rentals.example.cn", False),
    ("https://8.8.8.8", False),
    ("http://172.32.0.1", False),
    ("https://lasa-rentals.gov.cn/qr", False),
]


@pytest.mark.parametrize(("url", "private"), ADDRESSES)
def test_private_addresses_are_recognised(url, private):
    assert plaques.is_private_address(url) is private


@pytest.fixture
def strict(app):  # type: ignore[no-untyped-def]
    """The app as in production: loopback and private addresses refused."""
    app.config["PLAQUE_PRIVATE_URL_OK"] = False
    app.config["PUBLIC_BASE_URL"] = "http://127.0.0.1:5000"
    return app


def _plaques(session) -> int:  # type: ignore[no-untyped-def]
    return session.scalar(select(func.count()).select_from(Plaque))


def test_the_cli_refuses_loopback_plaques_and_issues_nothing(strict, session, world, tmp_path):
    rate(session, world.unit_a, "two", 2)
    session.commit()
    out = tmp_path / "p.pdf"
    result = strict.test_cli_runner().invoke(print_group, ["plaques", "--out", str(out)])
    assert result.exit_code == 1
    assert "http://127.0.0.1:5000" in result.output and "RENTALS_PUBLIC_BASE_URL" in result.output
    assert not out.exists() and _plaques(session) == 0


def test_the_page_refuses_in_the_users_language_then_prints_with_a_public_address(
    strict, login_as, session, world
):
    rate(session, world.unit_a, "two", 2)
    session.commit()
    client = login_as("manager")
    token = csrf_token(client, "/print")
    data = {"csrf_token": token, "p-csrf_token": token, "p-area": "甲区", "p-size": "A5"}
    response = client.post("/print/plaques", data=data)
    assert response.status_code == 422
    assert "是本机或内网地址" in response.get_data(as_text=True)
    assert _plaques(session) == 0
    client.get("/print?lang=en")
    response = client.post("/print/plaques", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "cannot open" in page and "是本机" not in page
    # The manager sets the community's public address on the community page.
    community_id = world.area_a.community_id
    community = session.get(Community, community_id)
    response = post(
        client,
        f"/admin/communities/{community_id}/edit",
        {"name": community.name, "public_url": "https://lalu.example.cn/"},
    )
    assert response.status_code == 302
    response = client.post("/print/plaques", data=data)
    assert response.mimetype == "application/pdf"
    session.expire_all()
    plaque = session.exec(select(Plaque)).one()
    [source] = plaques.plaque_sources(session, [plaque], base_url="http://127.0.0.1:5000")
    assert source["qr_url"] == f"https://lalu.example.cn/p/{plaque.serial}"


def test_in_tests_and_development_a_loopback_address_prints(app, session, world, tmp_path):
    assert app.config["PLAQUE_PRIVATE_URL_OK"] is True
    rate(session, world.unit_a, "two", 2)
    session.commit()
    out = tmp_path / "p.pdf"
    result = app.test_cli_runner().invoke(print_group, ["plaques", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert _plaques(session) == 1


def test_a_developer_may_allow_a_loopback_address_explicitly(
    monkeypatch, engine, database_url, tmp_path
):
    """The production settings refuse; RENTALS_PLAQUE_PRIVATE_URL_OK=1 allows."""
    from rentals import create_app
    from rentals.config import Config

    monkeypatch.setenv("RENTALS_INSTANCE_PATH", str(tmp_path))
    settings = {"DATABASE_URL": database_url, "SECRET_KEY": "x" * 32, "CHECK_SCHEMA": False}
    monkeypatch.delenv("RENTALS_PLAQUE_PRIVATE_URL_OK", raising=False)
    assert create_app(settings, base=Config).config["PLAQUE_PRIVATE_URL_OK"] is False
    monkeypatch.setenv("RENTALS_PLAQUE_PRIVATE_URL_OK", "1")
    assert create_app(settings, base=Config).config["PLAQUE_PRIVATE_URL_OK"] is True
