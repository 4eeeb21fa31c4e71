"""A manager opens the dashboard on a 360-pixel phone: the Zhaxi split, no sideways scroll."""

from tests.browser.conftest import shot, sign_in


def test_manager_reads_the_dashboard_on_a_phone_and_in_print(page, live_server):
    violations: list[str] = []
    page.on(
        "console", lambda m: violations.append(m.text) if "Content Security" in m.text else None
    )
    sign_in(page, live_server, "manager")
    page.wait_for_url("**/units")
    page.locator("label.nav-button").click()  # the menu folds away on a phone
    page.get_by_role("link", name="管理看板").click()
    page.wait_for_url("**/dashboard/")
    figure = page.locator('[data-figure="stars-three"]').inner_text()
    assert (figure, page.locator('[data-figure="stars-two"]').inner_text()) == ("13", "141")
    assert page.locator('[data-figure="stars-one"]').inner_text() == "6"
    assert page.locator('[data-figure="planned"]').inner_text() == "319"
    # The star split, stars month by month, incidents month by month.
    assert page.locator("svg.chart").count() == 3
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    shot(page, "dashboard-phone")
    page.emulate_media(media="print")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.emulate_media(media="screen")
    page.locator('[data-figure="stars-one"] a').click()
    page.wait_for_url("**/dashboard/list/stars/one**")
    assert page.locator("#dashboard-list tbody tr").count() == 6
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert violations == []
