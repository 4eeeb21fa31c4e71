"""Scorecard versions: upload (validated, draft), activate from a date, diff, access."""

from datetime import date, timedelta

import pytest
from sqlmodel import func, select

from rentals.audit.models import AuditEvent
from rentals.errors import Conflict, InvalidInput
from rentals.ratings.diff import Kind, diff_scorecards
from rentals.ratings.models import ScorecardVersion
from rentals.ratings.services import (
    ScorecardRejected,
    VersionState,
    activate_scorecard,
    active_scorecard,
    card_of,
    ensure_default_scorecard,
    upload_scorecard,
    version_states,
)
from tests.conftest import csrf_token
from tests.ratings.helpers import NEW_ITEM, card_text

TODAY = date(2027, 3, 1)
BAD = (
    card_text(2).replace("points = 6\n", "points = 0\n", 1).replace('code = "F3"', 'code = "F1"', 1)
    + "\nsurprise = 1\n"
)


def _count(session) -> int:  # type: ignore[no-untyped-def]
    return session.exec(select(func.count()).select_from(ScorecardVersion)).one()


def _line_of(text: str, needle: str, nth: int = 1) -> int:
    lines = text.splitlines()
    hits = [i + 1 for i, line in enumerate(lines) if needle in line]
    return hits[nth - 1]


def test_upload_with_errors_names_each_line_and_stores_nothing(session, world):
    ensure_default_scorecard(session, today=TODAY)
    with pytest.raises(ScorecardRejected) as caught:
        upload_scorecard(session, actor=world.users["manager"], text=BAD)
    lines = {p.line for p in caught.value.problems}
    assert _line_of(BAD, "points = 0") in lines
    assert _line_of(BAD, "surprise = 1") in lines
    assert _count(session) == 1


def test_upload_page_shows_line_numbers_and_stores_nothing(client, login_as, session, world):
    login_as("manager")
    ensure_default_scorecard(session, today=TODAY)
    session.commit()
    token = csrf_token(client, "/scorecards/upload")
    response = client.post("/scorecards/upload", data={"source": BAD, "csrf_token": token})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f"第 {_line_of(BAD, 'points = 0')} 行" in html
    assert f"第 {_line_of(BAD, 'surprise = 1')} 行" in html
    assert _count(session) == 1


def test_upload_good_file_is_stored_as_a_draft(client, login_as, session, world):
    login_as("manager")
    ensure_default_scorecard(session, today=TODAY)
    session.commit()
    token = csrf_token(client, "/scorecards/upload")
    from io import BytesIO

    data = {"file": (BytesIO(card_text(2).encode()), "v2.toml"), "csrf_token": token}
    response = client.post("/scorecards/upload", data=data, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    row = session.exec(select(ScorecardVersion).where(ScorecardVersion.version == 2)).one()
    assert row.active_from is None
    assert row.created_by == world.users["manager"].id
    page = client.get("/scorecards").get_data(as_text=True)
    assert "草稿" in page and "v2" in page
    assert session.exec(select(AuditEvent).where(AuditEvent.action == "scorecard.uploaded")).one()


def test_version_number_must_exceed_every_stored_one(session, world):
    ensure_default_scorecard(session, today=TODAY)
    upload_scorecard(session, actor=None, text=card_text(3))
    with pytest.raises(InvalidInput, match="3"):
        upload_scorecard(session, actor=None, text=card_text(2))
    with pytest.raises(InvalidInput):
        upload_scorecard(session, actor=None, text=card_text(3))
    assert _count(session) == 2


def test_activate_puts_the_draft_in_force_from_its_date(session, world):
    v1 = ensure_default_scorecard(session, today=TODAY - timedelta(days=30))
    draft = upload_scorecard(session, actor=None, text=card_text(2, three=95))
    start = TODAY + timedelta(days=10)
    with pytest.raises(InvalidInput):
        activate_scorecard(
            session, actor=None, version=draft, start=TODAY - timedelta(days=1), today=TODAY
        )
    activate_scorecard(
        session, actor=world.users["manager"], version=draft, start=start, today=TODAY
    )
    assert active_scorecard(session, today=start - timedelta(days=1)).id == v1.id
    assert active_scorecard(session, today=start).id == draft.id
    states = {r.version: s for r, s in version_states(session, today=start)}
    assert states == {1: VersionState.RETIRED, 2: VersionState.ACTIVE}
    assert {r.version: s for r, s in version_states(session, today=TODAY)}[2] == (
        VersionState.SCHEDULED
    )
    with pytest.raises(Conflict):
        activate_scorecard(session, actor=None, version=draft, start=start, today=TODAY)
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "scorecard.activated")).one()
    assert event.data == {"version": 2, "active_from": start.isoformat()}


def test_an_older_draft_cannot_follow_a_newer_activated_version(session, world):
    ensure_default_scorecard(session, today=TODAY)
    v2 = upload_scorecard(session, actor=None, text=card_text(2))
    v3 = upload_scorecard(session, actor=None, text=card_text(3))
    activate_scorecard(session, actor=None, version=v3, start=TODAY, today=TODAY)
    with pytest.raises(Conflict):
        activate_scorecard(session, actor=None, version=v2, start=TODAY, today=TODAY)


def test_activate_page(client, login_as, session, world):
    login_as("admin")
    ensure_default_scorecard(session, today=date(2020, 1, 1))
    upload_scorecard(session, actor=None, text=card_text(2))
    session.commit()
    token = csrf_token(client, "/scorecards/2")
    past = client.post("/scorecards/2/activate", data={"start": "2020-01-01", "csrf_token": token})
    assert past.status_code == 422
    assert "启用日期不能早于今天" in past.get_data(as_text=True)
    start = date.today() + timedelta(days=5)
    ok = client.post(
        "/scorecards/2/activate", data={"start": start.isoformat(), "csrf_token": token}
    )
    assert ok.status_code == 302
    row = session.exec(select(ScorecardVersion).where(ScorecardVersion.version == 2)).one()
    session.refresh(row)
    assert row.active_from == start
    again = client.post(
        "/scorecards/2/activate", data={"start": start.isoformat(), "csrf_token": token}
    )
    assert again.status_code == 409


def test_diff_lists_changed_added_removed_items_and_bands(session, world):
    v1 = ensure_default_scorecard(session, today=TODAY)
    text = card_text(2, three=95, f1_points=12, extra=NEW_ITEM)
    # Remove L2 from the new card.
    start = text.index('code = "L2"')
    block_start = text.rindex("[[items]]", 0, start)
    block_end = text.index("[[items]]", start)
    text = text[:block_start] + text[block_end:]
    v2 = upload_scorecard(session, actor=None, text=text)
    result = diff_scorecards(card_of(v1), card_of(v2))
    kinds = {d.code: d.kind for d in result.items}
    assert kinds == {"F1": Kind.CHANGED, "F7": Kind.ADDED, "L2": Kind.REMOVED}
    f1 = next(d for d in result.items if d.code == "F1")
    assert [(c.field, c.old, c.new) for c in f1.changes] == [("points", 8, 12)]
    assert result.bands == ((3, 90, 95),)
    assert result.unchanged_items == 15


def test_diff_and_version_pages(client, login_as, session, world):
    login_as("manager")
    ensure_default_scorecard(session, today=TODAY)
    upload_scorecard(session, actor=None, text=card_text(2, f1_points=12, extra=NEW_ITEM))
    session.commit()
    html = client.get("/scorecards/diff?a=1&b=2").get_data(as_text=True)
    assert "F1" in html and "F7" in html and "楼道配备应急照明" in html
    assert 'class="diff-changed"><th scope="row">F1</th>' in html
    view = client.get("/scorecards/2").get_data(as_text=True)
    assert "Emergency lighting in stairways" in view and 'id="activate"' in view
    assert "མེ་གསོད་ཡོ་བྱད" in view  # Tibetan texts are shown too
    assert client.get("/scorecards/9").status_code == 404


@pytest.mark.parametrize("role", ["landlord_a", "inspector_a"])
@pytest.mark.parametrize(
    "path",
    [
        "/scorecards",
        "/scorecards/1",
        "/scorecards/diff",
        "/scorecards/upload",
        "/scorecards/1/what-if",
    ],
)
def test_landlords_and_inspectors_get_403(client, login_as, session, world, role, path):
    ensure_default_scorecard(session, today=TODAY)
    session.commit()
    login_as(role)
    assert client.get(path).status_code == 403
