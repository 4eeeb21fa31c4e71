"""How a rating's breakdown reads on the unit file and the landlord's page (issue 15):
n/a items say "不适用", never "0/6"; a refusal shows no items; the landlord's breakdown is
a list (no table column to squeeze at 360 px); a closed contest window is explained."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from rentals.inspections import services
from rentals.inspections.models import Outcome
from tests.inspections.helpers import all_answers

#: Rated on Monday 1 March 2027, 10:00 in Lhasa.
RATED = datetime(2027, 3, 1, 2, 0, tzinfo=UTC)


def _visit(session, world, outcome=Outcome.COMPLETED, answers=None, key="v"):  # type: ignore[no-untyped-def]
    return services.record_inspection(
        session,
        unit=world.unit_a,
        inspector=world.users["inspector_a"],
        client_key=key,
        answers=answers or {},
        vetoes=[],
        notes={},
        outcome=outcome,
        reason="房东拒绝" if outcome == Outcome.REFUSED else "",
        now=RATED,
    )


def _row(html: str, code: str, tag: str) -> str:
    """The <tag> element (tr or li) of the breakdown that names ``code``."""
    for row in re.findall(rf"<{tag}[^>]*>.*?</{tag}>", html, flags=re.S):
        if f"<strong>{code}</strong>" in row:
            return row
    raise AssertionError(f"no {tag} for {code}")


@pytest.fixture
def na_f6(app, session, world):  # type: ignore[no-untyped-def]
    with app.app_context():
        _visit(session, world, answers=all_answers(F6="na", P1="na"))
        session.commit()


def test_unit_file_shows_na_as_not_applicable(login_as, world, na_f6):
    html = login_as("manager").get(f"/units/{world.unit_a.code}").get_data(as_text=True)
    row = _row(html[html.index('id="ratings"') :], "F6", "tr")
    assert "不适用" in row
    assert not re.search(r"\b0\s*/\s*6\b", row)


def test_landlord_breakdown_shows_na_as_not_applicable_in_a_list(login_as, world, na_f6):
    html = login_as("landlord_a").get(f"/my/units/{world.unit_a.code}").get_data(as_text=True)
    section = html[html.index('id="rating"') : html.index('id="incentives"')]
    assert "<table" not in section  # items are list entries: nothing to squeeze at 360 px
    f6 = _row(section, "F6", "li")
    assert "不适用" in f6 and not re.search(r"\b0\s*/\s*6\b", f6)
    assert "8/8 分" in _row(section, "F1", "li")


def test_a_refusal_shows_no_items_on_the_unit_file_or_the_landlord_page(
    app, login_as, session, world, client
):
    with app.app_context():
        _visit(session, world, outcome=Outcome.REFUSED, key="r")
        session.commit()
    landlord = login_as("landlord_a")
    portal = landlord.get(f"/my/units/{world.unit_a.code}").get_data(as_text=True)
    section = portal[portal.index('id="rating"') : portal.index('id="incentives"')]
    assert 'id="breakdown-none"' in section and "不符合" not in section
    assert "V2" in section
    unit_file = landlord.get(f"/units/{world.unit_a.code}").get_data(as_text=True)
    ratings = unit_file[unit_file.index('id="ratings"') : unit_file.index('id="inspections"')]
    assert "未达标" not in ratings and "0.0 分" not in ratings and "得分对应" not in ratings
    assert "V2" in ratings


@pytest.mark.parametrize(
    ("today", "button", "closed"),
    [
        # Rated 1 March: 21 days allowed, the last one 22 March.
        (datetime(2027, 3, 22, 15, 0, tzinfo=UTC), True, False),  # 22 March 23:00 local
        (datetime(2027, 3, 22, 16, 0, tzinfo=UTC), False, True),  # 23 March 00:00 local
    ],
)
def test_closed_contest_window_is_explained_with_its_date(
    app, login_as, session, world, monkeypatch, today, button, closed
):
    with app.app_context():
        _visit(session, world, answers=all_answers(F2="not_met"), key="c")
        session.commit()
    from rentals.portal import views

    monkeypatch.setattr(views, "_now", lambda: today)
    html = login_as("landlord_a").get(f"/my/units/{world.unit_a.code}").get_data(as_text=True)
    section = html[html.index('id="contest"') : html.index('id="history"')]
    assert (f"/my/units/{world.unit_a.code}/contest" in section) is button
    assert ('id="contest-closed"' in section) is closed
    if closed:
        assert "复核申请期限已于 2027-03-22 结束" in section
