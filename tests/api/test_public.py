"""Open data without a token: public ratings, blacklist editions, recommended units, bulk
files; and the OpenAPI document and its reference page. Never a name, number or phone."""

from __future__ import annotations

import csv
import io
import re

from rentals import clock
from rentals.incentives.models import BlacklistEdition
from tests import factories
from tests.inspections.helpers import all_answers


def _people_facts(world) -> list[str]:  # type: ignore[no-untyped-def]
    people = (world.landlord_a, world.landlord_b, world.tenant_a)
    return [p.name for p in people] + [p.id_number for p in people] + [p.phone[3:] for p in people]


def _rate_three_stars(api, code: str) -> None:  # type: ignore[no-untyped-def]
    answer = api.post(
        f"/units/{code}/inspections",
        "manager",
        json={
            "client_key": f"pub-{code}",
            "outcome": "completed",
            "expected_latest_id": 0,
            "answers": all_answers(),
        },
    )
    assert answer.status_code == 201


def test_public_answers_carry_no_personal_data(api, world):
    _rate_three_stars(api, world.unit_a.code)
    community = world.area_a.community_id
    for path in (
        f"/public/units/{world.unit_a.code}",
        f"/public/communities/{community}/ratings",
        "/public/communities",
        "/public/recommended",
        "/public/blacklist",
        "/public/ratings.json",
        "/public/ratings.csv",
    ):
        answer = api.get(path)
        assert answer.status_code == 200, path
        assert answer.headers["Cache-Control"].startswith("public"), path
        text = answer.get_data(as_text=True)
        for fact in _people_facts(world):
            assert fact not in text, (path, fact)


def test_a_units_public_rating_and_the_recommended_list(api, world):
    assert (
        api.get(f"/public/units/{world.unit_a.code}").get_json()["rating_status"] == "not_yet_rated"
    )
    _rate_three_stars(api, world.unit_a.code)
    unit = api.get(f"/public/units/{world.unit_a.code.lower()}").get_json()
    assert (unit["rating_status"], unit["stars"], unit["area"]) == ("three", 3, "甲区")
    listed = api.get("/public/recommended").get_json()
    assert [u["code"] for u in listed["items"]] == [world.unit_a.code]
    assert api.get("/public/units/NOPE").status_code == 404


def test_community_ratings_page_by_cursor_and_hide_withdrawn_units(app, api, session, world):
    with app.app_context():
        for n in range(4):
            factories.make_unit(session, world.area_a, code=f"PUB-{n}")
        factories.make_unit(session, world.area_a, code="PUB-GONE", status="withdrawn")
        session.commit()
    path = f"/public/communities/{world.area_a.community_id}/ratings?limit=2"
    seen, cursor = [], ""
    while True:
        body = api.get(path + (f"&cursor={cursor}" if cursor else "")).get_json()
        seen += [u["code"] for u in body["items"]]
        cursor = body["next_cursor"]
        if not cursor:
            break
    expected = sorted([world.unit_a.code, world.unit_b.code] + [f"PUB-{n}" for n in range(4)])
    assert seen == expected
    assert api.get("/public/communities/2147483647/ratings").status_code == 404


def test_the_bulk_files_hold_every_public_rating_once_and_agree(app, api, session, world):
    with app.app_context():
        hostile = factories.make_area(
            session, factories.make_community(session, "=社区"), "=HYPERLINK(1)"
        )
        factories.make_unit(session, hostile, code="EVIL-1")
        session.commit()
    as_json = api.get("/public/ratings.json").get_json()["items"]
    raw = api.get("/public/ratings.csv")
    assert raw.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(raw.get_data(as_text=True).lstrip("\ufeff"))))
    assert [r["code"] for r in rows] == [u["code"] for u in as_json]
    assert len({u["code"] for u in as_json}) == len(as_json) == 3
    evil = next(r for r in rows if r["code"] == "EVIL-1")
    assert evil["area"] == "'=HYPERLINK(1)" and evil["community"] == "'=社区"


def test_blacklist_editions_are_served_as_published(api, session, world):
    row = {
        "unit_code": world.unit_b.code,
        "address": "测试路",
        "area": "乙区",
        "rating_status": "one",
        "reasons": ["F1 灭火器"],
        "since": "2026-11-03",
    }
    session.add(BlacklistEdition(month="2026-11", data={"rows": [row]}, pdf=b"%PDF"))
    session.add(BlacklistEdition(month="2026-10", data={"rows": []}, pdf=b"%PDF"))
    session.commit()
    editions = api.get("/public/blacklist/editions").get_json()["items"]
    assert [(e["month"], e["units"]) for e in editions] == [("2026-11", 1), ("2026-10", 0)]
    one = api.get("/public/blacklist/editions/2026-11").get_json()
    assert one["rows"][0]["unit_code"] == world.unit_b.code
    for bad in ("2026-13", "2026-1", "abcd-ef", "2025-11", "2026-11x"):
        answer = api.get(f"/public/blacklist/editions/{bad}")
        assert answer.status_code == 404 and answer.get_json()["error"]["code"] == "not_found"
    today = api.get("/public/blacklist").get_json()
    assert today["date"] == clock.today().isoformat() and today["items"] == []


def test_the_openapi_document_describes_every_api_route(app, api):
    doc = api.get("/openapi.json").get_json()
    assert doc["openapi"].startswith("3.1")
    routes = {
        (re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.rule), method.lower())
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("api.") and rule.endpoint not in ("api.openapi", "api.docs")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    documented = {(path, method) for path, item in doc["paths"].items() for method in item}
    assert routes == documented
    for path, item in doc["paths"].items():
        for method, op in item.items():
            token = not path.startswith("/api/v1/public")
            assert bool(op.get("security")) == token, (path, method)
            if token:
                assert {"401", "429"} <= set(op["responses"]), (path, method)
            for status, answer in op["responses"].items():
                if status.startswith(("4", "5")):
                    ref = answer["content"]["application/json"]["schema"]["$ref"]
                    assert ref.endswith("/ErrorBody"), (path, method, status)


def test_the_reference_page_is_ours_with_no_script_and_no_cdn(api):
    page = api.get("/docs")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "<script" not in html
    assert not re.search(r"""(src|href)=["']https?://""", html)
    for path in ("/api/v1/units/{code}/inspections", "/api/v1/public/ratings.csv", "InspectionIn"):
        assert path in html
