"""The demo community carries the Zhaxi split: 13 three-star, 141 two-star, 6 one-star."""

from collections import Counter
from datetime import date, timedelta

from sqlmodel import func, select

from rentals.auth.models import User, UserArea
from rentals.inspections.models import Inspection
from rentals.ratings.models import Rating, ScorecardVersion
from rentals.ratings.services import active_scorecard
from rentals.register import demo
from rentals.register.models import Unit

TODAY = date(2027, 1, 28)


def test_seed_gives_the_zhaxi_split_through_rated_inspections(app_ctx, session):
    demo.seed(session, today=TODAY)
    stars = Counter(session.exec(select(Unit.rating_status)).all())
    assert stars == {"three": 13, "two": 141, "one": 6}
    assert session.exec(select(func.count()).select_from(Rating)).one() == 160
    version = active_scorecard(session, today=TODAY)
    assert version.version == 1
    assert session.exec(select(func.count()).select_from(ScorecardVersion)).one() == 1

    rows = session.exec(
        select(Inspection, Unit, Rating)
        .join(Unit, Unit.id == Inspection.unit_id)
        .join(Rating, Rating.inspection_id == Inspection.id)
    ).all()
    failed_sets = set()
    for inspection, unit, rating in rows:
        assert inspection.outcome == "completed" and rating.stars == unit.stars
        assert TODAY - timedelta(days=28) <= inspection.visited_at.date() < TODAY
        served = session.exec(
            select(UserArea).where(
                UserArea.user_id == inspection.inspector_id, UserArea.area_id == unit.area_id
            )
        ).first()
        assert served is not None, unit.code
        failed_sets.add(tuple(sorted(rating.breakdown["lost"])))
    # The data looks real: many different failure patterns, capped two-star units among them.
    assert len(failed_sets) >= 12
    capped = [r for _i, _u, r in rows if r.breakdown["caps"]]
    assert capped and all(r.stars == 2 for r in capped)
    inspectors = {i.inspector_id for i, _u, _r in rows}
    names = set(session.exec(select(User.username).where(User.id.in_(inspectors))).all())
    assert names == {"police", "grid"}


def test_seed_demo_command_prints_logins_and_rates_every_unit(app, session):
    from flask.cli import ScriptInfo

    from rentals.cli import main

    result = app.test_cli_runner().invoke(
        main, ["seed-demo"], obj=ScriptInfo(create_app=lambda: app)
    )
    assert result.exit_code == 0, result.output
    counts = dict(session.exec(select(Unit.stars, func.count()).group_by(Unit.stars)).all())
    assert counts == {3: 13, 2: 141, 1: 6}
