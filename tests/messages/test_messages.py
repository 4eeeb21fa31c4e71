"""Issue 19: messages are queued once per event and reader, and delivered by the task queue
through a real HTTP gateway on 127.0.0.1 that fails on request."""

from __future__ import annotations

import json
import threading
from datetime import UTC, date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlmodel import func, select

from rentals.audit.models import AuditEvent
from rentals.messages import services
from rentals.messages.models import ContactPreference, OutboxMessage
from rentals.messages.texts import TEMPLATES, render
from rentals.queue import huey_of
from rentals.queue.models import Job, QueueMessage
from rentals.tasks.models import Task
from tests import factories
from tests.conftest import csrf_token, login

TODAY = date(2027, 3, 10)
NOW = datetime(2027, 3, 10, 0, 15, tzinfo=UTC)  # 08:15 in Lhasa


def _task(session, unit, due: date, status: str = "open") -> Task:  # type: ignore[no-untyped-def]
    task = Task(
        unit_id=unit.id,
        period_key=f"T{due.isoformat()}-{unit.id}",
        start=due - timedelta(days=14),
        due=due,
        status=status,
    )
    session.add(task)
    session.flush()
    return task


def _messages(session) -> list[OutboxMessage]:  # type: ignore[no-untyped-def]
    session.expire_all()
    return list(session.exec(select(OutboxMessage).order_by(OutboxMessage.id)))


def _count(session, model) -> int:  # type: ignore[no-untyped-def]
    return session.exec(select(func.count()).select_from(model)).one()


def drain(app, rounds: int = 50) -> int:  # type: ignore[no-untyped-def]
    """What a consumer does: take each ready message off the queue and run it."""
    huey = huey_of(app)
    ran = 0
    for _ in range(rounds):
        data = huey.storage.dequeue()
        if data is None:
            break
        huey.execute(huey.deserialize_task(data))
        ran += 1
    return ran


@pytest.fixture
def visit_world(app, session, world):  # type: ignore[no-untyped-def]
    """unit_a: a visit due tomorrow and one the day after; unit_b: one in five days;
    a third unit of a landlord without a phone: a visit tomorrow."""
    with app.app_context():
        tomorrow = _task(session, world.unit_a, TODAY + timedelta(days=1))
        later = _task(session, world.unit_a, TODAY + timedelta(days=2))
        _task(session, world.unit_b, TODAY + timedelta(days=5))
        _task(session, world.unit_b, TODAY + timedelta(days=1), status="done")
        silent = factories.make_person(session, name="无电话", phone=None)
        unit_c = factories.make_unit(session, world.area_a, silent)
        _task(session, unit_c, TODAY + timedelta(days=1))
        session.commit()
    return {"tomorrow": tomorrow, "later": later}


def test_the_day_before_a_visit_one_message_per_landlord_and_visit_then_nothing_more(
    app, session, world, visit_world
):
    with app.app_context():
        first = services.queue_due_messages(session, today=TODAY, now=NOW)
        session.commit()
    rows = _messages(session)
    # For each of unit_a's two visits within two days: its landlord and its tenant, once.
    tomorrow, later = visit_world["tomorrow"].id, visit_world["later"].id
    landlord, tenant = world.landlord_a.id, world.tenant_a.id
    assert sorted((m.key, m.person_id) for m in rows) == sorted(
        [
            (f"visit_due:{tomorrow}:{landlord}", landlord),
            (f"visit_due:{later}:{landlord}", landlord),
            (f"visit_due:{tomorrow}:{tenant}", tenant),
            (f"visit_due:{later}:{tenant}", tenant),
        ]
    )
    to_landlord = [m for m in rows if m.person_id == landlord]
    assert len(to_landlord) == 2  # exactly one per landlord and visit
    first_row = next(m for m in to_landlord if m.key.startswith(f"visit_due:{tomorrow}:"))
    assert first_row.phone == world.landlord_a.phone and first_row.status == "queued"
    assert first_row.text == f"出租房{world.unit_a.code}将于03-11前接受安全检查，请届时配合开门。"
    assert first.startswith("4 messages queued")
    jobs = _count(session, Job)
    assert jobs == 4
    with app.app_context():
        second = services.queue_due_messages(session, today=TODAY, now=NOW + timedelta(hours=1))
        third = services.queue_due_messages(
            session, today=TODAY + timedelta(days=1), now=NOW + timedelta(days=1)
        )
        session.commit()
    assert second.startswith("0 messages queued") and third.startswith("0 messages queued")
    assert len(_messages(session)) == 4 and _count(session, Job) == jobs
    queued = session.exec(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "message.queued")
    ).one()
    assert queued == 4


def test_the_scheduler_job_runs_the_same_queuing(app, session, world, visit_world, monkeypatch):
    from rentals import clock
    from rentals.scheduler import jobs, wiring

    monkeypatch.setattr(jobs, "_app", app)
    monkeypatch.setattr(clock, "now", lambda: NOW)
    monkeypatch.setattr(clock, "today", lambda: TODAY)
    assert "queue_messages" in wiring.JOBS
    jobs.queue_messages()
    jobs.queue_messages()
    assert len(_messages(session)) == 4


def test_order_deadlines_in_three_days_and_on_the_day(app, session, world):
    from rentals.inspections.models import Inspection, RectificationOrder
    from rentals.ratings.services import ensure_default_scorecard

    with app.app_context():
        version = ensure_default_scorecard(session, today=date(2026, 1, 1))
        inspection = Inspection(
            unit_id=world.unit_a.id, scorecard_version_id=version.id, client_key="msg-orders"
        )
        session.add(inspection)
        session.flush()
        for code, deadline in (
            ("F1", TODAY + timedelta(days=3)),
            ("F2", TODAY),
            ("F4", TODAY + timedelta(days=2)),
        ):
            session.add(
                RectificationOrder(
                    unit_id=world.unit_a.id,
                    inspection_id=inspection.id,
                    item_code=code,
                    deadline=deadline,
                )
            )
        session.flush()
        services.queue_due_messages(session, today=TODAY, now=NOW)
        session.commit()
    assert sorted(m.template for m in _messages(session)) == ["order_due_3d", "order_due_today"]


def test_a_landlord_who_reads_tibetan_gets_tibetan(app, session, world, visit_world):
    session.add(ContactPreference(person_id=world.landlord_a.id, language="bo"))
    session.commit()
    with app.app_context():
        services.queue_due_messages(session, today=TODAY, now=NOW)
        session.commit()
    rows = [m for m in _messages(session) if m.person_id == world.landlord_a.id]
    assert {m.language for m in rows} == {"bo"}
    # The tenant chose nothing: Chinese.
    assert {m.language for m in _messages(session) if m.person_id == world.tenant_a.id} == {"zh"}
    text = rows[0].text
    assert world.unit_a.code in text and "03-11" in text
    # Tibetan script, and no Chinese characters left.
    assert any("\u0f00" <= ch <= "\u0fff" for ch in text)
    assert not any("\u4e00" <= ch <= "\u9fff" for ch in text)


@pytest.mark.parametrize("language", ["zh", "bo"])
@pytest.mark.parametrize("template", sorted(TEMPLATES))
def test_every_message_fits_one_sms(app, template, language):
    """70 characters: one UCS-2 SMS, even for the longest unit code (32 characters)."""
    with app.test_request_context():
        for code in ("ZX-S-001", "A" * 32):
            text = render(template, language, code=code, day=date(2027, 12, 31))
            assert len(text.encode("utf-16-le")) // 2 <= 70, text
            assert "%(" not in text


# -- a real gateway ----------------------------------------------------------------------


class Gateway:
    """An SMS gateway on 127.0.0.1: records each request, answers from a script."""

    def __init__(self, answers: list[int]) -> None:
        self.answers = list(answers)
        self.received: list[dict] = []  # type: ignore[type-arg]
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length).decode("utf-8")
                status = gateway.answers.pop(0) if gateway.answers else 200
                gateway.received.append(
                    {
                        "path": self.path,
                        "headers": dict(self.headers),
                        "body": body,
                        "status": status,
                    }
                )
                payload = b"ok" if status < 300 else b"gateway busy"
                self.send_response(status)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args) -> None:  # type: ignore[no-untyped-def]
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/sms/send"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def gateway(app):  # type: ignore[no-untyped-def]
    made: list[Gateway] = []

    def start(answers: list[int]) -> Gateway:
        g = Gateway(answers)
        made.append(g)
        app.config.update(
            MESSAGE_SENDER="http",
            MESSAGE_HTTP_URL=g.url,
            MESSAGE_HTTP_HEADERS=json.dumps(
                {"Authorization": "Bearer gateway-token", "Content-Type": "application/json"}
            ),
            MESSAGE_HTTP_BODY='{"mobile": "$phone", "content": "$text", "ref": "$key"}',
            MESSAGE_HTTP_TIMEOUT=5,
            MESSAGE_RETRY_DELAYS=(0, 0),  # three attempts, no waiting
        )
        return g

    yield start
    for g in made:
        g.close()


def _one_message(app, session, world) -> OutboxMessage:  # type: ignore[no-untyped-def]
    """The landlord's message of a visit due tomorrow (the tenant has no phone here)."""
    world.tenant_a.phone = None
    session.add(world.tenant_a)
    with app.app_context():
        _task(session, world.unit_a, TODAY + timedelta(days=1))
        services.queue_due_messages(session, today=TODAY, now=NOW)
        session.commit()
    (message,) = _messages(session)
    return message


def test_a_gateway_that_fails_twice_then_succeeds_delivers_once(app, session, world, gateway):
    g = gateway([500, 503, 200])
    message = _one_message(app, session, world)
    assert drain(app) == 3
    assert [r["status"] for r in g.received] == [500, 503, 200]
    row = _messages(session)[0]
    assert (row.status, row.attempts, row.error) == ("delivered", 3, "")
    assert row.delivered_at is not None
    # What the gateway got: the configured path, headers and body, the text as recorded.
    first = g.received[-1]
    assert first["path"] == "/sms/send"
    assert first["headers"]["Authorization"] == "Bearer gateway-token"
    assert json.loads(first["body"]) == {
        "mobile": world.landlord_a.phone,
        "content": message.text,
        "ref": message.key,
    }
    # Nothing left to run, and running the queue again sends nothing.
    assert drain(app) == 0 and len(g.received) == 3
    actions = list(
        session.exec(
            select(AuditEvent.action)
            .where(AuditEvent.subject_type == "outbox_message")
            .order_by(AuditEvent.id)
        )
    )
    assert actions == [
        "message.queued",
        "message.attempt_failed",
        "message.attempt_failed",
        "message.delivered",
    ]


def test_a_gateway_that_keeps_failing_leaves_the_message_failed_with_the_reason(
    app, session, world, gateway
):
    g = gateway([503] * 10)
    _one_message(app, session, world)
    assert drain(app) == 3
    assert len(g.received) == 3
    row = _messages(session)[0]
    assert (row.status, row.attempts) == ("failed", 3)
    assert row.error == "HTTP 503: gateway busy" and row.failed_at is not None
    assert drain(app) == 0 and len(g.received) == 3


def test_a_gateway_that_is_down_is_a_failure_with_the_network_reason(app, session, world, gateway):
    g = gateway([])
    g.close()  # nothing listens on that port any more
    _one_message(app, session, world)
    drain(app)
    row = _messages(session)[0]
    assert row.status == "failed" and "refused" in row.error.lower()


def test_retries_wait_in_the_queue_for_the_configured_delay(app, session, world, gateway):
    g = gateway([500])
    app.config["MESSAGE_RETRY_DELAYS"] = (600,)
    _one_message(app, session, world)
    assert drain(app) == 1
    session.expire_all()
    waiting = list(session.exec(select(QueueMessage)))
    assert len(waiting) == 1 and waiting[0].eta is not None
    assert drain(app) == 0  # not due yet
    assert len(g.received) == 1 and _messages(session)[0].status == "queued"


def test_the_log_sender_is_the_default(app, session, world, caplog):
    assert app.config["MESSAGE_SENDER"] == "log"
    _one_message(app, session, world)
    with caplog.at_level("INFO", logger="rentals.messages.senders"):
        drain(app)
    row = _messages(session)[0]
    assert row.status == "delivered"
    assert row.text in caplog.text


def test_a_landlord_sees_their_messages_and_chooses_their_language(app, client, session, world):
    _one_message(app, session, world)
    login(client, world.users["landlord_a"].username)
    page = client.get("/my/messages").get_data(as_text=True)
    assert world.unit_a.code in page and "将于03-11前接受安全检查" in page
    token = csrf_token(client, "/my/messages")
    answer = client.post("/my/language", data={"language": "bo", "csrf_token": token})
    assert answer.status_code == 302
    session.expire_all()
    assert session.get(ContactPreference, world.landlord_a.id).language == "bo"
    # Another landlord sees none of them.
    other = app.test_client()
    login(other, world.users["landlord_b"].username)
    assert world.unit_a.code not in other.get("/my/messages").get_data(as_text=True)
    bad = other.post(
        "/my/language", data={"language": "xx", "csrf_token": csrf_token(other, "/my/messages")}
    )
    assert bad.status_code == 400


def test_a_landlords_language_holds_from_their_next_sign_in(app, session, world):
    session.add(ContactPreference(person_id=world.landlord_a.id, language="bo"))
    session.commit()
    client = app.test_client()
    login(client, world.users["landlord_a"].username)
    page = client.get("/my").get_data(as_text=True)
    assert '<html lang="bo"' in page
    # An inspector's sign-in is untouched by it.
    staff = app.test_client()
    login(staff, world.users["inspector_a"].username)
    assert '<html lang="zh-Hans"' in staff.get("/tasks/").get_data(as_text=True)


def test_notices_decisions_and_declarations_are_announced_once_each(app, session, world):
    from rentals.incentives.models import BlacklistNotice
    from rentals.portal.models import TenantDeclaration
    from rentals.ratings.models import Contest
    from tests.portal.helpers import ONE_STAR, rate

    with app.app_context():
        rating = rate(session, world.unit_a, failed=ONE_STAR, now=NOW - timedelta(days=2))
        notice = BlacklistNotice(
            unit_id=world.unit_a.id, rating_id=rating.id, notified_at=NOW - timedelta(days=1)
        )
        other = rate(session, world.unit_b, failed=ONE_STAR, now=NOW - timedelta(days=3))
        contest = Contest(
            unit_id=world.unit_b.id,
            rating_id=other.id,
            reason="复核理由",
            status="rejected",
            decided_at=NOW - timedelta(hours=5),
        )
        old = Contest(  # decided a month ago: old news, not announced
            unit_id=world.unit_a.id,
            rating_id=rating.id,
            reason="旧的",
            status="rejected",
            decided_at=NOW - timedelta(days=30),
        )
        session.add_all([notice, contest, old])
        for n in range(3):  # three declarations waiting: one message for the unit that day
            session.add(
                TenantDeclaration(
                    unit_id=world.unit_a.id,
                    name=f"租客{n}",
                    id_number=factories.unique_id_number(),
                    moved_in=TODAY,
                    source="tenant",
                    declared_at=NOW - timedelta(hours=n + 1),
                )
            )
        session.flush()
        services.queue_due_messages(session, today=TODAY, now=NOW)
        services.queue_due_messages(session, today=TODAY, now=NOW + timedelta(hours=2))
        session.commit()
    got = sorted((m.template, m.person_id) for m in _messages(session))
    assert got == sorted(
        [
            ("blacklist_notice", world.landlord_a.id),
            ("contest_decided", world.landlord_b.id),
            ("declaration_to_confirm", world.landlord_a.id),
        ]
    )
    notice_text = next(m.text for m in _messages(session) if m.template == "blacklist_notice")
    # Published 21 days after the notice (2027-03-09 in Lhasa): 03-30.
    assert "03-30" in notice_text
