"""The unlock path on a 360-pixel phone: a manager makes a code, the landlord enters it."""

from playwright.sync_api import expect

from tests.browser.conftest import shot, sign_in


def test_manager_makes_an_unlock_code_and_the_landlord_uses_it(page, live_server, browser):
    sign_in(page, live_server, "manager")
    page.wait_for_url("**/units")
    page.locator("label.nav-button").click()  # the menu folds on a phone
    page.get_by_role("link", name="登录限制").click()
    page.get_by_role("searchbox").fill("13989007919")
    page.get_by_role("button", name="查找").click()
    # The answer is a new page: wait for it to load (is_visible does not wait).
    expect(page.locator("#throttle-state")).to_be_visible()
    assert page.get_by_role("button", name="解除登录限制").count() == 0  # admins only
    page.get_by_role("button", name="生成一次性解锁码").click()
    code = page.locator("#unlock-code strong").inner_text()
    assert len(code) == 10
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    shot(page, "unlock-code-phone")

    phone = browser.new_context(
        viewport={"width": 360, "height": 740}, locale="zh-CN", java_script_enabled=False
    )
    landlord = phone.new_page()
    landlord.goto(live_server + "/login")
    landlord.get_by_role("link", name="有解锁码？解除登录限制").click()
    landlord.get_by_label("登录名或手机号").fill("13989007919")
    landlord.get_by_label("解锁码").fill(code.lower())
    landlord.get_by_role("button", name="解除限制").click()
    landlord.wait_for_url("**/login")
    assert "登录限制已解除" in landlord.locator("body").inner_text()
    assert landlord.evaluate("document.documentElement.scrollWidth") <= 360
    phone.close()
