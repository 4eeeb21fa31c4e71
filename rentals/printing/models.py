"""Issued plaques: what was printed, kept as printed (blacklist editions: incentives)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, LargeBinary
from sqlmodel import Field, SQLModel

from rentals.modelbase import UTCDateTime, utcnow


class Plaque(SQLModel, table=True):
    """One printed plaque. A reprint retires the old row and points it at the new one."""

    __table_args__ = (Index("ix_plaque_unit_current", "unit_id", "retired_at"),)
    id: int | None = Field(default=None, primary_key=True)
    unit_id: int = Field(foreign_key="unit.id")
    #: Printed on the plaque and encoded in its QR code (/p/<serial>): random, not a count.
    serial: str = Field(max_length=16, unique=True)
    #: The rating the plaque shows (a scoring.RatingStatus value and its stars) at issue.
    stars: int
    rating_status: str = Field(max_length=16)
    valid_until: date
    issued_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    issued_by: int | None = Field(default=None, foreign_key="user.id")
    retired_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    replaced_by: int | None = Field(default=None, foreign_key="plaque.id")


class ScheduledPrint(SQLModel, table=True):
    """A document the scheduler prepared (the week's batch of changed plaques, next
    week's roster of an area), kept in the database so every node's print page reads it.

    ``key`` names what it is for ("plaques:<Monday>", "roster:<Monday>:<area id>"): a
    rerun in the same week, or a second scheduler, finds the row and writes nothing.
    """

    __tablename__ = "scheduled_print"
    __table_args__ = (Index("ix_scheduled_print_kind_week", "kind", "week"),)
    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=80, unique=True)
    #: "plaques" or "roster".
    kind: str = Field(max_length=16)
    #: Monday of the week the document is for.
    week: date
    area_id: int | None = Field(default=None, foreign_key="area.id")
    #: Local date the scheduler prepared it.
    prepared: date
    #: The unit codes a plaque batch lists (empty for a roster).
    units: list[Any] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    pages: int = 0
    size: int = 0
    #: The PDF; None when there was nothing to print (a week without changed plaques).
    pdf: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
