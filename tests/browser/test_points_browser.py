"""A landlord's points on a phone, in Chinese and Tibetan: balance, what can be redeemed,
how to earn more and the history fit 360 px with 44-px targets (the touch-target walk's
own measuring rules), and the office's points pages too."""

from __future__ import annotations

from tests.browser.conftest import shot, sign_in
from tests.browser.test_touch_targets_browser import MEASURE

LANDLORD = "13989007919"


def _measured(page, url: str) -> list[str]:  # type: ignore[no-untyped-def]
    page.goto(url)
    page.wait_for_load_state()
    return [f"{url}: {p}" for p in page.evaluate(MEASURE)]


def test_the_points_pages_fit_a_phone_in_chinese_and_tibetan(page, live_server):
    sign_in(page, live_server, LANDLORD)
    page.wait_for_url("**/my")
    problems = []
    for lang in ("zh", "bo"):
        problems += _measured(page, f"{live_server}/my/points?lang={lang}")
        for section in ("#balance", "#redeem", "#earn", "#history"):
            assert page.locator(section).count() == 1, section
        assert page.locator("#redeem .offer").count() >= 1  # the demo offers two rewards
        shot(page, f"points-landlord-{lang}")
    assert not problems, "\n".join(problems)


def test_the_office_points_pages_fit_a_phone(page, live_server):
    sign_in(page, live_server, "manager")
    page.wait_for_load_state()
    problems = []
    for path in (
        "/incentives/redeemable",
        "/incentives/versions",
        "/incentives/versions/upload",
        "/incentives/versions/points/1",
        "/incentives/units/ZX-S-001/points",
    ):
        problems += _measured(page, f"{live_server}{path}?lang=bo")
    assert not problems, "\n".join(problems)
