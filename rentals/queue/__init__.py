"""The app's task queue: huey on the product's own database, with a ``job`` row per job.

A page calls ``enqueue`` in its unit of work: the job row, its input file and huey's
message are written in the request's transaction, so they commit together. ``rentals
worker`` runs huey's consumer; its one task, ``run``, claims the job row (queued, or
running with a heartbeat older than the lease: its worker died), runs the handler
registered for the job's kind, and marks the job done or failed. The claim increments
``attempts`` and every later write is fenced on it, so a job run twice (enqueued twice,
or taken back from a worker that was only slow) leaves one result. APScheduler stays
the only clock: huey runs no periodic tasks.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from flask import Flask, current_app
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from huey import Huey
from sqlalchemy import and_, delete, or_, select, update
from sqlmodel import Session

from rentals import clock, db
from rentals.errors import DomainError
from rentals.queue.models import DONE, FAILED, QUEUED, RUNNING, Job, JobBlob, QueueMessage
from rentals.queue.storage import DatabaseStorage

log = logging.getLogger(__name__)

_KEY = "rentals.queue"
#: Handlers by job kind; each module that defines a kind registers it with ``handler``.
HANDLERS: dict[str, Callable[[JobRun], dict[str, Any] | None]] = {}
#: Jobs running in this process: its own reaper never takes them back.
_RUNNING: set[str] = set()
GENERIC_ERROR = _l("任务失败，请重试或联系管理员。")
WORKER_LOST = _l("处理任务的进程中断次数过多，任务已停止。")


class JobFailed(Exception):
    """A handler's refusal: ``message`` (a msgid) is shown on the job page; ``result``
    (plain JSON, e.g. a ledger's row errors) is kept on the job row."""

    def __init__(self, message: Any, result: dict[str, Any] | None = None) -> None:
        super().__init__(str(message))
        self.message = message
        self.result = result


class _Fenced(Exception):
    """The job was taken back from this worker; its writes are rolled back."""


def portable(message: Any) -> Any:
    """A message as JSON that a page translates into its reader's language later: a lazy
    gettext string keeps its msgid and its parameters; anything else is kept as text."""
    if isinstance(message, LazyString) and message._args:
        params = {k: str(v) for k, v in message._kwargs.items()}
        return {"msgid": str(message._args[0]), "params": params}
    return str(message)


def job_text(message: Any, params: dict[str, Any] | None = None) -> str:
    """A stored message (``portable``) in the reader's language (Jinja ``job_text``)."""
    if isinstance(message, dict):
        message, params = message.get("msgid", ""), message.get("params")
    return gettext(str(message), **(params or {})) if message else ""


def handler(kind: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def register(func: Callable[..., Any]) -> Callable[..., Any]:
        HANDLERS[kind] = func
        return func

    return register


def init_app(app: Flask) -> None:
    """One huey for the app, its messages in the app's database (``QUEUE_IMMEDIATE``:
    jobs run inside the enqueueing request, for the tests that ask for it)."""
    huey = Huey(
        app.config["QUEUE_NAME"],
        results=False,
        utc=True,
        immediate=bool(app.config["QUEUE_IMMEDIATE"]),
        storage_class=DatabaseStorage,
        factory=lambda: app.extensions[db._EXTENSION_KEY][1],
    )

    @huey.task(name="rentals.run_job")
    def run_job(job_id: str) -> None:
        run(app, job_id)

    app.extensions[_KEY] = (huey, run_job)
    app.jinja_env.globals["job_text"] = job_text


def huey_of(app: Flask | None = None) -> Huey:
    return (app or current_app).extensions[_KEY][0]


def _message(job_id: str) -> Any:
    return current_app.extensions[_KEY][1].s(job_id)


def enqueue(
    session: Session,
    *,
    kind: str,
    params: dict[str, Any],
    owner_id: int | None,
    input_file: tuple[str, str, bytes] | None = None,
    delay: timedelta | None = None,
) -> Job:
    """Add a job (and its input file: name, mimetype, bytes) and its message; flush.

    With ``delay`` the message waits that long (huey's schedule: a retry later), also in
    immediate mode, where it waits for a consumer like any other.
    """
    if kind not in HANDLERS:
        raise ValueError(f"no handler for job kind {kind!r}")
    job = Job(id=uuid.uuid4().hex, kind=kind, params=params, owner_id=owner_id)
    session.add(job)
    if input_file is not None:
        name, mimetype, data = input_file
        session.add(
            JobBlob(
                job_id=job.id, role="input", name=name, mimetype=mimetype, size=len(data), data=data
            )
        )
    huey = huey_of()
    if delay is not None:
        eta = clock.now() + delay
        session.add(
            QueueMessage(queue=huey.name, eta=eta, data=huey.serialize_task(_message(job.id)))
        )
        session.flush()
    elif huey.immediate:
        session.flush()
        huey.enqueue(_message(job.id))  # runs now, in its own unit of work
    else:
        session.add(QueueMessage(queue=huey.name, data=huey.serialize_task(_message(job.id))))
        session.flush()
    return job


def owned_job(session: Session, job_id: str, owner_id: int) -> Job | None:
    """The job if ``owner_id`` started it; None for any other id (or a malformed one)."""
    if not (len(job_id) == 32 and job_id.isascii() and job_id.isalnum()):
        return None
    job = session.get(Job, job_id)
    return job if job is not None and job.owner_id == owner_id else None


def blob(session: Session, job_id: str, role: str = "result") -> JobBlob | None:
    return session.get(JobBlob, (job_id, role))


def blob_info(session: Session, job_id: str, role: str = "result") -> tuple[str, int] | None:
    """(name, size) of a job's file, without reading its bytes."""
    row = session.execute(
        select(JobBlob.name, JobBlob.size).where(JobBlob.job_id == job_id, JobBlob.role == role)
    ).first()
    return None if row is None else (row.name, row.size)


def _lease(app: Flask) -> timedelta:
    return timedelta(seconds=float(app.config["QUEUE_LEASE_SECONDS"]))


class JobRun:
    """What a handler gets: the job, its session (committed with the job's end), its
    input, and a way to report progress and to keep a result file."""

    def __init__(self, session: Session, job: Job, attempt: int) -> None:
        self.session = session
        self.job = job
        self.attempt = attempt
        self.done, self.total = 0, 1
        self.result_file: tuple[str, str, bytes] | None = None

    def write(self) -> None:
        """End the reads so far; the next transaction writes (on SQLite it takes the lock
        at BEGIN, so a read snapshot never has to be upgraded under a heartbeat)."""
        self.session.commit()
        db.write_intent.set(True)

    def progress(self, done: int, total: int) -> None:
        """Kept in memory; the heartbeat writes it to the job row."""
        self.done, self.total = done, max(total, 1)

    def input(self) -> bytes:
        found = blob(self.session, self.job.id, "input")
        if found is None:
            raise JobFailed(GENERIC_ERROR)
        return found.data

    def keep_file(self, name: str, mimetype: str, data: bytes) -> None:
        limit = int(current_app.config["QUEUE_MAX_RESULT_BYTES"])
        if len(data) > limit:
            raise JobFailed(
                _l("文件超过 %(mb)s MB，请分区域打印。", mb=max(1, -(-limit // (1024 * 1024))))
            )
        self.result_file = (name, mimetype, data)


class _Heartbeat(threading.Thread):
    """Touches the running job's row (and writes its progress) until stopped."""

    def __init__(self, app: Flask, run: JobRun) -> None:
        super().__init__(daemon=True, name=f"heartbeat-{run.job.id[:8]}")
        self.app, self.run_ = app, run
        self.interval = min(2.0, _lease(app).total_seconds() / 4)
        self.stopped = threading.Event()

    def run(self) -> None:
        job_id, attempt = self.run_.job.id, self.run_.attempt
        while not self.stopped.wait(self.interval):
            try:
                with self.app.app_context(), db.unit_of_work() as session:
                    session.execute(
                        update(Job)
                        .where(Job.id == job_id, Job.status == RUNNING, Job.attempts == attempt)
                        .values(
                            heartbeat_at=clock.now(), progress=self.run_.done, total=self.run_.total
                        )
                    )
            except Exception:  # the next beat tries again; the lease is long
                log.warning("Heartbeat of job %s failed", job_id, exc_info=True)


def _claim(app: Flask, job_id: str) -> int | None:
    """Take the job (queued, or running past its lease); return this attempt's number."""
    at = clock.now()
    with db.unit_of_work() as session:
        taken = session.execute(
            update(Job)
            .where(
                Job.id == job_id,
                or_(
                    Job.status == QUEUED,
                    and_(Job.status == RUNNING, Job.heartbeat_at < at - _lease(app)),
                ),
            )
            .values(
                status=RUNNING,
                attempts=Job.attempts + 1,
                started_at=at,
                heartbeat_at=at,
                progress=0,
            )
        )
        if taken.rowcount != 1:
            return None
        return session.execute(select(Job.attempts).where(Job.id == job_id)).scalar_one()


def _finish(
    session: Session,
    job_id: str,
    attempt: int,
    status: str,
    *,
    result: dict[str, Any] | None = None,
    error: str | None = None,
    result_file: tuple[str, str, bytes] | None = None,
) -> None:
    ended = session.execute(
        update(Job)
        .where(Job.id == job_id, Job.status == RUNNING, Job.attempts == attempt)
        .values(
            status=status,
            result=result,
            error=error,
            finished_at=clock.now(),
            progress=1 if status == DONE else 0,
            total=1,
        )
    )
    if ended.rowcount != 1:
        raise _Fenced
    session.execute(delete(JobBlob).where(JobBlob.job_id == job_id))
    if result_file is not None:
        name, mimetype, data = result_file
        session.add(
            JobBlob(
                job_id=job_id,
                role="result",
                name=name,
                mimetype=mimetype,
                size=len(data),
                data=data,
            )
        )


def run(app: Flask, job_id: str) -> None:
    """huey's task: run one job, at most one result whatever happens around it."""
    with app.app_context():
        attempt = _claim(app, job_id)
        if attempt is None:
            log.info("Job %s is not waiting (done, failed or running elsewhere)", job_id)
            return
        beat: _Heartbeat | None = None
        _RUNNING.add(job_id)
        try:
            # The handler decides when to write (an import commits batch by batch); the
            # job's end is written in the handler's last transaction, fenced.
            with db.unit_of_work(write=False) as session:
                job = session.get(Job, job_id)
                assert job is not None
                work = JobRun(session, job, attempt)
                if not huey_of(app).immediate:
                    beat = _Heartbeat(app, work)
                    beat.start()
                summary = HANDLERS[job.kind](work)
                db.write_intent.set(True)
                session.commit()  # the handler's reads end; the end is written as a writer
                _finish(
                    session,
                    job_id,
                    attempt,
                    DONE,
                    result=summary,
                    result_file=work.result_file,
                )
        except _Fenced:
            log.warning("Job %s was taken back from this worker; nothing kept", job_id)
        except Exception as err:
            failed = isinstance(err, JobFailed | DomainError)
            if not failed:
                log.exception("Job %s failed", job_id)
            message = portable(err.message if failed else GENERIC_ERROR)  # type: ignore[attr-defined]
            result = dict(getattr(err, "result", None) or {})
            if isinstance(message, dict):
                result["error_params"] = message["params"]
                message = message["msgid"]
            with db.unit_of_work() as session, contextlib.suppress(_Fenced):
                _finish(
                    session,
                    job_id,
                    attempt,
                    FAILED,
                    error=message[:2000],
                    result=result or None,
                )
        finally:
            _RUNNING.discard(job_id)
            if beat is not None:
                beat.stopped.set()


def reap(app: Flask, *, max_attempts: int | None = None) -> int:
    """Take back running jobs whose worker stopped beating: queue them again, or mark them
    failed after ``QUEUE_MAX_ATTEMPTS``. Returns how many were taken back."""
    limit = max_attempts or int(app.config["QUEUE_MAX_ATTEMPTS"])
    huey = huey_of(app)
    at = clock.now()
    with app.app_context(), db.unit_of_work() as session:
        stale = session.execute(
            select(Job.id, Job.attempts)
            .where(Job.status == RUNNING, Job.heartbeat_at < at - _lease(app))
            .with_for_update(skip_locked=True)
        ).all()
        stale = [row for row in stale if row[0] not in _RUNNING]
        for job_id, attempts in stale:
            if attempts >= limit:
                session.execute(
                    update(Job)
                    .where(Job.id == job_id, Job.status == RUNNING, Job.attempts == attempts)
                    .values(status=FAILED, error=str(WORKER_LOST), finished_at=at)
                )
                session.execute(delete(JobBlob).where(JobBlob.job_id == job_id))
                continue
            session.execute(
                update(Job)
                .where(Job.id == job_id, Job.status == RUNNING, Job.attempts == attempts)
                .values(status=QUEUED, heartbeat_at=None)
            )
            message = app.extensions[_KEY][1].s(job_id)
            session.add(QueueMessage(queue=huey.name, data=huey.serialize_task(message)))
            log.warning("Job %s: its worker stopped; queued again (attempt %s)", job_id, attempts)
        return len(stale)
