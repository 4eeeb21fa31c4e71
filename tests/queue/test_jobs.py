"""The queue inside the test's transaction: the page's switch between a synchronous and
a queued import, job pages against hostile ids, the reaper, the fence, the size bound
and huey's storage on the database. (Real worker processes: ``test_worker.py``.)"""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from rentals import queue
from rentals.printing import documents
from rentals.queue.models import Job, JobBlob, QueueMessage
from rentals.queue.storage import DatabaseStorage
from rentals.register.models import Unit
from tests.conftest import csrf_token
from tests.register.test_import_concurrency import _ledger

URL = "/units/import"


def _apply(client, rows: int):  # type: ignore[no-untyped-def]
    form = {
        "kind": "units",
        "apply": "y",
        "file": (io.BytesIO(_ledger(rows)), "台账.csv"),
        "csrf_token": csrf_token(client, URL),
    }
    return client.post(URL, data=form, content_type="multipart/form-data")


def _big_units(session) -> int:  # type: ignore[no-untyped-def]
    session.expire_all()
    return len(session.exec(select(Unit.id).where(Unit.code.like("BIG-%"))).all())


def test_a_small_ledger_is_applied_in_the_request(app, login_as, session):
    app.config["IMPORT_QUEUE_ROWS"] = 5
    client = login_as("manager")
    response = _apply(client, 5)
    assert response.status_code == 200 and "已写入" in response.get_data(as_text=True)
    assert _big_units(session) == 5
    assert session.exec(select(Job)).all() == []


def test_a_large_ledger_becomes_a_job_with_its_summary(app, login_as, session, immediate_queue):
    app.config["IMPORT_QUEUE_ROWS"] = 5
    client = login_as("manager")
    response = _apply(client, 6)
    assert response.status_code == 302 and "/units/import/jobs/" in response.location
    page = client.get(response.location).get_data(as_text=True)
    assert "已写入" in page and "共 6 行数据" in page
    assert _big_units(session) == 6
    job = session.exec(select(Job)).one()
    assert job.status == "done" and job.result["counts"]["unit"] == {"created": 6}
    assert job.result["counts"]["area"] == {"created": 2}  # 南区 and 北区 were new
    # The ledger (identity numbers) does not outlive the job.
    assert session.exec(select(JobBlob)).all() == []


def test_a_queued_ledger_with_errors_writes_nothing_and_lists_them(
    app, login_as, session, immediate_queue
):
    app.config["IMPORT_QUEUE_ROWS"] = 2
    data = _ledger(4).replace(b"BIG-000002", b"")  # a row without its unit code
    client = login_as("manager")
    form = {
        "kind": "units",
        "apply": "y",
        "file": (io.BytesIO(data), "台账.csv"),
        "csrf_token": csrf_token(client, URL),
    }
    response = client.post(URL, data=form, content_type="multipart/form-data")
    page = client.get(response.location).get_data(as_text=True)
    assert "文件有错误，没有写入任何内容" in page and "错误（1 处）" in page
    assert _big_units(session) == 0
    assert session.exec(select(Job)).one().status == "failed"
    # Stored as msgids with their parameters: the reader's language decides.
    english = client.get(f"{response.location}?lang=en").get_data(as_text=True)
    assert "The file has errors; nothing was written" in english
    cells = re.findall(r"<td>([^<]*)</td>", english.split("import-errors", 1)[1])
    assert cells[0] == "4" and cells[2] and not re.search(r"[\u4e00-\u9fff]", cells[2])


@pytest.mark.parametrize(
    "job_id", ["x" * 5000, "0" * 32, "../../etc/passwd", "ab%00cd", "99999999999999999999"]
)
def test_hostile_job_ids_answer_404(login_as, job_id):
    client = login_as("manager")
    for url in (f"/print/jobs/{job_id}", f"/print/jobs/{job_id}/file", f"{URL}/jobs/{job_id}"):
        # A NUL byte is refused before routing (400); every other id is simply not found.
        assert client.get(url).status_code == (400 if "%00" in job_id else 404), url


def _running(session, owner_id: int, *, attempts: int, beat_ago: float) -> Job:  # type: ignore[no-untyped-def]
    job = Job(
        id=f"{attempts:032x}",
        kind="print",
        params={"what": "roster"},
        owner_id=owner_id,
        status="running",
        attempts=attempts,
        heartbeat_at=datetime.now(UTC) - timedelta(seconds=beat_ago),
    )
    session.add(job)
    session.commit()
    return job


def test_the_reaper_queues_a_dead_workers_job_again_then_gives_up(app, session, world):
    app.config["QUEUE_LEASE_SECONDS"] = 60
    owner = world.users["manager"].id
    again = _running(session, owner, attempts=1, beat_ago=61)
    given_up = _running(session, owner, attempts=3, beat_ago=61)
    alive = _running(session, owner, attempts=2, beat_ago=30)
    assert queue.reap(app) == 2
    session.expire_all()
    assert session.get(Job, again.id).status == "queued"
    assert session.get(Job, given_up.id).status == "failed"
    assert session.get(Job, given_up.id).error == "处理任务的进程中断次数过多，任务已停止。"
    assert session.get(Job, alive.id).status == "running"
    messages = session.exec(select(QueueMessage)).all()
    assert len(messages) == 1
    task = queue.huey_of(app).deserialize_task(messages[0].data)
    assert task.args == (again.id,)


def test_a_job_taken_back_keeps_nothing_of_the_slow_worker(app, session, world):
    job = _running(session, world.users["manager"].id, attempts=2, beat_ago=0)
    with app.app_context(), pytest.raises(queue._Fenced):
        queue._finish(session, job.id, 1, "done", result_file=("a.pdf", "x", b"%PDF"))
    session.rollback()
    assert session.get(Job, job.id).status == "running"
    assert session.exec(select(JobBlob)).all() == []


def test_a_result_over_the_size_bound_fails_the_job_with_a_reason(
    app, login_as, session, world, monkeypatch, immediate_queue
):
    from tests.printing.helpers import rate

    app.config["QUEUE_MAX_RESULT_BYTES"] = 1000
    rate(session, world.unit_a, "three", 3)
    session.commit()
    monkeypatch.setattr(documents, "BACKGROUND_PAGES", 0)
    client = login_as("manager")
    token = csrf_token(client, "/print")
    response = client.post("/print/plaques", data={"p-csrf_token": token, "p-size": "A5"})
    page = client.get(response.location).get_data(as_text=True)
    assert "文件超过 1 MB，请分区域打印。" in page  # whole MB, rounded up
    english = client.get(f"{response.location}?lang=en").get_data(as_text=True)
    assert "larger than 1 MB" in english
    assert client.get(f"{response.location}/file").status_code == 404


def test_the_storage_queues_schedules_and_keeps_data_in_the_database(app):
    storage = DatabaseStorage("t", factory=lambda: app.extensions["rentals.db"][1])
    storage.enqueue(b"low", 0)
    storage.enqueue(b"high", 5)
    storage.enqueue(b"low2", 0)
    assert storage.queue_size() == 3
    assert [storage.dequeue() for _ in range(4)] == [b"high", b"low", b"low2", None]
    now = datetime(2026, 12, 4, 12, 0)
    storage.add_to_schedule(b"later", now + timedelta(minutes=5))
    storage.add_to_schedule(b"due", now - timedelta(minutes=5))
    assert storage.read_schedule(now) == [b"due"]
    assert storage.schedule_size() == 1 and storage.queue_size() == 0
    assert storage.put_if_empty("lock", b"1") and not storage.put_if_empty("lock", b"2")
    assert storage.pop_data("lock") == b"1" and not storage.has_data_for_key("lock")
