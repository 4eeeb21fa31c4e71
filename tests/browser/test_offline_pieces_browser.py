"""Pieces of the day offline (issue 15): the manifest, our own offline page, a checklist
opened offline without ?task=, and drafts that belong to the inspector who made them."""

from __future__ import annotations

import json
import urllib.request

from playwright.sync_api import expect

from scoring import default_scorecard
from tests.browser.conftest import shot, sign_in

CODES = [item.code for item in default_scorecard().items]


def _sign_out(page) -> None:  # type: ignore[no-untyped-def]
    page.evaluate("document.querySelector(\"form[action='/logout']\").submit()")
    page.wait_for_url("**/login**")


def test_the_manifest_opens_the_app_standalone_from_its_start_url(live_server):
    with urllib.request.urlopen(live_server + "/static/manifest.webmanifest") as answer:
        manifest = json.loads(answer.read())
    assert manifest["start_url"] == "/" and manifest["display"] == "standalone"
    assert manifest["name"] and manifest["short_name"]
    for icon in manifest["icons"]:
        with urllib.request.urlopen(live_server + icon["src"]) as answer:
            assert answer.status == 200 and answer.headers["Content-Type"].startswith("image/")
    with urllib.request.urlopen(live_server + "/login") as answer:
        assert 'rel="manifest"' in answer.read().decode()


def test_offline_a_page_not_kept_shows_our_page_and_a_checklist_opens_without_task(
    page, live_server
):
    sign_in(page, live_server, "police")
    page.wait_for_url("**/inspect")
    page.wait_for_selector("#offline-ready:not([hidden])", timeout=90000)
    href = page.locator("#due a.due-link").first.get_attribute("href")
    code = href.split("/")[2]
    page.context.set_offline(True)
    # The register list is not among the day's pages: our offline page, in our language.
    page.goto(live_server + "/units?page=2")
    expect(page.locator("#offline-page")).to_be_visible()
    assert page.locator("html").get_attribute("lang") == "zh-Hans"
    shot(page, "offline-01-not-kept")
    # The checklist opened from a link without ?task= (an old bookmark) is found offline.
    page.goto(f"{live_server}/units/{code}/inspect")
    assert page.locator("#checklist").count() == 1
    assert page.locator("#checklist").get_attribute("data-unit") == code
    # And the unit's file is kept too.
    page.goto(f"{live_server}/units/{code}")
    assert page.locator("#offline-page").count() == 0
    assert code in page.locator("h1").inner_text()
    page.context.set_offline(False)


def test_a_second_inspector_on_the_same_phone_never_sees_the_first_ones_draft(page, live_server):
    sign_in(page, live_server, "police")
    page.wait_for_url("**/inspect")
    page.wait_for_selector("#offline-ready:not([hidden])", timeout=90000)
    href = page.locator("#due a.due-link").nth(1).get_attribute("href")
    page.goto(live_server + href)
    for code in CODES[:3]:
        page.locator(f"label[for='a_{code}_not_met']").click()
    page.wait_for_selector("#draft-status:has-text('已保存在手机上')")
    _sign_out(page)

    sign_in(page, live_server, "manager")
    page.wait_for_url(lambda url: "/login" not in url)
    page.goto(live_server + href)
    page.wait_for_selector("#checklist")
    page.wait_for_timeout(500)  # restore() would have run by now
    for code in CODES[:3]:
        assert not page.locator(f"#a_{code}_not_met").is_checked()
    assert page.locator("#draft-status").inner_text() == ""
    expect(page.locator("#sync-bar")).to_be_hidden()
    _sign_out(page)

    # The first inspector's draft is still there for them.
    sign_in(page, live_server, "police")
    page.wait_for_url("**/inspect")
    page.goto(live_server + href)
    page.wait_for_function(f"() => document.getElementById('a_{CODES[2]}_not_met').checked")
    # Failed items show their panel; a met one does not.
    expect(page.locator(f"#more-{CODES[0]}")).to_be_visible()
    expect(page.locator(f"#more-{CODES[5]}")).to_be_hidden()
