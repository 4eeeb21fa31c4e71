"""The points sweep reads what changed since its marks: a rerun with nothing new reads no
row and runs as many statements as ever; a crash keeps the marks where they were; and day
by day over random histories (missed days included) it writes exactly the ledger that the
rules give, worked out here from the history itself, without the product's code."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import select

from rentals.incentives import points
from rentals.incentives.models import PointsEntry, PointsMark
from rentals.inspections.models import Inspection, RectificationOrder
from rentals.portal.models import TenantDeclaration
from rentals.ratings.services import ensure_default_scorecard
from tests import factories
from tests.incentives.test_points import TODAY, events, refusal  # noqa: F401  (fixture)
from tests.portal.helpers import ONE_STAR, TWO_STAR, rate
from tests.register.test_register_pages import count_queries

#: Well after every event of the fixture, so no stamp is within the sweep's grace.
LATER = datetime(2027, 3, 1, 15, 0, tzinfo=UTC)


def test_a_rerun_with_nothing_new_reads_nothing(session, world, events, engine):  # noqa: F811
    first = points.sweep(session, today=TODAY, now=LATER)
    assert first.written == 7 and first.rows_read > 0
    with count_queries(engine) as quiet:
        second = points.sweep(session, today=TODAY, now=LATER)
    assert (second.written, second.rows_read) == (0, 0)
    # Twenty more refusals: the next run reads those twenty and writes their entries ...
    for n in range(20):
        refusal(session, world.unit_a, f"2027-02-{1 + n:02d}")
    assert points.sweep(session, today=TODAY, now=LATER) == points.SweepResult(20, 20)
    # ... and a rerun again reads nothing, in as many statements as the first quiet run.
    with count_queries(engine) as quiet_again:
        assert points.sweep(session, today=TODAY, now=LATER).rows_read == 0
    assert len(quiet_again) == len(quiet)


def test_a_crash_mid_run_keeps_the_marks_and_the_rerun_misses_nothing(
    session,
    world,
    events,  # noqa: F811
    monkeypatch,
):
    calls = {"n": 0}
    real = points._write

    def crash_on_the_third(*args):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("killed")
        return real(*args)

    monkeypatch.setattr(points, "_write", crash_on_the_third)
    with pytest.raises(RuntimeError), session.begin_nested():
        points.sweep(session, today=TODAY, now=LATER)
    assert session.exec(select(PointsEntry)).all() == []
    assert all(m.last_id == 0 for m in session.exec(select(PointsMark)))
    monkeypatch.setattr(points, "_write", real)
    assert points.sweep_points(session, today=TODAY, now=LATER) == 7


def test_a_row_stamped_within_the_grace_is_read_again_by_the_next_run(session, world):
    """A confirmation stamped a minute before the run may commit after it: the next run
    reads it again (and writes nothing twice)."""
    now = datetime(2027, 3, 1, 15, 0, tzinfo=UTC)
    row = TenantDeclaration(
        unit_id=world.unit_a.id,
        name="次仁",
        id_number=factories.unique_id_number(),
        moved_in=date(2027, 3, 1),
        status="confirmed",
        declared_at=now - timedelta(minutes=1),
        decided_at=now - timedelta(minutes=1),
    )
    session.add(row)
    session.flush()
    assert points.sweep(session, today=TODAY, now=now).written == 1
    assert points.sweep(session, today=TODAY, now=now).rows_read == 1
    later = now + timedelta(hours=1)
    assert points.sweep(session, today=TODAY, now=later).rows_read == 1
    assert points.sweep(session, today=TODAY, now=later).rows_read == 0


# -- day by day over random histories ---------------------------------------------------------

POINTS = {
    "refusal": -10,
    "serious_hazard_veto": -20,
    "order_fixed": 5,
    "order_overdue": -5,
    "tenant_change_on_time": 2,
    "three_star_year": 10,
}


def at(day: date, hour_utc: int = 2) -> datetime:
    """``hour_utc`` 2 is 10:00 in Lhasa: the local date is ``day``."""
    return datetime(day.year, day.month, day.day, hour_utc, tzinfo=UTC)


def _anniversary(start: date, years: int) -> date:
    try:
        return start.replace(year=start.year + years)
    except ValueError:
        return start.replace(year=start.year + years, day=28)


class History:
    """The events as the test made them, in plain values, for the expected ledger."""

    def __init__(self) -> None:
        self.refusals: list[tuple[int, date]] = []
        self.vetoes: list[tuple[int, date]] = []
        #: order id -> [created day, deadline, closed day or None]
        self.orders: dict[int, list] = {}  # type: ignore[type-arg]
        #: declaration id -> (declared day, moved in, confirmed day or None)
        self.declarations: dict[int, list] = {}  # type: ignore[type-arg]
        #: unit id -> [(rating id, day, status)]
        self.ratings: dict[int, list[tuple[int, date, str]]] = {}
        self.three_star: set[tuple[str, date]] = set()
        self.sweep_days: list[date] = []

    def note_sweep(self, day: date) -> None:
        """What a sweep on ``day`` sees of three-star runs: each unit's trailing run."""
        self.sweep_days.append(day)
        for rows in self.ratings.values():
            if not rows or rows[-1][2] != "three":
                continue
            start = len(rows) - 1
            while start > 0 and rows[start - 1][2] == "three":
                start -= 1
            rating_id, first_day, _status = rows[start]
            years = 1
            while (when := _anniversary(first_day, years)) <= day:
                self.three_star.add((f"three_star_year:rating:{rating_id}:{years}", when))
                years += 1

    def expected(self, last: date) -> set[tuple[str, int, date]]:
        out = {(f"refusal:inspection:{i}", -10, d) for i, d in self.refusals}
        out |= {(f"serious_hazard_veto:rating:{i}", -20, d) for i, d in self.vetoes}
        for order_id, (created, deadline, closed) in self.orders.items():
            if closed is not None and closed <= deadline:
                out.add((f"order_fixed:order:{order_id}", 5, closed))
            elif closed is not None or any(created <= t and deadline < t for t in self.sweep_days):
                out.add((f"order_overdue:order:{order_id}", -5, deadline + timedelta(days=1)))
        for decl_id, (declared, moved_in, confirmed) in self.declarations.items():
            if confirmed is not None and (declared - moved_in).days <= 3:
                out.add((f"tenant_change_on_time:declaration:{decl_id}", 2, declared))
        out |= {(key, 10, when) for key, when in self.three_star}
        return out


@pytest.mark.parametrize(("seed", "sweep_chance"), [(1, 0.8), (2, 0.8), (3, 0.15), (4, 0.5)])
def test_day_by_day_the_sweep_writes_the_ledger_the_rules_give(
    app_ctx, session, world, seed, sweep_chance
):
    rng = random.Random(seed)
    version = ensure_default_scorecard(session, today=date(2026, 1, 1))
    units = [
        world.unit_a,
        world.unit_b,
        factories.make_unit(session, world.area_a, world.landlord_a),
        factories.make_unit(session, world.area_b, world.landlord_b),
    ]
    #: Rated three stars once and never again: its run certainly lasts a year.
    steady = factories.make_unit(session, world.area_b, world.landlord_a)
    history = History()
    first, days = date(2026, 1, 1), 430
    runs_start = rng.randint(0, 40)
    for n in range(days):
        day = first + timedelta(days=n)
        unit = rng.choice(units)
        roll = rng.random()
        if n == runs_start:  # a three-star run starts for every unit early on
            for each in (*units, steady):
                rating = rate(session, each, now=at(day))
                history.ratings.setdefault(each.id, []).append((rating.id, day, rating.status))
        if roll < 0.04:  # a refusal, synced up to two days late
            visited = max(first, day - timedelta(days=rng.randint(0, 2)))
            row = Inspection(
                unit_id=unit.id,
                scorecard_version_id=version.id,
                client_key=f"r-{seed}-{n}",
                outcome="refused",
                visited_at=at(visited),
            )
            session.add(row)
            session.flush()
            history.refusals.append((row.id, visited))
        elif roll < 0.10:  # an order, its deadline sometimes already past (a late sync)
            deadline = day + timedelta(days=rng.randint(-3, 12))
            inspection = Inspection(
                unit_id=unit.id,
                scorecard_version_id=version.id,
                client_key=f"o-{seed}-{n}",
                visited_at=at(day),
            )
            session.add(inspection)
            session.flush()
            order = RectificationOrder(
                unit_id=unit.id, inspection_id=inspection.id, item_code="F1", deadline=deadline
            )
            session.add(order)
            session.flush()
            history.orders[order.id] = [day, deadline, None]
        elif roll < 0.16:  # an open order is closed
            open_ids = [i for i, o in history.orders.items() if o[2] is None]
            if open_ids:
                order = session.get(RectificationOrder, rng.choice(open_ids))
                order.status, order.closed_at = "closed", at(day)
                session.add(order)
                history.orders[order.id][2] = day
        elif roll < 0.21:  # a landlord declares a move-in (pending)
            row = TenantDeclaration(
                unit_id=unit.id,
                name="次仁",
                id_number=factories.unique_id_number(),
                moved_in=day - timedelta(days=rng.randint(0, 6)),
                declared_at=at(day),
            )
            session.add(row)
            session.flush()
            history.declarations[row.id] = [day, row.moved_in, None]
        elif roll < 0.26:  # staff confirm a pending declaration
            pending = [i for i, d in history.declarations.items() if d[2] is None]
            if pending:
                row = session.get(TenantDeclaration, rng.choice(pending))
                row.status, row.decided_at = "confirmed", at(day, 3)
                session.add(row)
                history.declarations[row.id][2] = day
        elif roll < 0.29:  # a rating: mostly three stars, so some runs last a year
            status = rng.choices(["three", "two", "one", "veto"], [8, 1, 1, 1])[0]
            failed = {"two": TWO_STAR, "one": ONE_STAR}.get(status, ())
            vetoes = ("V1",) if status == "veto" else ()
            rating = rate(session, unit, failed=failed, vetoes=vetoes, now=at(day))
            history.ratings.setdefault(unit.id, []).append((rating.id, day, rating.status))
            if status == "veto":
                history.vetoes.append((rating.id, day))
        session.flush()
        if rng.random() < sweep_chance or n == days - 1:
            points.sweep(session, today=day, now=at(day, 15))
            history.note_sweep(day)
    last = first + timedelta(days=days - 1)
    ledger = {(e.key, e.points, e.occurred_on) for e in session.exec(select(PointsEntry))}
    expected = history.expected(last)
    assert len(expected) > 20  # the history made something of every kind worth checking
    assert {k.split(":")[0] for k, _p, _d in expected} >= {
        "refusal",
        "order_fixed",
        "order_overdue",
        "tenant_change_on_time",
        "three_star_year",
    }
    assert ledger == expected
