"""Inspection visits: appended, never edited; a correction is a new row that references one."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, Index, Text
from sqlmodel import Field, SQLModel

from rentals.modelbase import UTCDateTime, utcnow


class Outcome(StrEnum):
    COMPLETED = "completed"
    REFUSED = "refused"
    NO_ACCESS = "no_access"


class Inspection(SQLModel, table=True):
    __table_args__ = (Index("ix_inspection_unit_newest", "unit_id", "id"),)
    id: int | None = Field(default=None, primary_key=True)
    unit_id: int = Field(foreign_key="unit.id")
    inspector_id: int | None = Field(default=None, foreign_key="user.id", index=True)
    scorecard_version_id: int = Field(foreign_key="scorecard_version.id")
    #: Made on the phone with the draft: a retried submit finds the row it already made.
    client_key: str = Field(max_length=64, unique=True)
    outcome: str = Field(default=Outcome.COMPLETED, max_length=16)
    #: Item code -> "met" / "not_met" / "na".
    answers: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    vetoes: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    #: Item code -> note, plus "" for the note on the whole visit.
    notes: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    task_id: int | None = Field(default=None, foreign_key="task.id", index=True)
    corrects_id: int | None = Field(default=None, foreign_key="inspection.id")
    visited_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    summary: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
