"""A completed inspection appends a rating; the unit's current rating is the newest."""

from datetime import UTC, date, datetime

import pytest
from sqlmodel import select

from rentals.errors import Conflict, InvalidInput
from rentals.inspections.models import Inspection, Outcome
from rentals.ratings.models import Rating
from rentals.ratings.services import ensure_default_scorecard, latest_rating, rate_inspection
from scoring import default_scorecard

NOW = datetime(2027, 2, 3, 9, 0, tzinfo=UTC)


def _inspect(session, unit, answers, vetoes=(), outcome=Outcome.COMPLETED, key=None):  # type: ignore[no-untyped-def]
    version = ensure_default_scorecard(session, today=date(2027, 1, 1))
    insp = Inspection(
        unit_id=unit.id,
        scorecard_version_id=version.id,
        client_key=key or f"k-{unit.id}-{len(answers)}-{len(vetoes)}-{outcome}",
        outcome=outcome,
        answers=answers,
        vetoes=list(vetoes),
    )
    session.add(insp)
    session.flush()
    return insp


def _all(value="met"):  # type: ignore[no-untyped-def]
    return {item.code: value for item in default_scorecard().items}


def test_all_met_gives_three_stars_and_updates_the_unit(session, world):
    insp = _inspect(session, world.unit_a, _all())
    rating = rate_inspection(session, inspection=insp, now=NOW)
    assert (rating.stars, rating.status, str(rating.score)) == (3, "three", "100.0")
    assert (world.unit_a.rating_status, world.unit_a.stars) == ("three", 3)
    assert rating.breakdown["scorecard_version"] == 1


def test_history_is_appended_and_the_newest_counts(session, world):
    first = rate_inspection(session, inspection=_inspect(session, world.unit_a, _all()), now=NOW)
    answers = _all() | {"F1": "not_met"}
    second = rate_inspection(
        session, inspection=_inspect(session, world.unit_a, answers, key="second"), now=NOW
    )
    rows = session.exec(select(Rating).where(Rating.unit_id == world.unit_a.id)).all()
    assert [r.id for r in rows] == [first.id, second.id]
    assert latest_rating(session, world.unit_a).id == second.id
    assert (second.stars, second.breakdown["caps"]) == (2, ["F1"])
    assert world.unit_a.stars == 2


def test_refusal_applies_the_refusal_veto(session, world):
    insp = _inspect(session, world.unit_a, {}, outcome=Outcome.REFUSED)
    rating = rate_inspection(session, inspection=insp, now=NOW)
    assert (rating.stars, rating.status) == (0, "not_rated")
    assert rating.breakdown["vetoes"] == ["V2"]


def test_an_inspection_is_rated_once(session, world):
    insp = _inspect(session, world.unit_a, _all())
    rate_inspection(session, inspection=insp, now=NOW)
    with pytest.raises(Conflict):
        rate_inspection(session, inspection=insp, now=NOW)


def test_incomplete_answers_are_refused(session, world):
    with pytest.raises(InvalidInput, match="F1"):
        rate_inspection(session, inspection=_inspect(session, world.unit_a, {"F2": "met"}), now=NOW)
