"""The audit trail: reveals are recorded, numbers are masked elsewhere, events never change.

The guard is tested twice: the ORM flush guard (rentals/audit/services.py) and the
database triggers of migration 0002_audit_guard, on whichever engine the suite runs
(SQLite by default, PostgreSQL under ``python -m tests.pgserver``).
"""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlmodel import select

from rentals.audit.models import AuditEvent
from rentals.templating import mask_id_number
from tests.security.helpers import connection_of, get, post
from tests.security.matrix import routes, signed_in_client


def _events(app, action: str) -> list[tuple]:  # type: ignore[type-arg]
    return list(
        connection_of(app).execute(
            text(
                "SELECT actor_id, subject_type, subject_id, data FROM audit_event "
                "WHERE action = :a ORDER BY id"
            ),
            {"a": action},
        )
    )


def test_identity_numbers_are_masked_on_the_unit_file(app, world):
    number = world.landlord_a.id_number
    for role in ("manager", "inspector_a", "landlord_a"):
        html = get(app, signed_in_client(app, world, role), f"/units/{world.unit_a.code}").text
        assert number not in html, role
        assert world.tenant_a.id_number not in html, role
        assert mask_id_number(number) in html, role
    assert mask_id_number(number) == number[:6] + "*" * 8 + number[-4:]


def test_revealing_an_identity_number_is_audited(app, world):
    client = signed_in_client(app, world, "inspector_a")
    person = world.tenant_a
    response = post(app, client, f"/people/{person.id}/reveal")
    assert response.status_code == 200
    assert person.id_number in response.text
    rows = _events(app, "personal.id_number.revealed")
    assert [(r[0], r[1], r[2]) for r in rows] == [
        (world.users["inspector_a"].id, "person", str(person.id))
    ]
    # The trail records who looked, never the number itself.
    assert person.id_number not in str(rows[0][3])


def test_a_refused_reveal_leaves_no_event(app, world):
    client = signed_in_client(app, world, "inspector_b")
    assert post(app, client, f"/people/{world.tenant_a.id}/reveal").status_code == 404
    assert _events(app, "personal.id_number.revealed") == []


def test_audit_page_lists_and_filters_events(app, world):
    client = signed_in_client(app, world, "manager")
    post(app, client, f"/people/{world.tenant_a.id}/reveal")
    manager = world.users["manager"]

    def shown(**query):  # type: ignore[no-untyped-def]
        html = get(app, client, "/audit", query_string=query).text
        return max(html.count("<tr>") - 1, 0), html  # minus the header row

    everything, html = shown()
    assert everything >= 5 and 'mono">personal.id_number.revealed' in html
    by_actor, html = shown(actor=manager.username)
    assert 1 <= by_actor < everything and "auth.login" in html and "person.created" not in html
    assert shown(action="personal")[0] == 1
    assert shown(action="person")[0] >= 3  # person.created x3, not "personal.*"
    assert 'mono">personal.id_number' not in shown(action="person")[1]
    assert shown(subject_type="person", subject_id=str(world.tenant_a.id))[0] >= 2
    assert shown(since="2000-01-01", until="2000-12-31")[0] == 0
    assert shown(since="2000-01-01")[0] == everything
    bad, html = shown(since="not-a-date")
    assert bad == everything and "日期格式" in html


def test_audit_page_paginates(app, world):
    app.config["PAGE_SIZE"] = 3
    client = signed_in_client(app, world, "admin")
    first = get(app, client, "/audit").text
    second = get(app, client, "/audit", query_string={"page": "2"}).text
    assert first.count("<tr>") - 1 == 3 and 'rel="next"' in first
    assert second.count("<tr>") - 1 >= 1 and 'rel="prev"' in second
    assert first != second


def test_no_route_can_change_audit_events(app):
    for rule in routes(app):
        if rule.endpoint.startswith("audit."):
            assert (rule.methods or set()) <= {"GET", "HEAD", "OPTIONS"}, rule.rule


def test_flush_guard_refuses_update_and_delete(app, world, session):
    event = session.exec(select(AuditEvent).order_by(AuditEvent.id)).first()
    assert event is not None
    event.action = "tampered"
    session.add(event)
    with pytest.raises(RuntimeError, match="cannot be changed"):
        session.flush()
    session.rollback()
    event = session.exec(select(AuditEvent).order_by(AuditEvent.id)).first()
    session.delete(event)
    with pytest.raises(RuntimeError, match="cannot be changed"):
        session.flush()
    session.rollback()


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_event SET action = 'tampered'",
        "UPDATE audit_event SET data = '{}' WHERE id = (SELECT min(id) FROM audit_event)",
        "DELETE FROM audit_event",
    ],
)
def test_database_refuses_update_and_delete(app, world, statement):
    conn = connection_of(app)
    before = conn.execute(text("SELECT count(*), min(action) FROM audit_event")).one()
    assert before[0] > 0
    nested = conn.begin_nested()
    with pytest.raises(DBAPIError, match="audit events cannot be changed or deleted"):
        conn.execute(text(statement))
    nested.rollback()
    assert conn.execute(text("SELECT count(*), min(action) FROM audit_event")).one() == before


def test_inserting_events_still_works_at_database_level(app, world):
    conn = connection_of(app)
    count = conn.execute(text("SELECT count(*) FROM audit_event")).scalar_one()
    with app.app_context():
        from rentals import audit

        sess = app.extensions["rentals.db"][1]()
        audit.record(sess, None, "test.inserted", ("unit", "1"), {})
        sess.commit()
    assert conn.execute(text("SELECT count(*) FROM audit_event")).scalar_one() == count + 1
