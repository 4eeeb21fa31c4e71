"""Scorecard versions and the appended rating history of each unit."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Column, Index, Numeric, Text
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
