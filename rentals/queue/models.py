"""Background jobs and the queue they travel on, both in the product's own database.

``Job`` is what people see (status, progress, result summary); ``JobBlob`` holds a job's
input file and its result file, so no node's disk keeps state. ``QueueMessage`` and
``QueueData`` are huey's storage: a message is inserted in the same transaction as its
job, so a worker never sees a message without its job, nor a job without its message.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, LargeBinary
from sqlmodel import Field, SQLModel

from rentals.modelbase import UTCDateTime, utcnow

QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"


class Job(SQLModel, table=True):
    __table_args__ = (Index("ix_job_status_heartbeat", "status", "heartbeat_at"),)
    #: A random uuid (hex): job pages are addressed by it, so it must not be guessable.
    id: str = Field(primary_key=True, max_length=32)
    #: What runs it: a handler registered under this name ("print", "import").
    kind: str = Field(max_length=16)
    params: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    owner_id: int | None = Field(default=None, foreign_key="user.id", index=True)
    status: str = Field(default=QUEUED, max_length=8)
    progress: int = 0
    total: int = 1
    #: Why it failed: a msgid, translated on the page (its parameters, if any, are
    #: ``result["error_params"]``; see ``rentals.queue.job_text``).
    error: str | None = Field(default=None, max_length=2000)
    #: The result summary (plain JSON); a file result is the JobBlob of role "result".
    result: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    attempts: int = 0
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    started_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    #: Touched by the running worker; a running job whose heartbeat is older than the
    #: lease belongs to a dead worker and is taken back by the next one.
    heartbeat_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class JobBlob(SQLModel, table=True):
    """A job's input ("input", deleted when the job ends) or result file ("result")."""

    __tablename__ = "job_blob"
    job_id: str = Field(foreign_key="job.id", primary_key=True, max_length=32)
    role: str = Field(primary_key=True, max_length=8)
    name: str = Field(max_length=200)
    mimetype: str = Field(max_length=100)
    size: int
    data: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


class QueueMessage(SQLModel, table=True):
    """A huey message: ready when ``eta`` is null, else scheduled for then (UTC)."""

    __tablename__ = "queue_message"
    __table_args__ = (Index("ix_queue_message_ready", "queue", "eta", "priority"),)
    id: int | None = Field(default=None, primary_key=True)
    queue: str = Field(max_length=64)
    priority: float = 0
    eta: datetime | None = Field(default=None, sa_type=UTCDateTime)
    data: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


class QueueData(SQLModel, table=True):
    """huey's key/value data (locks, revocations; results are not kept here)."""

    __tablename__ = "queue_data"
    queue: str = Field(primary_key=True, max_length=64)
    key: str = Field(primary_key=True, max_length=255)
    value: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
