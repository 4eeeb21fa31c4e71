"""Issue 14.3: one scorecard upload can no longer stop every checklist.

Hostile uploads are refused with translated, item-specific messages and store nothing; a
version that cannot be used cannot be activated; and a stored unusable version (kept from
before the bounds) is skipped so checklists keep the previous version.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from sqlmodel import func, select

from rentals.errors import InvalidInput
from rentals.ratings.models import ScorecardVersion
from rentals.ratings.problems import SENTENCES, describe_all
from rentals.ratings.services import (
    UnusableVersion,
    activate_scorecard,
    active_scorecard,
    card_of,
    ensure_default_scorecard,
    version_states,
)
from scoring import ScorecardError, parse_scorecard
from scoring.loading import PROBLEM_KINDS
from tests.conftest import csrf_token
from tests.ratings.helpers import card_text
from tests.scoring.test_limits import mutated_default, toml_ish

TODAY = date(2027, 3, 1)
TRILLION_DAYS = card_text(2).replace("deadline_days = 7", "deadline_days = 999999999999", 1)


def _count(session) -> int:  # type: ignore[no-untyped-def]
    return session.exec(select(func.count()).select_from(ScorecardVersion)).one()


def _post(client, text: str, lang: str = "zh"):  # type: ignore[no-untyped-def]
    token = csrf_token(client, "/scorecards/upload")
    return client.post(
        f"/scorecards/upload?lang={lang}", data={"source": text, "csrf_token": token}
    )


def test_every_kind_of_problem_has_a_translated_sentence():
    assert set(SENTENCES) == PROBLEM_KINDS


HOSTILE = {
    "a trillion days": (
        TRILLION_DAYS,
        "评分项 F1：deadline_days 必须在 1 到 365 之间，现在是 999999999999。",
    ),
    "26-digit version": (
        card_text(2).replace("version = 2", "version = 99999999999999999999999999", 1),
        "version 必须在 1 到 1000000 之间",
    ),
    "nested 3000 deep": (
        card_text(2) + "\nx = " + "[" * 3000 + "]" * 3000 + "\n",
        "数组、表或带点的键嵌套超过 8 层。",
    ),
    "negative points": (
        card_text(2).replace("points = 6", "points = -6", 1),
        "评分项 F2：points 必须在 1 到 100 之间，现在是 -6。",
    ),
    "huge string": (
        card_text(2).replace('zh = "烟雾报警器正常工作"', 'zh = "' + "烟" * 5000 + '"', 1),
        "评分项 F2：zh 的文字有 5000 个字，最多 500 个字。",
    ),
    "huge file": (card_text(2) + "#" * 300_000, "评分表内容过大"),
}


@pytest.mark.parametrize(("text", "message"), list(HOSTILE.values()), ids=list(HOSTILE))
def test_hostile_uploads_are_refused_in_chinese_and_store_nothing(
    client, login_as, session, world, text, message
):
    login_as("manager")
    ensure_default_scorecard(session, today=TODAY)
    session.commit()
    response = _post(client, text)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert _count(session) == 1


def test_a_hostile_upload_is_explained_in_english_too(client, login_as, session, world):
    login_as("manager")
    ensure_default_scorecard(session, today=TODAY)
    session.commit()
    html = _post(client, TRILLION_DAYS, lang="en").get_data(as_text=True)
    assert "item F1: deadline_days must be between 1 and 365, not 999999999999." in html


def _stored(session, text: str, version: int, active_from: date | None) -> ScorecardVersion:  # type: ignore[no-untyped-def]
    """A row as an older release could have stored it, before the bounds existed."""
    row = ScorecardVersion(version=version, title="旧", source=text, active_from=active_from)
    session.add(row)
    session.flush()
    return row


def test_a_stored_unusable_draft_cannot_be_activated(session, world):
    ensure_default_scorecard(session, today=TODAY)
    draft = _stored(session, TRILLION_DAYS, 2, None)
    with pytest.raises(UnusableVersion) as caught:
        activate_scorecard(
            session, actor=world.users["manager"], version=draft, start=TODAY, today=TODAY
        )
    assert "第 2 版评分表无法使用" in str(caught.value.message)
    assert draft.active_from is None


def test_activation_far_in_the_future_is_refused(session, world):
    ensure_default_scorecard(session, today=TODAY)
    draft = _stored(session, card_text(2), 2, None)
    with pytest.raises(InvalidInput):
        activate_scorecard(
            session,
            actor=world.users["manager"],
            version=draft,
            start=date(9999, 12, 31),
            today=TODAY,
        )
    assert draft.active_from is None
    activate_scorecard(
        session,
        actor=world.users["manager"],
        version=draft,
        start=TODAY + timedelta(days=366),
        today=TODAY,
    )
    assert draft.active_from == TODAY + timedelta(days=366)


def test_a_stored_unusable_active_version_leaves_the_previous_one_in_force(session, world):
    first = ensure_default_scorecard(session, today=TODAY)
    _stored(session, TRILLION_DAYS, 2, TODAY + timedelta(days=1))
    assert active_scorecard(session, today=TODAY + timedelta(days=5)).id == first.id


def test_checklists_keep_working_with_an_unusable_version_stored_as_active(
    client, login_as, session, world
):
    ensure_default_scorecard(session, today=date(2020, 1, 1))
    bad = _stored(session, TRILLION_DAYS, 2, date(2020, 6, 1))
    session.commit()
    login_as("inspector_a")
    response = client.get(f"/units/{world.unit_a.code}/inspect")
    assert response.status_code == 200
    assert "烟雾报警器正常工作" in response.get_data(as_text=True)
    with pytest.raises(UnusableVersion):
        card_of(bad)


def test_the_page_of_an_unusable_version_says_so_instead_of_failing(
    client, login_as, session, world
):
    ensure_default_scorecard(session, today=date(2020, 1, 1))
    _stored(session, TRILLION_DAYS, 2, None)
    session.commit()
    login_as("manager")
    response = client.get("/scorecards/2")
    assert response.status_code == 409
    assert "第 2 版评分表无法使用" in response.get_data(as_text=True)


def test_the_version_list_marks_an_unusable_version_and_keeps_the_previous_active(session, world):
    first = ensure_default_scorecard(session, today=TODAY)
    bad = _stored(session, TRILLION_DAYS, 2, TODAY + timedelta(days=1))
    states = {
        row.id: state for row, state in version_states(session, today=TODAY + timedelta(days=5))
    }
    assert states == {first.id: "active", bad.id: "unusable"}


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=toml_ish | mutated_default())
def test_every_problem_of_any_text_is_described_in_each_language(app, text):
    try:
        parse_scorecard(text)
    except ScorecardError as err:
        for language in ("zh", "bo", "en"):
            with app.test_request_context(f"/?lang={language}"):
                for line, sentence in describe_all(err.problems):
                    assert line >= 1 and sentence.strip()
