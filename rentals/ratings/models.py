"""Scorecard versions, the appended rating history of each unit, and contests of ratings."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, Index, Numeric, Text, text
from sqlmodel import Field, SQLModel

from rentals.modelbase import UTCDateTime, utcnow


class ScorecardVersion(SQLModel, table=True):
    """A published scorecard, stored as the TOML it was loaded from; never changed after."""

    __tablename__ = "scorecard_version"
    id: int | None = Field(default=None, primary_key=True)
    version: int = Field(unique=True)
    title: str = Field(default="", max_length=200)
    source: str = Field(sa_column=Column(Text, nullable=False))
    #: First local date on which inspections use this version; NULL while a draft.
    active_from: date | None = Field(default=None, index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    created_by: int | None = Field(default=None, foreign_key="user.id")


class Rating(SQLModel, table=True):
    """One rating per completed inspection; a unit's current rating is its newest row."""

    __table_args__ = (Index("ix_rating_unit_newest", "unit_id", "id"),)
    id: int | None = Field(default=None, primary_key=True)
    unit_id: int = Field(foreign_key="unit.id")
    inspection_id: int = Field(foreign_key="inspection.id", unique=True)
    scorecard_version_id: int = Field(foreign_key="scorecard_version.id")
    #: Score rounded to one decimal for display; the band was decided on the exact value.
    score: Decimal = Field(sa_column=Column(Numeric(4, 1), nullable=False))
    stars: int
    #: A scoring.RatingStatus value.
    status: str = Field(max_length=16)
    #: Assessment.to_dict(): items, caps, vetoes, lost points, next star.
    breakdown: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    rated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ContestStatus(StrEnum):
    OPEN = "open"
    #: The landlord's contest succeeded: a re-inspection decides the rating anew.
    UPHELD = "upheld"
    #: The rating stands.
    REJECTED = "rejected"


class Contest(SQLModel, table=True):
    """A landlord contests one rating (复核申请); at most one open contest per unit."""

    __table_args__ = (
        Index(
            "uq_contest_open_unit",
            "unit_id",
            unique=True,
            sqlite_where=text("status = 'open'"),
            postgresql_where=text("status = 'open'"),
        ),
        Index("ix_contest_status_filed", "status", "filed_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    unit_id: int = Field(foreign_key="unit.id", index=True)
    #: A rating is contested at most once.
    rating_id: int = Field(foreign_key="rating.id", unique=True)
    filed_by: int | None = Field(default=None, foreign_key="user.id")
    reason: str = Field(sa_column=Column(Text, nullable=False))
    #: Ids of photos attached by the landlord (inspections' Photo rows), in order.
    photos: list[Any] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    status: str = Field(default=ContestStatus.OPEN, max_length=12)
    filed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    decided_by: int | None = Field(default=None, foreign_key="user.id")
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    decision_reason: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    #: The re-inspection task created when the contest was upheld.
    task_id: int | None = Field(default=None, foreign_key="task.id")
