"""Posting administration forms the way a browser does (token from the page itself)."""

from __future__ import annotations

import re
from typing import Any

from flask.testing import FlaskClient

from tests.conftest import csrf_token

PASSWORD_RE = re.compile(r'id="one-time-password"[^>]*>([^<]+)<')
LOGIN_RE = re.compile(r'<dd id="login">([^<]+)</dd>')


def post(client: FlaskClient, path: str, data: dict[str, Any], page: str | None = None) -> Any:
    token = csrf_token(client, page or path)
    return client.post(path, data={**data, "csrf_token": token})


def one_time_password(html: str) -> str:
    match = PASSWORD_RE.search(html)
    assert match, html[-2000:]
    return match.group(1)


def options(html: str, name: str) -> dict[str, str]:
    """label -> value of the checkboxes or select options named ``name``."""
    found = {}
    for value, label in re.findall(
        rf'name="{name}" type="checkbox" value="(\d+)"[^>]*>\s*<label for="[^"]+">([^<]+)</label>',
        html,
    ):
        found[label.strip()] = value
    select = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', html, re.S)
    if select:
        for value, label in re.findall(
            r'<option[^>]*value="([^"]*)"[^>]*>([^<]*)</option>', select.group(1)
        ):
            found[label.strip()] = value
    return found
