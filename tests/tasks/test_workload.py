"""Workload per inspector, with figures worked by hand."""

from __future__ import annotations

from datetime import date

from rentals.tasks import queries
from rentals.tasks.models import Task


def test_workload_counts_live_overdue_and_done_in_the_week(session, world):
    inspector = world.users["inspector_a"]
    today = date(2027, 3, 10)  # a Wednesday; the week is 8-14 March
    rows = [
        ("open", date(2027, 3, 5)),  # live, overdue by date
        ("open", date(2027, 3, 14)),  # live
        ("overdue", date(2027, 2, 28)),  # live, overdue
        ("done", date(2027, 3, 9)),  # done this week
        ("done", date(2027, 3, 1)),  # done, an earlier week
        ("cancelled", date(2027, 3, 12)),  # nothing
    ]
    for n, (status, due) in enumerate(rows):
        session.add(
            Task(
                unit_id=world.unit_a.id,
                period_key=f"W-{n}",
                start=date(2027, 2, 1),
                due=due,
                status=status,
                inspector_id=inspector.id,
            )
        )
    session.commit()
    start, end = queries.week_of(today)
    result = {w.user.id: w for w in queries.workload(session, start=start, end=end, today=today)}
    mine = result[inspector.id]
    assert (mine.open, mine.overdue, mine.done_in_window) == (3, 2, 1)
    others = [w for uid, w in result.items() if uid != inspector.id]
    assert all((w.open, w.overdue, w.done_in_window) == (0, 0, 0) for w in others)


def test_board_counts_and_totals_by_status_with_or_without_the_unit_join(session, world):
    from sqlalchemy import true

    from rentals.auth.access import covering_unit_scope, unit_scope

    today = date(2027, 3, 10)
    rows = [  # the week 8-14 March
        ("open", date(2027, 3, 8)),  # overdue by date
        ("open", date(2027, 3, 14)),  # open
        ("done", date(2027, 3, 9)),  # done
        ("cancelled", date(2027, 3, 12)),  # not counted
        ("open", date(2027, 3, 15)),  # next week
    ]
    for n, (status, due) in enumerate(rows):
        session.add(
            Task(unit_id=world.unit_b.id, period_key=f"B-{n}", start=due, due=due, status=status)
        )
    session.commit()
    start, end = queries.week_of(today)
    manager = world.users["manager"]
    assert isinstance(covering_unit_scope(session, manager), type(true()))
    for scope in (true(), unit_scope(manager)):
        totals = {}
        for status in (None, "open", "done", "overdue"):
            board = queries.board(
                session, start=start, end=end, area_id=None, status=status, today=today, scope=scope
            )
            totals[status] = (board.total, len(board.rows))
        assert (board.counts.due, board.counts.done, board.counts.overdue, board.counts.open) == (
            3,
            1,
            1,
            1,
        )
        assert totals == {None: (3, 3), "open": (1, 1), "done": (1, 1), "overdue": (1, 1)}
    inspector = world.users["inspector_a"]  # serves area a only; unit_b lies in area b
    assert not isinstance(covering_unit_scope(session, inspector), type(true()))
    board = queries.board(
        session,
        start=start,
        end=end,
        area_id=None,
        status=None,
        today=today,
        scope=covering_unit_scope(session, inspector),
    )
    assert board.total == 0
