"""A landlord on a phone: signs in, sees only their units, reads what to fix, reports a
tenant and asks for a re-inspection; the area's inspector then finds the task."""

from __future__ import annotations

import re

from tests.browser.conftest import shot, sign_in

LANDLORD = "13989007919"


def _no_overflow(page) -> None:  # type: ignore[no-untyped-def]
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_landlord_portal_round_trip(page, live_server):
    sign_in(page, live_server, LANDLORD)
    page.wait_for_url("**/my")
    cards = page.locator("section.portal-unit h2 a")
    codes = cards.all_inner_texts()
    assert 1 <= len(codes) <= 2 and all(re.fullmatch(r"ZX-[SN]-\d{3}", c) for c in codes)
    _no_overflow(page)
    shot(page, "portal-dashboard-phone")
    others = {"ZX-S-001", "ZX-N-080"} - set(codes)
    response = page.goto(live_server + f"/my/units/{sorted(others)[0]}")
    assert response is not None and response.status == 404

    code = codes[0]
    page.goto(live_server + f"/my/units/{code}")
    body = page.locator("main").inner_text()
    assert "评分明细" in body
    fixes = page.locator("#fixes").inner_text()
    if page.locator(".fix-list li").count():
        assert "要升一星，请整改" in fixes
    else:
        assert "最高星级" in fixes or "不予评定" in body
    _no_overflow(page)
    shot(page, "portal-unit-phone")

    page.get_by_role("link", name="申报租户入住").click()
    page.get_by_label("租户姓名").fill("测试租客")
    page.get_by_label("身份证号码").fill("540102199001010054")
    page.get_by_label("入住日期").fill("2026-11-01")
    page.get_by_role("button", name="提交申报").click()
    page.wait_for_url(f"**/my/units/{code}")
    assert "房东申报，待核实" in page.locator("#tenants").inner_text()

    page.get_by_role("button", name="整改完成，申请复查").click()
    page.wait_for_url(f"**/my/units/{code}")
    assert "已申请复查" in page.locator("main").inner_text()
    assert "复查" in page.locator("#next-inspection").inner_text()
    shot(page, "portal-after-actions-phone")

    page.context.clear_cookies()  # a different person, a different phone
    inspector = "police" if code.startswith("ZX-S") else "grid"
    sign_in(page, live_server, inspector)
    page.wait_for_load_state()
    found = False
    for n in range(1, 6):
        page.goto(live_server + f"/tasks/mine?page={n}")
        if code in page.locator("main").inner_text():
            found = True
            break
    assert found, f"{inspector} does not see the re-inspection of {code}"
    page.goto(live_server + f"/units/{code}")
    panel = page.locator("#landlord-reports").inner_text()
    assert "测试租客" in panel
    shot(page, "portal-inspector-sees-report")
