"""Hypothesis drives every POST form the app renders: never a 500, and a refusal changes nothing.

Forms are found by rendering every GET page of the access matrix (tests/security/forms.py),
so a form added later is fuzzed without editing this file. Each form gets hostile unicode,
overlong strings, NULs, huge numbers and junk dates in every field, with a valid CSRF token.
"""

from __future__ import annotations

from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.security.forms import actor_for, discover_forms
from tests.security.helpers import connection_of, snapshot
from tests.security.html_scan import FormSpec
from tests.security.matrix import (
    csrf_token_for,
    own_context,
    rolled_back,
    routes,
    signed_in_client,
)
from tests.security.routes import EXPECTATIONS

EXAMPLES = 30
HOSTILE = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "%_\\",
    "\u202e\u200b\ufeff",
    "𝕏" * 50,
    "ཀྵ" * 40,
    "x" * 5000,
    "9" * 40,
    "-1",
    "1e309",
    "NaN",
    "²",
    "２０２６-０１-０１",
    "0000-00-00",
    "2026-02-30",
    "../../etc/passwd",
]
text = st.one_of(st.sampled_from(HOSTILE), st.text(max_size=300))
numbers = st.one_of(
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    text,
)
dates = st.one_of(st.dates(min_value=date(1, 1, 1)).map(date.isoformat), text)


def _field_strategy(kind: str, options: list[str]) -> st.SearchStrategy[str]:
    if kind == "select":
        return st.one_of(st.sampled_from(options or [""]), numbers)
    if kind in {"checkbox", "radio"}:
        return st.sampled_from(["y", "on", "", "0", "\x00"])
    if kind == "number":
        return numbers
    if kind == "date":
        return dates
    return text


def _form_strategy(form: FormSpec) -> st.SearchStrategy[dict[str, str]]:
    fields = {
        name: _field_strategy(f.kind, f.options)
        for name, f in form.fields.items()
        if name != "csrf_token" and f.kind not in {"submit", "button", "file"}
    }
    return st.fixed_dictionaries({}, optional=fields)


def _endpoint_of(app, path: str) -> str:  # type: ignore[no-untyped-def]
    adapter = app.url_map.bind("localhost")
    endpoint, _args = adapter.match(path, method="POST")
    return endpoint


def test_every_fuzzable_post_route_has_a_rendered_form(app, world, session):
    found = {_endpoint_of(app, action) for action in discover_forms(app, world, session)}
    missing = [
        rule.endpoint
        for rule in routes(app)
        if "POST" in (rule.methods or ())
        and EXPECTATIONS.get(rule.endpoint) is not None
        and EXPECTATIONS[rule.endpoint].fuzz
        and rule.endpoint not in found
    ]
    assert not missing, (
        f"no GET page renders a form posting to {missing}; render it on a page the matrix "
        "visits, or mark it Expect(..., fuzz=False) in tests/security/routes.py and say why"
    )


def test_hostile_input_never_crashes_and_refusals_change_nothing(app, world, session):
    forms = discover_forms(app, world, session)
    conn = connection_of(app)
    checked = []
    for action, form in sorted(forms.items()):
        endpoint = _endpoint_of(app, action)
        exp = EXPECTATIONS.get(endpoint)
        if exp is None or not exp.fuzz:
            continue
        client = signed_in_client(app, world, actor_for(exp))
        token = csrf_token_for(app, client)
        cookie = client.get_cookie("session")
        # Every example is rolled back, so each starts from the state after this sign-in:
        # one snapshot serves them all (a rollback that left something behind fails too).
        before = snapshot(conn)
        url = action + (f"?{form.query}" if form.query else "")

        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        )
        @given(data=_form_strategy(form))
        def fuzz(data: dict[str, str]) -> None:
            client.set_cookie("session", cookie.value)  # noqa: B023 - this form's client
            with rolled_back(app):
                with own_context(app):
                    response = client.post(url, data={**data, "csrf_token": token})  # noqa: B023
                assert response.status_code < 500, (url, data)  # noqa: B023
                if response.status_code >= 400:
                    assert snapshot(conn) == before, (url, response.status_code, data)  # noqa: B023

        fuzz()
        checked.append(endpoint)
    assert len(checked) >= 5, checked
