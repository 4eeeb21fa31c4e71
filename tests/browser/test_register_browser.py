"""A manager on a phone: signs in, finds the 160 demo units, opens a unit file."""

from playwright.sync_api import expect

from tests.browser.conftest import shot, sign_in


def test_manager_on_a_phone_sees_the_register_and_a_unit_file(page, live_server):
    sign_in(page, live_server, "manager")
    page.wait_for_url("**/units")
    assert page.locator("#unit-count").inner_text() == "共 160 户"
    # Nothing overflows a 360-pixel screen horizontally.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    shot(page, "register-phone")
    page.get_by_role("searchbox").fill("ZX-S-001")
    page.get_by_role("button", name="查找").click()
    page.get_by_role("link", name="ZX-S-001").click()
    page.wait_for_url("**/units/ZX-S-001")
    expect(page.get_by_role("heading", name="房东")).to_be_visible()
    body = page.locator("main").inner_text()
    assert "********" in body  # identity numbers masked
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    shot(page, "unit-file-phone")


def test_landlord_gets_404_for_another_units_page(page, live_server):
    sign_in(page, live_server, "13989007919")
    page.wait_for_url("**/my")  # landlords land on their portal
    page.goto(live_server + "/units")
    count = page.locator("#unit-count").inner_text()
    assert count in {"共 1 户", "共 2 户"}
    response = page.goto(live_server + "/units/ZX-N-080")
    own = page.locator("main").inner_text()
    assert response.status == 404 or "ZX-N-080" in own
