"""Tables of the blacklist (the notice before it and the monthly editions).

The tables keep the names they had when they lived in ``portal`` and ``printing``, so the
move needed no migration.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, LargeBinary
from sqlmodel import Field, SQLModel

from rentals.modelbase import UTCDateTime, utcnow


class BlacklistNotice(SQLModel, table=True):
    """The landlord was told that this rating puts the unit on the published blacklist
    unless a contest succeeds within 21 days; one notice per rating."""

    __tablename__ = "blacklist_notice"
    __table_args__ = (Index("ix_blacklist_notice_unit", "unit_id", "rating_id"),)
    id: int | None = Field(default=None, primary_key=True)
    unit_id: int = Field(foreign_key="unit.id")
    rating_id: int = Field(foreign_key="rating.id", unique=True)
    notified_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    notified_by: int | None = Field(default=None, foreign_key="user.id")


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
