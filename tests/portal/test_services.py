"""Portal rules: landlord reports never change the register silently; contests, notices."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlmodel import select

from rentals.audit.models import AuditEvent
from rentals.auth.models import Role
from rentals.errors import Conflict, InvalidInput, NotAllowed
from rentals.incentives import blacklist
from rentals.portal import services
from rentals.ratings import contests
from rentals.ratings.models import Contest
from rentals.register.models import Tenancy
from rentals.tasks.models import Task
from tests import factories
from tests.portal.helpers import NOW, ONE_STAR, TWO_STAR, rate

TODAY = date(2027, 3, 1)


def _actions(session, unit):  # type: ignore[no-untyped-def]
    rows = session.exec(
        select(AuditEvent.action).where(
            AuditEvent.subject_type == "unit", AuditEvent.subject_id == str(unit.id)
        )
    )
    return list(rows)


# Declaring a tenant (moving in): tests/portal/test_declarations.py.


def test_another_landlord_cannot_report_on_my_unit(session, world):
    change = services.MoveIn("央金", factories.unique_id_number(), None, date(2027, 2, 1))
    with pytest.raises(NotAllowed):
        services.report_tenant_change(
            session, actor=world.users["landlord_b"], unit=world.unit_a, change=change
        )


def test_move_out_report_changes_the_register_only_when_confirmed(session, world):
    landlord = world.users["landlord_a"]
    out = services.MoveOut(world.tenancy_a.id, date(2027, 2, 20))
    report = services.report_tenant_change(session, actor=landlord, unit=world.unit_a, change=out)
    assert session.get(Tenancy, world.tenancy_a.id).moved_out is None
    with pytest.raises(Conflict):
        services.report_tenant_change(session, actor=landlord, unit=world.unit_a, change=out)
    services.decide_move_out(session, actor=world.users["inspector_a"], report=report, confirm=True)
    assert session.get(Tenancy, world.tenancy_a.id).moved_out == date(2027, 2, 20)
    assert report.status == "confirmed"


def test_rejected_move_out_leaves_the_tenancy_open(session, world):
    out = services.MoveOut(world.tenancy_a.id, date(2027, 2, 20))
    report = services.report_tenant_change(
        session, actor=world.users["landlord_a"], unit=world.unit_a, change=out
    )
    services.decide_move_out(session, actor=world.users["manager"], report=report, confirm=False)
    assert session.get(Tenancy, world.tenancy_a.id).moved_out is None
    with pytest.raises(NotAllowed):
        services.decide_move_out(
            session, actor=world.users["landlord_a"], report=report, confirm=True
        )


def test_move_out_before_move_in_is_refused(session, world):
    out = services.MoveOut(world.tenancy_a.id, world.tenancy_a.moved_in - timedelta(days=1))
    with pytest.raises(InvalidInput):
        services.report_tenant_change(
            session, actor=world.users["landlord_a"], unit=world.unit_a, change=out
        )


def test_reinspection_within_seven_days_and_one_open_per_unit(session, world):
    task = services.ask_reinspection(
        session, actor=world.users["landlord_a"], unit=world.unit_a, today=TODAY
    )
    assert task.kind == "reinspection" and TODAY <= task.due <= TODAY + timedelta(days=7)
    with pytest.raises(Conflict):
        services.ask_reinspection(
            session, actor=world.users["landlord_a"], unit=world.unit_a, today=TODAY
        )
    assert "portal.reinspection_requested" in _actions(session, world.unit_a)


def _contest(session, world, now=NOW):  # type: ignore[no-untyped-def]
    return contests.file_contest(
        session,
        actor=world.users["landlord_a"],
        unit=world.unit_a,
        reason="灭火器已经更换，检查时放在别处",
        now=now,
    )


def test_contest_puts_the_unit_under_review_and_rejection_restores(session, world):
    rate(session, world.unit_a, failed=TWO_STAR, inspector=world.users["inspector_a"])
    contest = _contest(session, world)
    assert world.unit_a.rating_status == "under_review"
    with pytest.raises(Conflict):
        _contest(session, world)
    contests.decide_contest(
        session,
        actor=world.users["manager"],
        contest=contest,
        upheld=False,
        reason="照片不清",
        now=NOW,
    )
    assert world.unit_a.rating_status == "two"
    assert (contest.status, contest.decision_reason) == ("rejected", "照片不清")
    assert contest.decided_by == world.users["manager"].id


def test_upheld_contest_creates_a_reinspection_and_restores_the_status(session, world):
    rate(session, world.unit_a, failed=ONE_STAR)
    contest = _contest(session, world)
    contests.decide_contest(
        session, actor=world.users["manager"], contest=contest, upheld=True, reason="有理", now=NOW
    )
    task = session.get(Task, contest.task_id)
    assert task is not None and task.kind == "reinspection"
    assert world.unit_a.rating_status == "one"


def test_a_rating_appended_during_the_contest_is_the_one_restored(session, world):
    rate(session, world.unit_a, failed=ONE_STAR)
    contest = _contest(session, world)
    rate(session, world.unit_a)
    assert world.unit_a.rating_status == "under_review"
    contests.decide_contest(
        session,
        actor=world.users["manager"],
        contest=contest,
        upheld=False,
        reason="已复查",
        now=NOW,
    )
    assert world.unit_a.rating_status == "three"


def test_contest_after_21_days_is_refused(session, world):
    rate(session, world.unit_a, failed=TWO_STAR)
    with pytest.raises(Conflict):
        _contest(session, world, now=NOW + timedelta(days=22))


def test_the_manager_who_inspected_may_not_decide(session, world):
    manager = world.users["manager"]
    rate(session, world.unit_a, failed=TWO_STAR, inspector=manager)
    contest = _contest(session, world)
    with pytest.raises(NotAllowed):
        contests.decide_contest(
            session, actor=manager, contest=contest, upheld=False, reason="x", now=NOW
        )
    with pytest.raises(NotAllowed):
        contests.decide_contest(
            session,
            actor=world.users["inspector_a"],
            contest=contest,
            upheld=False,
            reason="x",
            now=NOW,
        )
    contests.decide_contest(
        session, actor=world.users["admin"], contest=contest, upheld=False, reason="x", now=NOW
    )
    assert session.get(Contest, contest.id).status == "rejected"


def test_reply_is_short_and_carries_no_phone(session, world):
    landlord = world.users["landlord_a"]
    with pytest.raises(InvalidInput):
        services.post_reply(session, actor=landlord, unit=world.unit_a, text="x" * 301, now=NOW)
    with pytest.raises(InvalidInput):
        services.post_reply(
            session, actor=landlord, unit=world.unit_a, text="请致电 139 1234 5678", now=NOW
        )
    services.post_reply(session, actor=landlord, unit=world.unit_a, text="已整改完毕", now=NOW)
    assert services.current_reply(session, world.unit_a.id).text == "已整改完毕"
    services.post_reply(session, actor=landlord, unit=world.unit_a, text="", now=NOW)
    assert services.current_reply(session, world.unit_a.id) is None


def test_blacklist_only_after_notice_and_21_days(session, world):
    rate(session, world.unit_a, failed=ONE_STAR)
    assert blacklist.blacklist_entries(session, today=TODAY + timedelta(days=60)) == []
    blacklist.notify_blacklist(session, actor=world.users["manager"], unit=world.unit_a, now=NOW)
    assert blacklist.blacklist_entries(session, today=TODAY + timedelta(days=20)) == []
    listed = blacklist.blacklist_entries(session, today=TODAY + timedelta(days=21))
    assert [(e["code"], e["since"]) for e in listed] == [
        (world.unit_a.code, TODAY + timedelta(days=21))
    ]


def test_a_successful_contest_keeps_the_unit_off_the_blacklist(session, world):
    rate(session, world.unit_a, failed=ONE_STAR)
    blacklist.notify_blacklist(session, actor=world.users["manager"], unit=world.unit_a, now=NOW)
    contest = _contest(session, world)
    assert blacklist.blacklist_entries(session, today=TODAY + timedelta(days=30)) == []
    contests.decide_contest(
        session, actor=world.users["manager"], contest=contest, upheld=True, reason="有理", now=NOW
    )
    assert blacklist.blacklist_entries(session, today=TODAY + timedelta(days=30)) == []


def test_a_rise_takes_the_unit_off_the_blacklist_and_a_new_drop_needs_a_new_notice(session, world):
    rate(session, world.unit_a, failed=ONE_STAR)
    blacklist.notify_blacklist(session, actor=world.users["manager"], unit=world.unit_a, now=NOW)
    later = TODAY + timedelta(days=40)
    assert len(blacklist.blacklist_entries(session, today=later)) == 1
    rate(session, world.unit_a, failed=TWO_STAR)
    assert blacklist.blacklist_entries(session, today=later) == []
    rate(session, world.unit_a, failed=ONE_STAR)
    assert blacklist.blacklist_entries(session, today=later) == []


# The measures a rating carries: tests/incentives/test_measures.py.


def test_notice_only_for_listed_units_and_only_by_the_office(session, world):
    rate(session, world.unit_a)
    with pytest.raises(Conflict):
        blacklist.notify_blacklist(
            session, actor=world.users["manager"], unit=world.unit_a, now=NOW
        )
    rate(session, world.unit_a, failed=ONE_STAR)
    with pytest.raises(NotAllowed):
        blacklist.notify_blacklist(
            session, actor=world.users["inspector_a"], unit=world.unit_a, now=NOW
        )
    assert world.users["inspector_a"].role == Role.INSPECTOR
