"""Inspection tasks: one row per (unit, kind, period), which makes planning idempotent."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Index, UniqueConstraint
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
