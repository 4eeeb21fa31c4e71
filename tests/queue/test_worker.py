"""The queue with a real consumer: ``rentals worker`` processes against a database of
their own (SQLite here; PostgreSQL under ``python -m tests.pgserver``)."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select, text

from rentals import create_app, db
from rentals.config import TestConfig
from rentals.inspections.models import Inspection
from rentals.migrate import upgrade
from rentals.queue.models import Job, JobBlob, QueueMessage
from rentals.ratings.services import ensure_default_scorecard
from rentals.register.models import Unit
from tests import factories
from tests.conftest import csrf_token, fresh_database_url, login
from tests.inspections.helpers import all_answers, checklist_data, form_fields
from tests.register.test_import_concurrency import _ledger

pytestmark = pytest.mark.slow
LEASE = 2
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def queue_app(tmp_path_factory):  # type: ignore[no-untyped-def]
    url = fresh_database_url(tmp_path_factory)
    engine = db.build_engine(url)
    upgrade(engine)
    engine.dispose()
    app = create_app(
        {"DATABASE_URL": url, "IMPORT_QUEUE_ROWS": 100, "QUEUE_LEASE_SECONDS": LEASE},
        base=TestConfig,
    )
    with app.app_context(), db.unit_of_work() as session:
        app.world = factories.make_world(session)  # type: ignore[attr-defined]
        # In place before the checklist is opened: its first GET would otherwise create it,
        # a write inside a read transaction that a concurrent writer makes fail on SQLite.
        ensure_default_scorecard(session, today=date.today() - timedelta(days=30))
    yield app
    db.engine_of(app).dispose()


def _worker(app) -> subprocess.Popen:  # type: ignore[no-untyped-def,type-arg]
    """A ``rentals worker`` process; its output goes to a file (a pipe could fill up)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("RENTALS_")}
    env.update(
        RENTALS_DATABASE_URL=app.config["DATABASE_URL"],
        RENTALS_SECRET_KEY="worker-test",
        RENTALS_SCHEDULER="0",
        RENTALS_QUEUE_LEASE_SECONDS=str(LEASE),
    )
    # This tree's code (the venv's ``rentals`` script may point at another checkout).
    log = tempfile.TemporaryFile()  # noqa: SIM115 (read and closed by _stop)
    proc = subprocess.Popen(
        [sys.executable, "-c", "from rentals.cli import main; main()", "worker"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    proc.log = log  # type: ignore[attr-defined]
    return proc


def _stop(proc: subprocess.Popen) -> str:  # type: ignore[type-arg]
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
    proc.log.seek(0)  # type: ignore[attr-defined]
    output = proc.log.read().decode(errors="replace")  # type: ignore[attr-defined]
    proc.log.close()  # type: ignore[attr-defined]
    return output


def _job(app, job_id: str) -> Job:  # type: ignore[no-untyped-def]
    with app.app_context(), db.unit_of_work(write=False) as session:
        found = session.get(Job, job_id)
        assert found is not None
        return found


def _wait(app, job_id: str, until, seconds: float = 120) -> Job:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        job = _job(app, job_id)
        if until(job):
            return job
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} stayed {job.status} ({job.progress}/{job.total})")


def _units(app) -> int:  # type: ignore[no-untyped-def]
    with db.engine_of(app).connect() as conn:
        return conn.execute(select(func.count()).select_from(Unit)).scalar_one()


def _post_ledger(app, rows: int) -> tuple[object, str]:  # type: ignore[no-untyped-def]
    client = app.test_client()
    assert login(client, app.world.users["manager"].username).status_code == 302
    token = csrf_token(client, "/units/import")
    response = client.post(
        "/units/import",
        data={
            "csrf_token": token,
            "kind": "units",
            "apply": "y",
            "file": (io.BytesIO(_ledger(rows)), "big.csv"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    assert "/units/import/jobs/" in response.location
    return client, response.location


def test_a_large_import_and_a_print_run_on_the_worker_once_each(queue_app):
    app = queue_app
    before = _units(app)
    client, job_url = _post_ledger(app, 300)
    job_id = job_url.rsplit("/", 1)[1]
    assert "已排队" in client.get(job_url).get_data(as_text=True)
    assert _units(app) == before  # nothing written by the request
    # Another office account does not see the job.
    other = app.test_client()
    login(other, app.world.users["admin"].username)
    assert other.get(job_url).status_code == 404
    # The same job's message twice: one run, one result.
    with db.engine_of(app).begin() as conn:
        data = conn.execute(select(QueueMessage.data)).scalar_one()
        conn.execute(insert(QueueMessage).values(queue="rentals", priority=0, data=data))
    # A print job, enqueued from a request of the manager's.
    with app.test_request_context():
        from rentals.printing import jobs

        print_id = jobs.start(
            "roster",
            {
                "area": "甲区",
                "start": date(2026, 1, 1),
                "end": date(2026, 12, 31),
                "inspector": None,
                "printed": date(2026, 12, 4),
            },
            owner_id=app.world.users["manager"].id,
        )
        db.session().commit()
    worker = _worker(app)
    try:
        done = _wait(app, job_id, lambda j: j.status in {"done", "failed"})
        printed = _wait(app, print_id, lambda j: j.status in {"done", "failed"})
        time.sleep(1)  # the duplicate message is taken and ignored
    finally:
        output = _stop(worker)
    assert done.status == "done", (done.error, output[-2000:])
    assert done.attempts == 1 and done.result["counts"]["unit"] == {"created": 300}
    assert _units(app) == before + 300
    page = client.get(job_url).get_data(as_text=True)
    assert "已写入" in page and "300" in page
    assert printed.status == "done", (printed.error, output[-2000:])
    with db.engine_of(app).connect() as conn:
        assert conn.execute(select(func.count()).select_from(QueueMessage)).scalar_one() == 0
        blobs = conn.execute(select(JobBlob.job_id, JobBlob.role)).all()
    # The ledger (identity numbers) is gone with the job's end; the PDF is kept.
    assert sorted(blobs) == [(print_id, "result")]
    download = client.get(f"/print/jobs/{print_id}/file")
    assert download.status_code == 200 and download.data.startswith(b"%PDF")
    assert download.headers["Cache-Control"] == "no-store"


def test_a_worker_killed_mid_import_is_replaced_and_nothing_doubles(queue_app):
    app = queue_app
    rows = 8000
    before = _units(app)
    _client, job_url = _post_ledger(app, rows)
    job_id = job_url.rsplit("/", 1)[1]
    first = _worker(app)
    try:
        _wait(app, job_id, lambda j: j.status == "running" and j.progress > 0)
        assert 0 < _units(app) - before < rows  # some batches are in
    finally:
        first.kill()  # SIGKILL: no cleanup of any kind
        _stop(first)
    assert _job(app, job_id).status == "running"
    time.sleep(LEASE + 0.5)  # its heartbeat goes stale

    # An inspector's write (another connection) gets through while the import goes on.
    writer_engine = db.build_engine(app.config["DATABASE_URL"])
    stop, writes, failures = threading.Event(), [], []

    def writer() -> None:
        n = 0
        while not stop.is_set():
            n += 1
            started = time.perf_counter()
            try:
                with writer_engine.begin() as conn:
                    conn.execute(
                        text("INSERT INTO community (name, name_bo, issuer) VALUES (:n, '', '')"),
                        {"n": f"并发{n}"},
                    )
            except BaseException as err:  # noqa: BLE001 - reported below
                failures.append(err)
                return
            writes.append(time.perf_counter() - started)
            time.sleep(0.05)

    second = _worker(app)
    thread = threading.Thread(target=writer)
    thread.start()
    try:
        # An inspector submits a checklist while the second worker writes.
        _wait(app, job_id, lambda j: j.status == "running" and j.attempts == 2)
        inspector = app.test_client()
        assert login(inspector, app.world.users["inspector_a"].username).status_code == 302
        url = f"/units/{app.world.unit_a.code}/inspect"
        form = checklist_data(form_fields(inspector.get(url).get_data(as_text=True)), all_answers())
        started = time.perf_counter()
        submitted = inspector.post(url, data=form)
        submit_seconds = time.perf_counter() - started
        mid_import = _job(app, job_id).status == "running"
        done = _wait(app, job_id, lambda j: j.status in {"done", "failed"})
    finally:
        stop.set()
        thread.join()
        writer_engine.dispose()
        output = _stop(second)
    assert done.status == "done", (done.error, output[-2000:])
    assert done.attempts == 2
    assert _units(app) == before + rows
    with db.engine_of(app).connect() as conn:
        codes = conn.execute(
            select(func.count(func.distinct(Unit.code))).where(Unit.code.like("BIG-%"))
        ).scalar_one()
    assert codes == rows
    assert not failures and writes and max(writes) < 5, (failures, max(writes or [0]))
    assert submitted.status_code == 303, submitted.get_data(as_text=True)[:500]
    assert mid_import and submit_seconds < 5, (mid_import, submit_seconds)
    with db.engine_of(app).connect() as conn:
        assert conn.execute(select(func.count()).select_from(Inspection)).scalar_one() == 1
    print(
        f"\n{rows} rows; inspection submitted in {submit_seconds:.2f} s mid-import; "
        f"{len(writes)} other writes, slowest {max(writes):.2f} s"
    )
