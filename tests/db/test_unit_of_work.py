"""One commit per request, at the edge: kept on success, nothing kept on refusal."""

from __future__ import annotations

import pytest
from flask import redirect
from sqlmodel import select

from rentals import audit, db
from rentals.audit.models import AuditEvent


def _route(app, name, status, *, discard=False):  # type: ignore[no-untyped-def]
    def view():  # type: ignore[no-untyped-def]
        audit.record(db.session(), None, f"test.{name}", ("test", name), {})
        db.session().flush()
        if discard:
            db.discard()
        return redirect("/") if status == 302 else ("", status)

    app.add_url_rule(f"/_uow/{name}", name, view, methods=["GET"])


@pytest.mark.parametrize(
    ("name", "status", "discard", "kept"),
    [
        ("ok", 200, False, True),
        ("redirect", 302, False, True),
        ("refused", 422, False, False),
        ("missing", 404, False, False),
        ("redirect_after_refusal", 302, True, False),
    ],
)
def test_a_request_keeps_its_writes_only_when_it_succeeds(
    app, session, name, status, discard, kept
):
    _route(app, name, status, discard=discard)
    assert app.test_client().get(f"/_uow/{name}").status_code == status
    row = session.exec(select(AuditEvent).where(AuditEvent.action == f"test.{name}")).first()
    assert (row is not None) is kept


def test_unit_of_work_rolls_back_on_error(app, session):
    with app.app_context(), pytest.raises(RuntimeError), db.unit_of_work() as uow:
        audit.record(uow, None, "test.cli", ("test", "cli"), {})
        uow.flush()
        raise RuntimeError("boom")
    assert not session.exec(select(AuditEvent).where(AuditEvent.action == "test.cli")).first()


def test_insert_once_returns_the_row_that_won_and_keeps_the_transaction(app, session, world):
    from rentals.tasks.models import Task

    def task():  # type: ignore[no-untyped-def]
        from datetime import date

        return Task(
            unit_id=world.unit_a.id,
            period_key="2027-W05",
            start=date(2027, 2, 1),
            due=date(2027, 2, 7),
        )

    def find():  # type: ignore[no-untyped-def]
        return session.exec(select(Task).where(Task.period_key == "2027-W05")).first()

    first = db.insert_once(session, task(), find)
    second = db.insert_once(session, task(), find)  # the unique key refuses a copy
    assert second.id == first.id
    assert len(session.exec(select(Task).where(Task.period_key == "2027-W05")).all()) == 1
    session.commit()  # the savepoint kept the outer transaction usable
