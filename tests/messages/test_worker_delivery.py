"""Messages through a real ``rentals worker`` process and a real gateway on 127.0.0.1: the
retries wait in huey's schedule (in the database) and the message is delivered once."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from rentals import clock, create_app, db
from rentals.config import TestConfig
from rentals.messages import services
from rentals.messages.models import OutboxMessage
from rentals.migrate import upgrade
from rentals.tasks.models import Task
from tests import factories
from tests.conftest import fresh_database_url
from tests.messages.test_messages import Gateway

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def own_app(tmp_path_factory):  # type: ignore[no-untyped-def]
    url = fresh_database_url(tmp_path_factory)
    engine = db.build_engine(url)
    upgrade(engine)
    engine.dispose()
    app = create_app({"DATABASE_URL": url}, base=TestConfig)
    yield app
    db.engine_of(app).dispose()


def _worker(app, gateway: Gateway) -> subprocess.Popen:  # type: ignore[no-untyped-def,type-arg]
    env = {k: v for k, v in os.environ.items() if not k.startswith("RENTALS_")}
    env.update(
        RENTALS_DATABASE_URL=app.config["DATABASE_URL"],
        RENTALS_SECRET_KEY="worker-test",
        RENTALS_SCHEDULER="0",
        RENTALS_MESSAGE_SENDER="http",
        RENTALS_MESSAGE_HTTP_URL=gateway.url,
        RENTALS_MESSAGE_HTTP_HEADERS=json.dumps({"Content-Type": "application/json"}),
        RENTALS_MESSAGE_HTTP_BODY='{"to": "$phone", "text": "$text", "id": "$key"}',
        RENTALS_MESSAGE_RETRY_DELAYS="1,1",
    )
    log = tempfile.TemporaryFile()  # noqa: SIM115 (closed below)
    proc = subprocess.Popen(
        [sys.executable, "-c", "from rentals.cli import main; main()", "worker"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    proc.log = log  # type: ignore[attr-defined]
    return proc


def _stop(proc) -> str:  # type: ignore[no-untyped-def]
    proc.terminate()
    try:
        proc.wait(20)
    except subprocess.TimeoutExpired:
        proc.kill()
    proc.log.seek(0)
    out = proc.log.read().decode(errors="replace")
    proc.log.close()
    return out


def _message(app) -> OutboxMessage:  # type: ignore[no-untyped-def]
    with app.app_context(), db.unit_of_work(write=False) as session:
        return session.exec(select(OutboxMessage)).one()


def test_a_real_worker_retries_through_the_schedule_and_delivers_once(own_app):
    app = own_app
    gateway = Gateway([500, 502, 200])
    with app.app_context(), db.unit_of_work() as session:
        world = factories.make_world(session)
        world.tenant_a.phone = None
        session.add(world.tenant_a)
        today = clock.today()
        session.add(
            Task(
                unit_id=world.unit_a.id,
                period_key="W-test",
                start=today,
                due=today + timedelta(days=1),
            )
        )
        session.flush()
        services.queue_due_messages(session, today=today, now=datetime.now(UTC))
    proc = _worker(app, gateway)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and _message(app).status == "queued":
            time.sleep(0.3)
        message = _message(app)
        time.sleep(2)  # nothing more arrives after the delivery
    finally:
        output = _stop(proc)
        gateway.close()
    assert message.status == "delivered", output[-3000:]
    assert message.attempts == 3
    assert [r["status"] for r in gateway.received] == [500, 502, 200]
    assert json.loads(gateway.received[-1]["body"])["id"] == message.key
