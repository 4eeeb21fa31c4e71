"""An inspector on a 360-pixel phone: a whole visit, then the same with the network cut.

Taps are counted from the inspector's home page to the submitted inspection (typing in the
search box is not a tap); the figure is printed for the report.
"""

from __future__ import annotations

import io

from PIL import Image

from scoring import default_scorecard
from tests.browser.conftest import shot, sign_in

CARD = default_scorecard()


def _jpeg() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (320, 240), (180, 40, 40)).save(buf, "JPEG")
    return buf.getvalue()


class Taps:
    def __init__(self, page):  # type: ignore[no-untyped-def]
        self.page, self.count, self.screens = page, 0, 1

    def tap(self, selector: str) -> None:
        self.page.locator(selector).first.click()
        self.count += 1


def _open_unit(page, live_server, taps, code):  # type: ignore[no-untyped-def]
    page.wait_for_url("**/inspect")
    due = page.locator(f"#due a.due-link[href*='/units/{code}/']")
    if due.count():
        due.first.click()
        taps.count += 1
    else:
        page.fill("#q", code)
        taps.tap("form.search button")
        taps.screens += 1
        taps.tap(f"a.due-link[href^='/units/{code}/inspect']")
    page.wait_for_url(f"**/units/{code}/inspect**")
    taps.screens += 1


def _answer(page, taps, codes):  # type: ignore[no-untyped-def]
    """Answer ``codes`` met, stepping through categories as the steps require."""
    for code in codes:
        label = page.locator(f"label[for='a_{code}_met']")
        while not label.is_visible():
            taps.tap(".step:not([hidden]) .step-buttons button.primary")
            taps.screens += 1
        label.click()
        taps.count += 1


def _inspections_on_file(page, live_server, code) -> int:  # type: ignore[no-untyped-def]
    page.goto(f"{live_server}/units/{code}")
    return page.locator("#inspections li").count()


def test_inspector_records_a_visit_with_a_photo(page, live_server, tmp_path):
    sign_in(page, live_server, "police")
    taps = Taps(page)
    shot(page, "inspect-01-home")
    _open_unit(page, live_server, taps, "ZX-S-002")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    # Every answer button is a big touch target.
    box = page.locator("label[for='a_F1_met']").bounding_box()
    assert box["height"] >= 44
    shot(page, "inspect-02-checklist")
    codes = [item.code for item in CARD.items]
    _answer(page, taps, codes)
    photo = tmp_path / "hazard.jpg"
    photo.write_bytes(_jpeg())
    while not page.locator("#p_visit").is_visible():
        taps.tap(".step:not([hidden]) .step-buttons button.primary")
        taps.screens += 1
    page.set_input_files("#p_visit", str(photo))
    page.wait_for_selector("#draft-status:has-text('照片已上传')")
    shot(page, "inspect-03-answered")
    taps.tap("button.submit")
    page.wait_for_url("**/inspections/*")
    taps.screens += 1
    assert page.locator("#score").inner_text() == "100.0"
    assert page.locator("#photos img").count() == 1
    shot(page, "inspect-04-result")
    print(f"\nTAPS home->submitted: {taps.count} for {len(codes)} items; screens: {taps.screens}")
    assert taps.count <= len(codes) + 10


def test_network_cut_halfway_keeps_the_draft_and_sends_it_once(page, live_server):
    code = "ZX-S-003"
    sign_in(page, live_server, "police")
    before = _inspections_on_file(page, live_server, code)
    page.goto(live_server + "/inspect")
    taps = Taps(page)
    _open_unit(page, live_server, taps, code)
    codes = [item.code for item in CARD.items]
    half = len(codes) // 2
    _answer(page, taps, codes[:half])
    page.wait_for_selector("#draft-status:has-text('已保存在手机上')")
    # The draft survives a reload (closed tab, restarted phone).
    page.reload()
    for c in codes[:half]:
        assert page.locator(f"#a_{c}_met").is_checked()
    shot(page, "inspect-05-restored")
    page.context.set_offline(True)
    # After the reload the steps start again at the first category.
    _answer(page, Taps(page), codes[half:])
    while not page.locator("button.submit").is_visible():
        page.locator(".step:not([hidden]) .step-buttons button.primary").click()
    page.locator("button.submit").click()
    page.wait_for_selector("#draft-status:has-text('联网后自动提交')")
    shot(page, "inspect-06-offline-queued")
    page.context.set_offline(False)
    page.wait_for_url("**/inspections/*", timeout=20000)
    assert page.locator("#score").inner_text() == "100.0"
    shot(page, "inspect-07-synced")
    assert _inspections_on_file(page, live_server, code) == before + 1
