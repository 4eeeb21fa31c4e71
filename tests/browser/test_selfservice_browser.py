"""A tenant on a 360-pixel phone declares "我住在这里" from a door sticker; the register
changes only when the landlord confirms in the portal."""

from __future__ import annotations

import sqlite3
from datetime import date, timedelta

from tests.browser.conftest import INSTANCES, shot, sign_in

LANDLORD = "13989007919"
WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def _id_number(body: str) -> str:
    """GB 11643 check character, written out from the standard."""
    total = sum(int(d) * w for d, w in zip(body, WEIGHTS, strict=True))
    return body + "10X98765432"[total % 11]


def _no_overflow(page) -> None:  # type: ignore[no-untyped-def]
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_a_tenant_declares_from_the_door_and_the_landlord_confirms(page, live_server):
    db = sqlite3.connect(INSTANCES[live_server] / "rentals.db")
    unit_id, code = db.execute(
        "SELECT unit.id, unit.code FROM unit JOIN user ON user.person_id = unit.landlord_id "
        "WHERE user.username = ? ORDER BY unit.code LIMIT 1",
        (LANDLORD,),
    ).fetchone()
    db.execute(
        "INSERT INTO door_sticker (unit_id, serial, issued_at) VALUES (?, 'BRWS-TEST-0001', "
        "'2026-12-01 00:00:00')",
        (unit_id,),
    )
    db.commit()
    number = _id_number("54010219950505003")
    tenancies_before = db.execute("SELECT count(*) FROM tenancy").fetchone()[0]

    page.goto(live_server + "/p/BRWS-TEST-0001/here")
    assert "我住在这里" in page.locator("h1").inner_text()
    _no_overflow(page)
    page.get_by_label("姓名").fill("拉姆")
    page.get_by_label("身份证号码").fill(number)
    page.get_by_label("手机号码").fill("13900001234")
    page.get_by_label("入住日期").fill((date.today() - timedelta(days=2)).isoformat())
    page.get_by_label("我同意社区保存以上信息").check()
    shot(page, "selfservice-declare-phone")
    page.get_by_role("button", name="提交").click()
    page.wait_for_load_state()
    body = page.locator("main").inner_text()
    assert "申报已收到" in body and number not in body and "拉姆" not in body
    _no_overflow(page)
    assert db.execute("SELECT count(*) FROM tenancy").fetchone()[0] == tenancies_before

    sign_in(page, live_server, LANDLORD)
    page.wait_for_url("**/my")
    page.goto(live_server + f"/my/units/{code}")
    panel = page.locator("#self-declared")
    assert "拉姆" in panel.inner_text() and "待您确认" in panel.inner_text()
    _no_overflow(page)
    panel.get_by_role("button", name="确认").click()
    page.wait_for_url(f"**/my/units/{code}**")
    assert "已确认租户申报" in page.locator("main").inner_text()
    shot(page, "selfservice-landlord-confirmed-phone")
    row = db.execute(
        "SELECT tenancy.source, tenancy.confirmed FROM tenancy JOIN person "
        "ON person.id = tenancy.person_id WHERE person.id_number = ?",
        (number,),
    ).fetchone()
    assert row == ("tenant", 0)
    db.close()
