"""Public pages: no login, no personal data, bilingual, cacheable, rate-limited; plaques
that were retired warn, and a contested rating shows as under review."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from rentals import clock
from rentals.incentives.blacklist import notify_blacklist
from rentals.portal import services
from rentals.printing.plaques import issue_plaques
from rentals.ratings.contests import file_contest
from rentals.register.demo import seed
from rentals.register.models import Person, Unit
from rentals.templating import mask_id_number, mask_phone
from tests.portal.helpers import ONE_STAR, TWO_STAR, rate

#: The pages read the real clock, so the demo's dates are set relative to it.
NOW = datetime.now(UTC)

TIBETAN = re.compile("[\u0f00-\u0fff]")


@pytest.fixture
def demo(app, session):  # type: ignore[no-untyped-def]
    """The seeded demo community with ratings, a notice, a contest, a reply and plaques."""
    from rentals.auth.models import User

    with app.app_context():
        seed(session, today=NOW.date())
        units = list(session.exec(select(Unit).order_by(Unit.code)))
        landlord_user = session.exec(select(User).where(User.role == "landlord")).one()
        for unit in units[:20]:
            rate(session, unit, now=NOW)
        for unit in units[20:40]:
            rate(session, unit, failed=TWO_STAR, now=NOW)
        listed, contested = units[40], units[41]
        rate(session, listed, failed=ONE_STAR, now=NOW - timedelta(days=40))
        notify_blacklist(session, actor=None, unit=listed, now=NOW - timedelta(days=40))
        own = session.exec(select(Unit).where(Unit.landlord_id == landlord_user.person_id)).first()
        rate(session, own, failed=TWO_STAR, now=NOW)
        file_contest(session, actor=landlord_user, unit=own, reason="已经整改完毕，请复核", now=NOW)
        services.post_reply(session, actor=landlord_user, unit=own, text="欢迎监督", now=NOW)
        plaques = issue_plaques(session, actor=None, units=units[:3], now=NOW)
        reissued = issue_plaques(session, actor=None, units=units[:1], now=NOW)
        session.commit()
    return {
        "three": units[0].code,
        "listed": listed.code,
        "contested": own.code,
        "retired": plaques[0].serial,
        "current": reissued[0].serial,
        "serials": [p.serial for p in plaques + reissued],
        "codes": [u.code for u in units[:2]] + [listed.code, own.code, contested.code],
    }


def _public_urls(app, demo):  # type: ignore[no-untyped-def]
    urls = []
    for rule in app.url_map.iter_rules():
        if not (rule.endpoint.startswith("public.") or rule.endpoint == "printing.plaque_check"):
            continue
        if "serial" in rule.arguments:
            urls += [rule.rule.replace("<serial>", s) for s in demo["serials"]]
        elif "code" in rule.arguments:
            urls += [rule.rule.replace("<code>", c) for c in demo["codes"]]
        else:
            urls.append(rule.rule)
    urls += [f"/public/search?code={c}" for c in demo["codes"]]
    urls += ["/public/recommended?page=1", "/public/recommended?lang=bo"]
    return urls


def _personal_strings(session):  # type: ignore[no-untyped-def]
    """Every identity number, phone (all spellings, masked too) and name of the demo."""
    found = set()
    for person in session.exec(select(Person)):
        if person.id_number:
            found |= {person.id_number, mask_id_number(person.id_number)}
        if person.phone:
            local = person.phone.removeprefix("+86")
            found |= {
                person.phone,
                local,
                mask_phone(person.phone),
                f"{local[:3]} {local[3:7]} {local[7:]}",
                f"{local[:3]}-{local[3:7]}-{local[7:]}",
            }
        found.add(person.name)
    return found


def test_no_public_page_shows_personal_data(app, session, demo):
    client = app.test_client()
    secrets = _personal_strings(session)
    assert len(secrets) > 500
    urls = _public_urls(app, demo)
    assert any(u.startswith("/p/") for u in urls) and "/public/blacklist" in urls
    for url in urls:
        response = client.get(url, follow_redirects=True)
        assert response.status_code == 200, url
        html = response.get_data(as_text=True)
        leaked = sorted(s for s in secrets if s in html)
        assert not leaked, f"{url} shows {leaked[:5]}"
        assert TIBETAN.search(html), f"{url} has no Tibetan"
        for phone_like in re.findall(r"1[3-9]\d[\s\-*]?\d{4}[\s\-]?\d{4}|1[3-9]\d\*{4}\d{4}", html):
            pytest.fail(f"{url} shows something like a phone: {phone_like}")


def test_blacklist_lists_the_notified_unit_with_its_period(app, session, demo):
    html = app.test_client().get("/public/blacklist").get_data(as_text=True)
    assert demo["listed"] in html
    notified = clock.local_date(NOW - timedelta(days=40))
    since = (notified + timedelta(days=21)).isoformat()
    assert since in html


def test_recommended_shows_three_star_units_with_area_and_type(app, session, demo):
    html = app.test_client().get("/public/recommended").get_data(as_text=True)
    assert demo["three"] in html and demo["listed"] not in html
    assert "南区" in html or "北区" in html
    three = session.exec(select(Unit).where(Unit.rating_status == "three")).all()
    assert f"共 {len(three)} 户" in html and len(three) >= 20


def test_a_contested_rating_shows_as_under_review(app, session, demo):
    client = app.test_client()
    html = client.get(f"/public/units/{demo['contested']}").get_data(as_text=True)
    assert "复核中" in html and "བསྐྱར་ཞིབ་བྱེད་བཞིན་པ།" in html
    assert "欢迎监督" in html  # the landlord's reply beside the rating


def test_a_retired_plaque_warns(app, session, demo):
    client = app.test_client()
    retired = client.get(f"/p/{demo['retired']}").get_data(as_text=True)
    assert "此牌已作废" in retired
    current = client.get(f"/p/{demo['current']}").get_data(as_text=True)
    assert "此牌有效" in current


def test_search_by_code_and_unknown_code(app, session, demo):
    client = app.test_client()
    found = client.get(f"/public/search?code={demo['three'].lower()}")
    assert found.status_code == 302 and found.headers["Location"].endswith(demo["three"])
    missing = client.get("/public/search?code=NOPE-1")
    assert "没有这个编号的出租房" in missing.get_data(as_text=True)
    assert client.get("/public/units/NOPE-1").status_code == 404


def test_public_pages_are_cacheable_and_need_no_login(app, session, demo):
    response = app.test_client().get("/public/recommended")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "public, max-age=300"
    assert "Accept-Language" in response.headers["Vary"]


def test_public_pages_are_rate_limited(app, session, world):
    app.config["PUBLIC_RATE_LIMIT"] = "3 per minute"
    client = app.test_client()
    codes = [client.get("/public/blacklist").status_code for _ in range(5)]
    assert codes[:3] == [200, 200, 200] and codes[3:] == [429, 429]


def test_plaque_check_is_rate_limited(client, app):
    app.config["PUBLIC_RATE_LIMIT"] = "3 per minute"
    answers = [client.get("/p/NOSUCHSERIAL").status_code for _ in range(5)]
    assert answers[:3] == [404, 404, 404] and answers[-1] == 429


@pytest.mark.parametrize("page", ["unit", "index", "blacklist", "recommended"])
def test_a_page_read_in_tibetan_says_each_label_once(app, session, demo, page):
    """Bilingual pages add a Tibetan line beside the Chinese; rendered in Tibetan, the
    translated label alone remains (区域 was shown as ས་ཁུལ། ས་ཁུལ།)."""
    url = {
        "unit": f"/public/units/{demo['three']}",
        "index": "/public/",
        "blacklist": "/public/blacklist",
        "recommended": "/public/recommended",
    }[page]
    client = app.test_client()
    chinese = client.get(url, headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    tibetan = client.get(url + "?lang=bo").get_data(as_text=True)
    main = tibetan[tibetan.index("<main") : tibetan.index("</main>")]
    assert '<html lang="bo"' in tibetan and TIBETAN.search(main)
    assert 'lang="bo"' in chinese  # the side-by-side Tibetan stays for Chinese readers
    from rentals.register.models import Area

    area_names = {a.name_bo for a in session.exec(select(Area)) if a.name_bo}
    echoed = re.findall(r'lang="bo"[^>]*>([^<]*)<', main)
    assert [e for e in echoed if e not in area_names] == []  # Tibetan is not said twice
    if page == "unit":
        assert main.count("ས་ཁུལ།") == 1  # 区域, the label worked from the catalogue
