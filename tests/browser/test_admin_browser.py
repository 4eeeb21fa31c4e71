"""An admin on a 360-pixel phone sets up a second community: the community, an area, an
inspector serving it; nothing overflows the screen and the one-time password is shown."""

from playwright.sync_api import expect

from tests.browser.conftest import shot, sign_in


def _fits(page) -> bool:  # type: ignore[no-untyped-def]
    return page.evaluate("document.documentElement.scrollWidth") <= 360


def test_admin_sets_up_a_community_on_a_phone(page, live_server):
    sign_in(page, live_server, "admin")
    page.goto(live_server + "/admin/")
    expect(page.get_by_role("heading", name="扎细社区")).to_be_visible()
    assert _fits(page)
    shot(page, "admin-communities-phone")
    page.get_by_role("link", name="新建社区").click()
    page.get_by_label("社区名称").fill("吉崩岗社区")
    page.get_by_label("藏文名称").fill("སྐྱིད་སྤུངས་སྒང་།")
    page.get_by_label("派出所").fill("吉崩岗派出所")
    page.get_by_label("公开网址").fill("https://jbg.example.cn")
    assert _fits(page)
    page.get_by_role("button", name="保存").click()
    page.wait_for_url("**/admin/")
    card = page.locator("section.card", has=page.get_by_role("heading", name="吉崩岗社区"))
    card.get_by_role("link", name="新建区域").click()
    page.get_by_label("区域名称").fill("一组")
    page.get_by_role("button", name="保存").click()
    page.wait_for_url("**/admin/")
    page.goto(live_server + "/admin/users/new")
    page.get_by_label("登录名").first.fill("JBG-Police")
    page.get_by_label("姓名").fill("吉崩岗民警")
    page.get_by_label("角色").select_option("inspector")
    page.get_by_label("吉崩岗社区 · 一组").check()
    assert _fits(page)
    shot(page, "admin-user-form-phone")
    page.get_by_role("button", name="保存").click()
    # Logins are case- and dash-insensitive: the page shows the login as stored.
    assert page.locator("#login").inner_text() == "jbgpolice"
    password = page.locator("#one-time-password").inner_text()
    assert len(password) == 10
    page.goto(live_server + "/admin/")
    card = page.locator("section.card", has=page.get_by_role("heading", name="吉崩岗社区"))
    assert "吉崩岗民警" in card.inner_text()
    assert _fits(page)
    page.goto(live_server + "/admin/users")
    assert "jbgpolice" in page.locator("#user-list").inner_text()
    assert _fits(page)
    shot(page, "admin-users-phone")
