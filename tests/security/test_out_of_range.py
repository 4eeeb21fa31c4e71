"""Ids, dates and path parameters out of range answer 404 or 400 on both engines, never 500.

The route walk reads ``app.url_map``, so a route added later is covered without editing
this file. Bounds are written out here (not read from the app): ids up to 2**31 - 1
(PostgreSQL ``integer``), path segments up to 200 characters, dates 1900-01-01 to
2999-12-31.
"""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.exceptions import NotFound
from werkzeug.routing import BaseConverter, IntegerConverter, UnicodeConverter

from tests.security.matrix import (
    csrf_token_for,
    methods_of,
    own_context,
    routes,
    signed_in_client,
)
from tests.security.routes import ARGUMENTS

TOO_BIG = ("99999999999999999999", "2147483648", "9" * 400)
LARGEST_ID = 2_147_483_647
LONG = "a" * 5000
EARLIEST, LATEST = date(1900, 1, 1), date(2999, 12, 31)


def _url(rule, world, session, override) -> str:  # type: ignore[no-untyped-def]
    """The rule's path with every argument filled, ``override(name, converter)`` first."""
    values = {}
    for name in rule.arguments:
        value = override(name, rule._converters[name])
        if value is None:
            value = str(ARGUMENTS[name](world, session)) if name in ARGUMENTS else "x"
        values[name] = value
    # Built by hand: url_for would run the converters this test is checking.
    path = rule.rule
    for name, value in values.items():
        path = path.replace(f"<{name}>", value)
        for prefix in ("int:", "path:", "string:"):
            path = path.replace(f"<{prefix}{name}>", value)
    return path


def _walk(app, world, session, override, roles=("anonymous", "admin", "landlord_a")):  # type: ignore[no-untyped-def]
    """(url, method, role, status) for every rule whose URL ``override`` changed."""
    answers = []
    for role in roles:
        client = signed_in_client(app, world, role)
        token = csrf_token_for(app, client)
        for rule in routes(app):
            if not any(override(n, c) for n, c in rule._converters.items()):
                continue
            url = _url(rule, world, session, override)
            for method in methods_of(rule):
                with own_context(app):
                    response = client.open(url, method=method, data={"csrf_token": token})
                answers.append((url, method, role, response.status_code))
    return answers


@pytest.mark.parametrize("too_big", TOO_BIG)
def test_every_int_route_answers_404_to_an_id_out_of_range(app, world, session, too_big):
    def override(name: str, converter: BaseConverter) -> str | None:
        return too_big if isinstance(converter, IntegerConverter) else None

    answers = _walk(app, world, session, override)
    assert len({a[0] for a in answers}) >= 10, "the walk found too few <int:…> routes"
    wrong = [(url[:90], *rest) for url, *rest in answers if rest[-1] != 404]
    assert not wrong, "\n".join(map(str, wrong))


def test_every_string_route_answers_404_to_a_5000_character_segment(app, world, session):
    def override(name: str, converter: BaseConverter) -> str | None:
        return LONG if isinstance(converter, UnicodeConverter) else None

    answers = _walk(app, world, session, override)
    assert any("/print/jobs/" in a[0] for a in answers)
    wrong = [(url[:90], *rest) for url, *rest in answers if rest[-1] != 404]
    assert not wrong, "\n".join(map(str, wrong))


def test_the_largest_id_still_routes_and_one_more_does_not(app):
    adapter = app.url_map.bind("localhost")
    endpoint, values = adapter.match(f"/people/{LARGEST_ID}/edit")
    assert values == {"person_id": LARGEST_ID}
    with pytest.raises(NotFound):
        adapter.match(f"/people/{LARGEST_ID + 1}/edit")
    assert adapter.match("/p/" + "a" * 200)[1] == {"serial": "a" * 200}
    with pytest.raises(NotFound):
        adapter.match("/p/" + "a" * 201)


@pytest.mark.parametrize(
    "url",
    [
        "/tasks/board?week=9999-12-31",
        "/tasks/board?week=0001-01-01",
        "/tasks/workload?week=9999-12-31",
        "/tasks/workload?week=0001-01-01",
        "/audit?since=0001-01-01",
        "/audit?until=9999-12-31",
    ],
)
def test_dates_at_the_ends_of_the_calendar_answer_400_with_the_reason(login_as, url):
    client = login_as("manager")
    response = client.get(url)
    assert response.status_code == 400
    assert "超出可查询的范围（1900-01-01 至 2999-12-31）" in response.get_data(as_text=True)


def test_every_page_survives_out_of_range_dates_in_any_parameter(app, world, session):
    from tests.security.matrix import probe_all

    for day in ("0001-01-01", "9999-12-31", "1899-12-31", "3000-01-01"):
        names = ("week", "since", "until", "from", "to", "date", "month", "start", "end")
        probes, _ = probe_all(
            app,
            world,
            session,
            ("manager",),
            only_methods=frozenset({"GET"}),
            query=dict.fromkeys(names, day),
        )
        crashed = [f"{p.url} ?…={day}: {p.status}" for p in probes if p.status >= 500]
        assert not crashed, "\n".join(crashed)


def test_a_multipart_sign_in_with_a_nameless_part_is_a_400(client):
    body = (
        b"--XX\r\nContent-Disposition: form-data\r\n\r\nvalue\r\n"
        b'--XX\r\nContent-Disposition: form-data; name="username"\r\n\r\nadmin\r\n--XX--\r\n'
    )
    response = client.post("/login", data=body, content_type="multipart/form-data; boundary=XX")
    assert response.status_code == 400
    nameless_file = (
        b'--XX\r\nContent-Disposition: form-data; filename="a.png"\r\n\r\nPNG\r\n--XX--\r\n'
    )
    response = client.post(
        "/login", data=nameless_file, content_type="multipart/form-data; boundary=XX"
    )
    assert response.status_code == 400


SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def test_any_week_is_a_page_or_a_400(login_as):
    client = login_as("manager")

    @SETTINGS
    @given(day=st.dates(), page=st.sampled_from(["/tasks/board", "/tasks/workload"]))
    def check(day: date, page: str) -> None:
        response = client.get(page, query_string={"week": day.isoformat()})
        expected = 200 if EARLIEST <= day <= LATEST else 400
        assert response.status_code == expected, (day, response.status_code)

    check()


def test_any_audit_date_range_is_a_page_or_a_400(login_as):
    client = login_as("manager")

    @SETTINGS
    @given(since=st.dates(), until=st.dates())
    def check(since: date, until: date) -> None:
        query = {"since": since.isoformat(), "until": until.isoformat()}
        response = client.get("/audit", query_string=query)
        inside = all(EARLIEST <= d <= LATEST for d in (since, until))
        assert response.status_code == (200 if inside else 400), (since, until)

    check()
