"""Issued plaques and published blacklist editions: what was printed, kept as printed."""

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


class BlacklistEdition(SQLModel, table=True):
    """A monthly blacklist as published: the data and the PDF, so it reprints exactly."""

    __tablename__ = "blacklist_edition"
    id: int | None = Field(default=None, primary_key=True)
    #: "2027-02": one edition a month, which makes the monthly job idempotent.
    month: str = Field(max_length=7, unique=True)
    published_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    #: The document context exactly as rendered (plain JSON values).
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    pdf: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
