"""Incident kinds (a list managed on a page) and the incidents logged against units."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from rentals.modelbase import UTCDateTime, utcnow

NOTE_MAX = 500
REASON_MAX = 200


class IncidentKind(SQLModel, table=True):
    """One entry of the kind list. Kinds are retired (``active`` false), never deleted, so
    past incidents keep the kind they were logged with and monthly counts stay comparable."""

    __tablename__ = "incident_kind"
    id: int | None = Field(default=None, primary_key=True)
    #: Stable ASCII name ("theft"), used in exports and by tests; never changes.
    code: str = Field(max_length=32, unique=True)
    #: Names are data typed by an administrator, stored per language (Chinese is the fallback).
    name: str = Field(max_length=50)
    name_bo: str = Field(default="", max_length=100)
    name_en: str = Field(default="", max_length=50)
    active: bool = True
    #: Order in the form's list; ties go by id.
    position: int = 0


class Incident(SQLModel, table=True):
    """An incident at a unit. Only inserted; a mistake is retracted (kept, not counted)."""

    __table_args__ = (
        Index("ix_incident_unit_occurred", "unit_id", "occurred_on"),
        Index("ix_incident_occurred_on", "occurred_on"),
    )
    id: int | None = Field(default=None, primary_key=True)
    unit_id: int = Field(foreign_key="unit.id")
    kind_id: int = Field(foreign_key="incident_kind.id", index=True)
    #: Local business date of the incident.
    occurred_on: date
    note: str = Field(default="", max_length=NOTE_MAX)
    #: A resident (tenant or landlord) was the victim: never counts against the landlord.
    resident_victim: bool = False
    reported_by: int | None = Field(default=None, foreign_key="user.id")
    reported_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    retracted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    retracted_by: int | None = Field(default=None, foreign_key="user.id")
    retract_reason: str = Field(default="", max_length=REASON_MAX)

    @property
    def counts_against_landlord(self) -> bool:
        """The one rule: a live incident in which no resident was the victim."""
        return self.retracted_at is None and not self.resident_victim
