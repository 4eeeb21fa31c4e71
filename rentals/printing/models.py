"""Issued plaques: what was printed, kept as printed (blacklist editions: incentives)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Index
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
