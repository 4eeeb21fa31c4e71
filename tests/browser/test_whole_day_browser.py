"""A whole day at the doors on a 360×740 phone (issue 15).

Online in the morning the inspector opens the app (the day's pages are kept: "today's
route is ready offline"); then the network goes. From the start URL, five due units are
inspected offline: one all met, one refused, one with three failed items, two photos and
chosen deadlines, one switched to Tibetan half-way, one all met. The browser is closed and
reopened between visits (a persistent profile keeps the worker, the cache and IndexedDB).
Back online, the five visits are recorded once each with every answer and photo.

Taps are counted from the due task on the home page to the submit button.
"""

from __future__ import annotations

import io
import json
import sqlite3

from PIL import Image
from playwright.sync_api import expect

from scoring import default_scorecard
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, INSTANCES, shot, sign_in

CARD = default_scorecard()
CODES = [item.code for item in CARD.items]
NEXT = ".step:not([hidden]) .step-buttons button.primary"
FAILED = CODES[:3]
STEP_TOP = "() => document.querySelector('.step:not([hidden])').getBoundingClientRect().top"


def _jpeg(path, colour):  # type: ignore[no-untyped-def]
    buf = io.BytesIO()
    Image.new("RGB", (640, 480), colour).save(buf, "JPEG")
    path.write_bytes(buf.getvalue())
    return str(path)


class Phone:
    """The inspector's phone: one browser profile, closed and reopened at will."""

    def __init__(self, playwright, profile, base):  # type: ignore[no-untyped-def]
        self.playwright, self.profile, self.base = playwright, str(profile), base
        self.context = None
        self.taps = 0

    def open(self, offline: bool):  # type: ignore[no-untyped-def]
        self.context = self.playwright.chromium.launch_persistent_context(
            self.profile,
            executable_path=CHROMIUM,
            args=CHROMIUM_ARGS,
            viewport={"width": 360, "height": 740},
            locale="zh-CN",
            device_scale_factor=1,
        )
        self.context.set_offline(offline)
        page = self.context.pages[0] if self.context.pages else self.context.new_page()
        return page

    def close(self) -> None:
        self.context.close()

    def tap(self, page, selector: str) -> None:  # type: ignore[no-untyped-def]
        page.locator(selector).first.click()
        self.taps += 1


def _answer(phone, page, answers):  # type: ignore[no-untyped-def]
    """Answer each item (code -> value), tapping 下一步 whenever its step is hidden."""
    for code, value in answers:
        label = page.locator(f"label[for='a_{code}_{value}']")
        while not label.is_visible():
            phone.tap(page, NEXT)
            # Each step starts at its first item: the step's heading at the top of the
            # screen, no page head to scroll past.
            top = page.evaluate(STEP_TOP)
            assert -1 <= top <= 60, top
        phone.tap(page, f"label[for='a_{code}_{value}']")


def _submit(phone, page):  # type: ignore[no-untyped-def]
    while not page.locator("button.submit").is_visible():
        phone.tap(page, NEXT)
    phone.tap(page, "button.submit")
    _wait_queued(page)


#: The "queued" status in the page's language (the texts inspect.js is given).
QUEUED = """() => document.getElementById('draft-status').textContent ===
  JSON.parse(document.getElementById('i18n').dataset.texts).queued"""
#: Drafts of the signed-in user still waiting in IndexedDB (a promise).
WAITING = """() => new Promise(done => {
  const req = indexedDB.open('rentals-photos', 2);
  req.onsuccess = () => {
    const all = req.result.transaction('drafts').objectStore('drafts').getAll();
    all.onsuccess = () => done(all.result.filter(d => d.status === 'queued').length);
  };
})"""


def _wait_queued(page):  # type: ignore[no-untyped-def]
    page.wait_for_function(QUEUED, timeout=15000)


def _sync_bar(page) -> str:  # type: ignore[no-untyped-def]
    bar = page.locator("#sync-bar")
    bar.wait_for(state="visible")
    box = bar.bounding_box()
    # Fixed at the bottom of the screen, whatever the scroll position.
    assert box is not None and box["y"] + box["height"] <= 740 + 1 and box["y"] >= 740 - 120
    return page.locator("#sync-count").inner_text()


def _open_due(phone, page, href):  # type: ignore[no-untyped-def]
    page.goto(phone.base + "/")
    page.wait_for_selector("#due")
    phone.tap(page, f"#due a.due-link[href='{href}']")
    page.wait_for_selector("#checklist")
    page.wait_for_selector("#draft-status", state="attached")


def test_a_whole_day_offline(playwright, live_server, tmp_path):
    phone = Phone(playwright, tmp_path / "profile", live_server)
    page = phone.open(offline=False)
    sign_in(page, live_server, "police")
    page.wait_for_url("**/inspect")
    hrefs = page.eval_on_selector_all(
        "#due a.due-link", "els => els.map(e => e.getAttribute('href'))"
    )
    assert len(hrefs) >= 5, hrefs
    hrefs = hrefs[:5]
    units = [h.split("/")[2] for h in hrefs]
    before = {}
    for code in units:
        page.goto(f"{live_server}/units/{code}")
        before[code] = page.locator("#inspections li").count()
    page.goto(live_server + "/inspect")
    page.wait_for_selector("#offline-ready:not([hidden])", timeout=90000)
    expect(page.locator("#sync-bar")).to_be_visible()
    shot(page, "day-01-ready-offline")
    phone.close()

    photos = [_jpeg(tmp_path / f"p{i}.jpg", (40 * i, 90, 140)) for i in range(2)]
    taps = {}
    for n, (code, href) in enumerate(zip(units, hrefs, strict=True)):
        page = phone.open(offline=True)
        phone.taps = 0
        _open_due(phone, page, href)
        # Every failed item's panel: visible only for 不符合, 严重隐患 never pre-ticked.
        assert page.locator("#checklist input[name^='s_']:checked").count() == 0
        if n == 1:  # refused: the reason and the confirmation appear only now
            expect(page.locator("#refusal")).to_be_hidden()
            phone.tap(page, "label[for='outcome-refused']")
            expect(page.locator("#refusal")).to_be_visible()
            phone.tap(page, "#refusal_reason")
            page.keyboard.type("房东不在，家属拒绝开门")
            phone.tap(page, "label[for='refusal_confirm']")
            phone.tap(page, ".steps-nav a[href='#cat-end']")
            phone.tap(page, "button.submit")
            _wait_queued(page)
        elif n == 2:  # three failed items, two photos, chosen deadlines
            for i, code_f in enumerate(FAILED):
                phone.tap(page, f"label[for='a_{code_f}_not_met']")
                expect(page.locator(f"#more-{code_f}")).to_be_visible()
                expect(page.locator(f"#d_{code_f}-help")).to_be_visible()
                if i < 2:
                    page.set_input_files(f"#p_{code_f}", photos[i])
                    phone.taps += 1
                phone.tap(page, f"#more-{code_f} .deadline-picks button[data-days='15']")
            assert page.locator(f"#more-{FAILED[0]} img.thumb").count() == 1
            _answer(phone, page, [(c, "met") for c in CODES if c not in FAILED])
            expect(page.locator(f"#more-{CODES[5]}")).to_be_hidden()
            shot(page, "day-03-three-failed")
            _submit(phone, page)
        elif n == 3:  # switched to Tibetan half-way
            half = len(CODES) // 2
            _answer(phone, page, [(c, "met") for c in CODES[:half]])
            page.wait_for_selector("#draft-status:has-text('已保存在手机上')")
            page.locator(".langs a[lang='bo']").click()
            page.wait_for_selector("html[lang='bo']")
            assert "task=" in page.url
            page.wait_for_function(
                f"() => document.getElementById('a_{CODES[half - 1]}_met').checked"
            )
            for c in CODES[:half]:
                assert page.locator(f"#a_{c}_met").is_checked(), c
            assert page.locator(NEXT).first.inner_text() == "གོམ་པ་རྗེས་མ།"
            _answer(phone, page, [(c, "met") for c in CODES[half:]])
            _submit(phone, page)
            shot(page, "day-04-tibetan-queued")
        else:
            _answer(phone, page, [(c, "met") for c in CODES])
            _submit(phone, page)
        taps[code] = phone.taps
        text = _sync_bar(page)
        assert str(n + 1) in text, text
        phone.close()
    print(f"\nTAPS due task -> submitted: {taps}")
    assert taps[units[0]] <= 24 and taps[units[4]] <= 24
    assert taps[units[2]] <= 34

    # Back online: everything syncs once.
    page = phone.open(offline=False)
    page.goto(live_server + "/inspect")
    for _ in range(300):
        if page.evaluate(WAITING) == 0:
            break
        page.wait_for_timeout(200)
    assert page.evaluate(WAITING) == 0
    page.wait_for_function("() => document.getElementById('sync-count').textContent === ''")
    shot(page, "day-05-synced")
    for n, code in enumerate(units):
        page.goto(f"{live_server}/units/{code}")
        assert page.locator("#inspections li").count() == before[code] + 1, code
        page.locator("#inspections li a").first.click()
        page.wait_for_url("**/inspections/*")
        if n == 2:
            assert page.locator("#photos img").count() == 2
        if n in (0, 3, 4):
            assert page.locator("#score").inner_text() == "100.0"
        if n == 1:  # the refusal: explained, no item list
            expect(page.locator("#result #refusal")).to_be_visible()
            assert page.locator("#answers").count() == 0
    # Read in the server's own database: the refusal is a visit with no item answers.
    with sqlite3.connect(INSTANCES[live_server] / "rentals.db") as conn:
        rows = conn.execute(
            "SELECT i.outcome, i.answers FROM inspection i JOIN unit u ON u.id = i.unit_id"
            " WHERE u.code = ? ORDER BY i.id DESC LIMIT 1",
            (units[1],),
        ).fetchall()
    assert [(outcome, json.loads(answers or "{}")) for outcome, answers in rows] == [
        ("refused", {})
    ]
    # A second sync (another "online" event) records nothing more.
    page.goto(live_server + "/inspect")
    page.evaluate("window.dispatchEvent(new Event('online'))")
    page.wait_for_timeout(1500)
    for code in units:
        page.goto(f"{live_server}/units/{code}")
        assert page.locator("#inspections li").count() == before[code] + 1, code
    phone.close()
