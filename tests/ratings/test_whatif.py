"""What-if: re-assessing every unit's latest answers under a draft, counted and listed."""

from datetime import date

from rentals.ratings.services import ensure_default_scorecard, upload_scorecard
from rentals.ratings.whatif import Change, what_if
from tests import factories
from tests.ratings.helpers import NEW_ITEM, answers, card_text, rate


def _world_ratings(session, world):  # type: ignore[no-untyped-def]
    """unit_a 94 (three stars), unit_b 88 (two), unit_c 92 capped by F1 (two)."""
    ensure_default_scorecard(session, today=date(2026, 1, 1))
    rate(session, world.unit_a, answers("F1", "F2"))  # an older rating: ignored
    rate(session, world.unit_a, answers("L2", "S4"))
    rate(session, world.unit_b, answers("M1", "M2"))
    unit_c = factories.make_unit(session, world.area_a, code="T-C")
    rate(session, unit_c, answers("F1"))
    return unit_c


def _changes(report):  # type: ignore[no-untyped-def]
    return {row.unit_code: (row.stars_now, row.stars_draft, row.change) for row in report.rows}


def test_moving_the_three_star_band_to_95_loses_a_star(session, world):
    _world_ratings(session, world)
    report = what_if(
        session, draft=upload_scorecard(session, actor=None, text=card_text(2, three=95))
    )
    changes = _changes(report)
    assert changes[world.unit_a.code] == (3, 2, Change.LOSE)
    assert changes[world.unit_b.code] == (2, 2, Change.SAME)
    assert report.counts[Change.LOSE] == 1 and report.counts[Change.GAIN] == 0
    assert report.counts[Change.SAME] == 2 and report.units == 3


def test_lowering_the_band_gains_and_raising_f1_points_changes_the_score(session, world):
    unit_c = _world_ratings(session, world)
    draft = upload_scorecard(session, actor=None, text=card_text(2, three=85, f1_points=20))
    report = what_if(session, draft=draft)
    changes = _changes(report)
    # unit_b: (88 + 12) / 112 = 89.3 >= 85: gains. unit_c fails F1 (capped): stays two.
    assert changes[world.unit_b.code] == (2, 3, Change.GAIN)
    assert changes[unit_c.code] == (2, 2, Change.SAME)
    row_c = next(r for r in report.rows if r.unit_code == unit_c.code)
    assert str(row_c.score_now) == "92.0" and str(row_c.score_draft) == "82.1"  # 92/112
    assert (report.counts[Change.GAIN], report.counts[Change.LOSE]) == (1, 0)


def test_items_added_by_the_draft_need_a_new_inspection(session, world):
    _world_ratings(session, world)
    report = what_if(
        session, draft=upload_scorecard(session, actor=None, text=card_text(2, extra=NEW_ITEM))
    )
    assert report.counts[Change.NEEDS_INSPECTION] == 3
    assert all(row.stars_draft is None for row in report.rows)
    assert report.added_items == ("F7",)


def test_vetoes_are_kept(session, world):
    ensure_default_scorecard(session, today=date(2026, 1, 1))
    rate(session, world.unit_a, answers(), vetoes=["V4"])
    report = what_if(
        session, draft=upload_scorecard(session, actor=None, text=card_text(2, three=95))
    )
    assert _changes(report)[world.unit_a.code] == (0, 0, Change.SAME)


def test_what_if_page_lists_units_and_counts(client, login_as, session, world):
    _world_ratings(session, world)
    upload_scorecard(session, actor=None, text=card_text(2, three=95))
    session.commit()
    login_as("manager")
    html = client.get("/scorecards/2/what-if").get_data(as_text=True)
    assert 'id="count-lose">1<' in html and 'id="count-gain">0<' in html
    assert world.unit_a.code in html and world.unit_b.code not in html  # only changes by default
    everything = client.get("/scorecards/2/what-if?show=all").get_data(as_text=True)
    assert world.unit_b.code in everything
    assert "94.0 → 94.0" in everything


def test_a_refusal_is_reassessed_as_rate_inspection_rated_it(session, world):
    from rentals.inspections.models import Inspection, Outcome
    from rentals.ratings.services import rate_inspection
    from tests.ratings.helpers import NOW

    version = ensure_default_scorecard(session, today=date(2026, 1, 1))
    refused = Inspection(
        unit_id=world.unit_a.id,
        scorecard_version_id=version.id,
        client_key="refused-1",
        outcome=Outcome.REFUSED,
        answers={},
        vetoes=[],
    )
    session.add(refused)
    session.flush()
    rate_inspection(session, inspection=refused, now=NOW)
    report = what_if(session, draft=upload_scorecard(session, actor=None, text=card_text(2)))
    assert _changes(report)[world.unit_a.code] == (0, 0, Change.SAME)
