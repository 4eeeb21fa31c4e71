"""The landlord and the inspector sign on the phone screen; the record is then closed to edits."""

from __future__ import annotations

import io

from PIL import Image
from playwright.sync_api import expect

from scoring import default_scorecard
from tests.browser.conftest import shot, sign_in
from tests.inspections.helpers import form_fields

CODE = "ZX-S-011"


def _record_visit(page, live_server) -> str:  # type: ignore[no-untyped-def]
    """A completed all-met inspection posted as the no-JS form would; its record URL."""
    url = f"{live_server}/units/{CODE}/inspect"
    fields = form_fields(page.request.get(url).text())
    answers = {f"a_{item.code}": "met" for item in default_scorecard().items}
    answer = page.request.post(url, form={**fields, "outcome": "completed", **answers})
    assert answer.ok and "/inspections/" in answer.url
    return answer.url


def _draw(page, canvas) -> None:  # type: ignore[no-untyped-def]
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    x, y = box["x"] + 20, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    for n in range(1, 13):
        page.mouse.move(x + n * 20, y + (25 if n % 2 else -25), steps=3)
    page.mouse.up()


def _ink(png: bytes) -> int:
    """Pixels drawn on the transparent pad."""
    with Image.open(io.BytesIO(png)) as im:
        alpha = im.convert("RGBA").getchannel("A")
        return alpha.width * alpha.height - alpha.histogram()[0]


def test_both_sign_on_the_screen_and_the_record_is_closed(page, live_server):
    sign_in(page, live_server, "police")
    page.wait_for_url("**/inspect")
    record = _record_visit(page, live_server)
    page.goto(record)
    assert page.locator("form.sign-form").count() == 2
    assert page.locator("form[action$='/note']").count() == 1
    for signer, name in (("party", "扎西"), ("inspector", "次仁")):
        form = page.locator(f"form.sign-form:has(input[name=signer][value={signer}])")
        canvas = form.locator("canvas.sign-pad")
        # The pad is shown by inspect.js (hidden without script), once it has run.
        canvas.wait_for(state="visible", timeout=15000)
        form.locator("input[name=name]").fill(name)
        _draw(page, canvas)
        assert form.locator("input[name=drawing]").input_value().startswith("data:image/png")
        shot(page, f"sign-{signer}")
        form.get_by_role("button", name="签字").click()
        page.wait_for_selector(f"#sign p:has-text('{name}')")
    shot(page, "sign-done")
    assert page.locator("form.sign-form").count() == 0
    assert page.locator("form[action$='/note']").count() == 0
    expect(page.get_by_text("已签字的记录不能修改")).to_be_visible()
    images = page.locator("#sign img.signature")
    assert images.count() == 2
    for n in range(2):
        png = page.request.get(live_server + images.nth(n).get_attribute("src")).body()
        assert png.startswith(b"\x89PNG") and _ink(png) > 200
