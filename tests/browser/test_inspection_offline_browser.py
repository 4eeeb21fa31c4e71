"""Reopening a checklist with no network: the page comes from our service worker's cache
and the draft from localStorage; sent once when the network is back."""

from __future__ import annotations

from scoring import default_scorecard
from tests.browser.conftest import shot, sign_in

CARD = default_scorecard()
CODE = "ZX-S-010"

#: The worker's scope, or "none" when no worker is ready within 5 s (never hangs).
READY = """Promise.race([navigator.serviceWorker.ready.then(r => r.scope),
  new Promise(done => setTimeout(() => done('none'), 5000))])"""
#: Pages are kept per language under "?lang=..."; assets under their own address.
CACHED = """url => caches.open('rentals-inspect-v2')
  .then(c => c.match(url, {ignoreVary: true})).then(r => !!r)"""


def _until(page, expression: str, arg=None) -> None:  # type: ignore[no-untyped-def]
    """Poll an async page expression (wait_for_function does not await a promise)."""
    for _ in range(100):
        if page.evaluate(expression, arg):
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"never true: {expression}")


def _answer(page, codes):  # type: ignore[no-untyped-def]
    for code in codes:
        label = page.locator(f"label[for='a_{code}_met']")
        while not label.is_visible():
            page.locator(".step:not([hidden]) .step-buttons button.primary").click()
        label.click()


def _inspections_on_file(page, live_server) -> int:  # type: ignore[no-untyped-def]
    page.goto(f"{live_server}/units/{CODE}")
    return page.locator("#inspections li").count()


def test_checklist_reopened_offline_shows_the_draft_and_sends_it_once(page, live_server):
    sign_in(page, live_server, "police")
    page.wait_for_url("**/inspect")
    # The home page registers the worker; the checklist opened next goes through it.
    assert page.evaluate(READY) == live_server + "/"
    before = _inspections_on_file(page, live_server)
    url = f"{live_server}/units/{CODE}/inspect"
    page.goto(url)
    assert page.evaluate("!!navigator.serviceWorker.controller")
    codes = [item.code for item in CARD.items]
    half = len(codes) // 2
    _answer(page, codes[:half])
    page.wait_for_selector("#draft-status:has-text('已保存在手机上')")
    _until(page, CACHED, url + "?lang=zh")
    _until(page, CACHED, live_server + "/static/inspect.js")

    page.context.set_offline(True)
    response = page.reload()
    # The page came from the worker's cache, not from the server.
    assert response is not None and response.from_service_worker
    assert response.headers.get("x-served-by") == "sw-cache"
    assert page.locator("#checklist").count() == 1
    for c in codes[:half]:
        assert page.locator(f"#a_{c}_met").is_checked()
    for c in codes[half:]:
        assert not page.locator(f"#a_{c}_met").is_checked()
    shot(page, "inspect-08-reopened-offline")

    _answer(page, codes[half:])
    page.context.set_offline(False)
    while not page.locator("button.submit").is_visible():
        page.locator(".step:not([hidden]) .step-buttons button.primary").click()
    page.locator("button.submit").click()
    page.wait_for_url("**/inspections/*", timeout=15000)
    assert page.locator("#score").inner_text() == "100.0"
    shot(page, "inspect-09-sent-after-offline-reopen")
    assert _inspections_on_file(page, live_server) == before + 1
    # A second sync of the same draft (e.g. another tab) records nothing more.
    page.evaluate("window.dispatchEvent(new Event('online'))")
    assert _inspections_on_file(page, live_server) == before + 1
    # Signing out drops the cached checklist pages (they show addresses).
    page.evaluate("document.querySelector(\"form[action='/logout']\").submit()")
    page.wait_for_url("**/login**")
    _until(page, f"url => ({CACHED})(url).then(hit => !hit)", url + "?lang=zh")
