"""Finding every POST form the app renders, and a valid payload for each POST route.

Forms are discovered by rendering every GET page of the matrix (as the most privileged
role allowed) and reading the POST forms in it, so a form added later is found without
touching this file. ``VALID`` adds the few values a form's defaults cannot supply.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask

from tests import factories
from tests.security.html_scan import FormSpec, post_forms
from tests.security.matrix import build_url, own_context, routes, signed_in_client
from tests.security.routes import ANONYMOUS, EXPECTATIONS, ROLE_OF, Expect

#: Endpoint -> builder of form values (world) that make a submission succeed.
VALID: dict[str, Callable[[Any], dict[str, str]]] = {
    "auth.login": lambda w: {"username": w.users["manager"].username, "password": "x"},
    "auth.password": lambda w: {
        "current": factories.PASSWORD,
        "new": "new-pass-2026",
        "confirm": "new-pass-2026",
    },
    "register.person_new": lambda w: {
        "name": "新人",
        "id_number": factories.unique_id_number(),
        "phone": "13900001111",
    },
    "register.tenancy_new": lambda w: {
        "name": "新租户",
        "id_number": factories.unique_id_number(),
        "phone": "13900002222",
        "moved_in": "2026-03-01",
    },
    "register.tenancy_end": lambda w: {"moved_out": "2026-06-30"},
    "register.unit_new": lambda w: {
        "code": "NEW-001",
        "area_id": str(w.area_a.id),
        "address": "新路1号",
        "rooms": "2",
    },
}


def actor_for(exp: Expect) -> str:
    """The matrix role that may use a route on unit_a's file (anonymous for public ones)."""
    if exp.public:
        return ANONYMOUS
    for role in ("admin", "manager", "inspector_a", "landlord_a"):
        if ROLE_OF[role] in (exp.roles or ()):
            return role
    raise AssertionError("no role may use this route")


def discover_forms(app: Flask, world: Any, session: Any) -> dict[str, FormSpec]:
    """Action path -> the form posting to it, from every GET page the matrix knows."""
    found: dict[str, FormSpec] = {}
    clients: dict[str, Any] = {}
    for rule in routes(app):
        exp = EXPECTATIONS.get(rule.endpoint)
        if exp is None or "GET" not in (rule.methods or ()) or rule.endpoint == "static":
            continue
        for role in dict.fromkeys(("manager", actor_for(exp))):
            if role != ANONYMOUS and exp.roles and ROLE_OF[role] not in exp.roles:
                continue
            if role not in clients:
                clients[role] = signed_in_client(app, world, role)
            url = build_url(app, rule, world, session)
            with own_context(app):
                response = clients[role].get(url)
            if response.status_code != 200 or response.mimetype != "text/html":
                continue
            for form in post_forms(response.get_data(as_text=True), url):
                # The richest rendering wins (a form with more fields).
                if len(form.fields) > len(found.get(form.action, FormSpec("", "")).fields):
                    found[form.action] = form
    return found


def payload(endpoint: str, form: FormSpec | None, world: Any) -> dict[str, str]:
    data = form.defaults() if form else {}
    data.pop("csrf_token", None)
    data.update(VALID.get(endpoint, lambda w: {})(world))
    return data
