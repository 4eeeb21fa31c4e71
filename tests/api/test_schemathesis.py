"""schemathesis against the OpenAPI document, in-process on the WSGI app, as every role.

For each operation and a few generated requests (valid and invalid), the request goes out
with each role's token and without one. A 500, an answer that breaks its documented
status, type or schema, or a body naming a unit outside the caller's scope fails the test.
Bounded: a handful of examples per operation, the whole file well under a minute.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from rentals import clock
from rentals.api import tokens as token_services
from tests import factories

#: Generated requests per operation (each sent as every role and without a token).
EXAMPLES = 4
ROLES = ("anonymous", "admin", "manager", "inspector_a", "inspector_b", "landlord_a", "landlord_b")
#: Units (by world key) each role may see; "c" is another community's unit.
SEES = {
    "admin": {"a", "b", "c"},
    "manager": {"a", "b"},
    "inspector_a": {"a"},
    "inspector_b": {"b"},
    "landlord_a": {"a"},
    "landlord_b": {"b"},
    "anonymous": set(),
}


@pytest.fixture
def fuzz_world(app, session, world):  # type: ignore[no-untyped-def]
    """world, another community's unit, a token per role, and the real ids to aim at."""
    from rentals.incentives.models import BlacklistEdition
    from rentals.ratings.services import ensure_default_scorecard

    app.config["API_RATE_LIMIT"] = "1000000 per minute"
    with app.app_context():
        other = factories.make_community(session, "别的社区")
        unit_c = factories.make_unit(session, factories.make_area(session, other, "丙区"))
        ensure_default_scorecard(session, today=clock.today())
        session.add(BlacklistEdition(month="2026-11", data={"rows": []}, pdf=b"%PDF-1.4\n"))
        tokens = {}
        for role in ROLES[1:]:
            _row, plain = token_services.create_token(
                session, actor=None, user=world.users[role], name="fuzz", days=2, now=clock.now()
            )
            tokens[role] = plain
        session.commit()
    codes = {"a": world.unit_a.code, "b": world.unit_b.code, "c": unit_c.code}
    people = [world.landlord_a, world.landlord_b, world.tenant_a]
    secrets = (
        [p.id_number for p in people] + [p.phone[3:] for p in people] + [p.name for p in people]
    )
    return {
        "tokens": tokens,
        "codes": codes,
        "secrets": secrets,
        "aim": {
            "code": list(codes.values()),
            "community_id": [world.area_a.community_id, other.id],
            "version": [1],
            "month": ["2026-11"],
        },
    }


def _codes_in(body: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(body, dict):
        for key, value in body.items():
            if key in ("code", "unit_code") and isinstance(value, str):
                found.add(value)
            else:
                found |= _codes_in(value)
    elif isinstance(body, list):
        for value in body:
            found |= _codes_in(value)
    return found


def test_the_api_as_every_role(app, fuzz_world):  # type: ignore[no-untyped-def]
    """schemathesis's own pytest loader does not run on pytest 9 (``Function._nodeid``), so
    the operations are walked here, each with its hypothesis strategy, bounded."""
    checked[0] = 0
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 20
    for operation in operations:
        # First, each read as a client would send it: real ids, no filters (generated
        # filters rarely match a row, and a leak needs rows to show).
        if operation.method.upper() == "GET":
            for path_parameters in _real_paths(operation.path, fuzz_world):
                _check_case(operation.Case(path_parameters=path_parameters, query={}), fuzz_world)
        check = given(case=operation.as_strategy())(
            settings(
                max_examples=EXAMPLES,
                deadline=None,
                derandomize=True,
                database=None,
                suppress_health_check=list(HealthCheck),
                phases=[Phase.explicit, Phase.generate],
            )(lambda case: _check_case(case, fuzz_world))
        )
        check()
    # The body checks below ran on real answers, not only on refusals.
    assert checked[0] > 100, checked


def _real_paths(path: str, fuzz_world: dict) -> list[dict[str, Any]]:  # type: ignore[type-arg]
    names = [n for n in fuzz_world["aim"] if "{" + n + "}" in path]
    if not names:
        return [{}]
    return [
        {n: fuzz_world["aim"][n][i % len(fuzz_world["aim"][n])] for n in names} for i in range(3)
    ]


checked = [0]


def _check_case(case: Any, fuzz_world: dict) -> None:  # type: ignore[type-arg]
    params = case.path_parameters or {}
    for name, real in fuzz_world["aim"].items():
        # Aim half the requests at real rows, so answers beyond 404 are checked too.
        if name in params and hash(str(params[name])) % 2 == 0:
            params[name] = real[hash(str(params[name])) % len(real)]
    public = case.path.startswith("/api/v1/public") or case.path in (
        "/api/v1/openapi.json",
        "/api/v1/docs",
    )
    visible_codes = {role: {fuzz_world["codes"][k] for k in SEES[role]} for role in ROLES}
    all_codes = set(fuzz_world["codes"].values())
    for role in ROLES:
        headers = {}
        if role != "anonymous":
            headers["Authorization"] = f"Bearer {fuzz_world['tokens'][role]}"
        # A body can be schema-valid and still break a rule the schema cannot state (every
        # item of the card in force answered, an area of the caller's own): writes may
        # refuse valid-looking data with a 4xx; reads may not.
        excluded = [positive_data_acceptance] if case.method in ("POST", "PATCH") else []
        response = case.call_and_validate(headers=headers, excluded_checks=excluded)
        assert response.status_code < 500
        ctype = response.headers.get("content-type") or [""]
        ctype = ctype[0] if isinstance(ctype, list) else ctype
        if response.status_code >= 300 or "json" not in ctype:
            continue
        checked[0] += 1
        text = response.text
        if public:
            for secret in fuzz_world["secrets"]:
                assert secret not in text, (case.path, role, secret)
            continue
        named = _codes_in(json.loads(text)) & all_codes
        assert named <= visible_codes[role], (case.method, case.path, role, named)
