"""Inspection tasks: one row per (unit, kind, period), which makes planning idempotent."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Column, Float, Index, LargeBinary, Table, Unicode, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from rentals.modelbase import UTCDateTime, utcnow


class TaskStatus(StrEnum):
    OPEN = "open"
    OVERDUE = "overdue"
    DONE = "done"
    CANCELLED = "cancelled"


class TaskKind(StrEnum):
    ROUTINE = "routine"
    FOLLOW_UP = "follow_up"
    REINSPECTION = "reinspection"


class Task(SQLModel, table=True):
    __table_args__ = (
        UniqueConstraint("unit_id", "kind", "period_key"),
        Index("ix_task_status_due", "status", "due"),
        Index("ix_task_inspector_status_due", "inspector_id", "status", "due"),
        Index("ix_task_due", "due"),
        # Live tasks in due order: the dashboard's overdue list (migration 1601).
        Index(
            "ix_task_live_due",
            "due",
            "id",
            sqlite_where=text("lower(status) IN ('open', 'overdue')"),
            postgresql_where=text("lower(status) IN ('open', 'overdue')"),
        ),
    )
    id: int | None = Field(default=None, primary_key=True)
    unit_id: int = Field(foreign_key="unit.id")
    kind: str = Field(default=TaskKind.ROUTINE, max_length=16)
    #: "2027-02", "2027-02-H1", "2027-W05"; for follow-ups "F<order id>".
    period_key: str = Field(max_length=24)
    start: date
    due: date
    status: str = Field(default=TaskStatus.OPEN, max_length=12)
    inspector_id: int | None = Field(default=None, foreign_key="user.id")
    #: Stars of the unit when the task was planned (NULL = not yet rated).
    stars_at_planning: int | None = None
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    done_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class CalendarFeed(SQLModel, table=True):
    """A private iCalendar subscription of one inspector; the URL's token is stored hashed.

    Revoking sets ``revoked_at``: the URL then answers 404, and a new feed gets a new token.
    """

    __tablename__ = "calendar_feed"
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    #: SHA-256 of the random token in the URL, hex.
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


#: APScheduler 3's job store table, declared here exactly as SQLAlchemyJobStore defines it,
#: so the migrations create it and the models/migrations comparison knows it.
apscheduler_jobs = Table(
    "apscheduler_jobs",
    SQLModel.metadata,
    Column("id", Unicode(191), primary_key=True),
    Column("next_run_time", Float(25), index=True),
    Column("job_state", LargeBinary, nullable=False),
)
