"""The migration of refusal rows (issue 15): rows made by the old code, before the
migration, lose their item answers; the visit itself and its rating's status are kept."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlmodel import Session, select

from rentals.db import build_engine
from rentals.inspections.models import Inspection
from rentals.migrate import downgrade, upgrade
from rentals.ratings.models import Rating, ScorecardVersion
from rentals.register.models import Area, Community, Unit
from scoring import assess, default_scorecard, default_scorecard_text
from tests.conftest import fresh_database_url

REVISION = "outcomes_refusal_answers"
AT = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)
#: What the old code stored for a refusal: every item of the default card not met.
OLD_ANSWERS = {item.code: "not_met" for item in default_scorecard().items}


@pytest.fixture
def engine(tmp_path_factory):  # type: ignore[no-untyped-def]
    eng = build_engine(fresh_database_url(tmp_path_factory))
    upgrade(eng)
    downgrade(eng, f"{REVISION}@-1")  # the database as it was before this migration
    yield eng
    eng.dispose()


def _visit(session, unit, version, key, outcome, answers, notes):  # type: ignore[no-untyped-def]
    row = Inspection(
        unit_id=unit.id,
        scorecard_version_id=version.id,
        client_key=key,
        outcome=outcome,
        answers=answers,
        vetoes=[],
        notes=notes,
        visited_at=AT,
        created_at=AT,
    )
    session.add(row)
    session.flush()
    return row


def _rate(session, visit, answers, vetoes):  # type: ignore[no-untyped-def]
    # The old rating of the row, as the old code computed it (input data, not an expectation).
    result = assess(default_scorecard(), answers, vetoes)
    row = Rating(
        unit_id=visit.unit_id,
        inspection_id=visit.id,
        scorecard_version_id=visit.scorecard_version_id,
        score=Decimal(str(result.score_display)),
        stars=result.stars,
        status=result.status.value,
        breakdown=result.to_dict(),
        rated_at=AT,
    )
    session.add(row)
    session.flush()
    return row


def test_refusal_rows_made_before_the_migration_lose_their_answers(engine):
    with Session(engine) as session:
        community = Community(name="扎细社区")
        session.add(community)
        session.flush()
        area = Area(community_id=community.id, name="南区")
        session.add(area)
        session.flush()
        unit = Unit(code="ZX-001", area_id=area.id, address="扎细路1号")
        version = ScorecardVersion(
            version=1, source=default_scorecard_text(), active_from=date(2026, 1, 1)
        )
        session.add_all([unit, version])
        session.flush()
        item_notes = {"F1": "没看到", "": "房东拒绝配合"}
        refused = _visit(session, unit, version, "old-refusal", "refused", OLD_ANSWERS, item_notes)
        refused_rating = _rate(session, refused, OLD_ANSWERS, ["V2"])
        nobody = _visit(session, unit, version, "old-nobody", "no_access", OLD_ANSWERS, {})
        met = {**OLD_ANSWERS, **dict.fromkeys(OLD_ANSWERS, "met"), "F6": "na"}
        done = _visit(session, unit, version, "inspected", "completed", met, {"F6": "无燃气"})
        done_rating = _rate(session, done, met, [])
        done_breakdown = dict(done_rating.breakdown)
        ids = (refused.id, refused_rating.id, nobody.id, done.id, done_rating.id)
        assert refused_rating.breakdown["items"] and refused_rating.breakdown["lost"]
        session.commit()

    upgrade(engine)
    upgrade(engine)  # nothing left to do: heads reached

    with Session(engine) as session:
        refused, refused_rating, nobody, done, done_rating = (
            session.get(Inspection, ids[0]),
            session.get(Rating, ids[1]),
            session.get(Inspection, ids[2]),
            session.get(Inspection, ids[3]),
            session.get(Rating, ids[4]),
        )
        # The refused visit: its history kept, its answers gone.
        assert (refused.outcome, refused.client_key, refused.visited_at) == (
            "refused",
            "old-refusal",
            AT,
        )
        assert (refused.answers, refused.vetoes, refused.notes) == ({}, [], {"": "房东拒绝配合"})
        # Its rating: still not rated by V2, with no item breakdown.
        assert (refused_rating.status, refused_rating.stars, refused_rating.score) == (
            "not_rated",
            0,
            Decimal("0.0"),
        )
        assert refused_rating.breakdown == {
            "scorecard_version": 1,
            "score": "0.0",
            "score_exact": "0/1",
            "met_points": 0,
            "applicable_points": 0,
            "band_stars": 0,
            "stars": 0,
            "status": "not_rated",
            "caps": [],
            "vetoes": ["V2"],
            "lost": {},
            "next_star": [],
            "items": [],
        }
        assert (nobody.answers, nobody.outcome) == ({}, "no_access")
        # An inspection is untouched.
        assert done.answers == met and done.notes == {"F6": "无燃气"}
        assert done_rating.breakdown == done_breakdown and done_rating.stars == 3
        assert len(session.exec(select(Inspection)).all()) == 3


def test_the_migrated_breakdown_reads_back_as_the_service_now_writes_it():
    """The frozen breakdown of the migration equals what a refusal is rated as today."""
    import importlib.util
    from pathlib import Path

    from scoring import Assessment, assess_without_answers

    path = next(Path("migrations/versions").glob("*_refusals_without_answers.py"))
    spec = importlib.util.spec_from_file_location("refusal_migration", path)
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    old = assess(default_scorecard(), OLD_ANSWERS, ["V2"]).to_dict()
    migrated = module.without_answers(old)
    now = assess_without_answers(default_scorecard(), ["V2"]).to_dict()
    assert migrated == now
    assert Assessment.from_dict(migrated).items == ()
