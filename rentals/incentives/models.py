"""Tables of the blacklist (the notice before it and the monthly editions) and of the
measures a rating carries.

The tables keep the names they had when they lived in ``portal`` and ``printing``, so the
move needed no migration.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, Index, LargeBinary, Text, UniqueConstraint
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


class MeasureStatus(StrEnum):
    PROPOSED = "proposed"
    CONFIRMED = "confirmed"
    DECLINED = "declined"
    #: Confirmed and carried out: what was done is recorded in its events.
    DONE = "done"


class Measure(SQLModel, table=True):
    """One measure a rating's band carries for one unit, proposed when its rating changed.

    ``status`` and ``ended_at`` are the current state (updated in the same transaction as
    the event that changes them); ``MeasureEvent`` rows are the history, only appended.
    """

    __table_args__ = (
        UniqueConstraint("rating_id", "code", name="uq_measure_rating_id_code"),
        Index("ix_measure_unit_open", "unit_id", "ended_at"),
        Index("ix_measure_status_open", "status", "ended_at"),
        Index("ix_measure_landlord", "landlord_id"),
    )
    id: int | None = Field(default=None, primary_key=True)
    unit_id: int = Field(foreign_key="unit.id")
    #: The unit's landlord when it was proposed (a later owner does not inherit it).
    landlord_id: int | None = Field(default=None, foreign_key="person.id")
    #: The rating whose band carries it; None for a measure redeemed with points.
    rating_id: int | None = Field(default=None, foreign_key="rating.id")
    #: The ledger entry (negative) that paid for a redeemed measure.
    points_entry_id: int | None = Field(default=None, foreign_key="points_entry.id", unique=True)
    band: str = Field(max_length=16)
    catalogue_version: int
    code: str = Field(max_length=8)
    #: A catalogue.Record value: what is recorded when it is carried out.
    record: str = Field(max_length=12)
    #: The catalogue's wording at the time, so history reads as it was proposed.
    text_zh: str = Field(max_length=300)
    text_bo: str = Field(default="", max_length=300)
    text_en: str = Field(default="", max_length=300)
    status: str = Field(default=MeasureStatus.PROPOSED, max_length=12)
    proposed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    #: Set when the unit's rating changed again: the measure no longer applies.
    ended_at: datetime | None = Field(default=None, sa_type=UTCDateTime)

    def text(self, language: str) -> str:
        return {"bo": self.text_bo, "en": self.text_en}.get(language) or self.text_zh

    @property
    def is_redeemed(self) -> bool:
        return self.points_entry_id is not None


class MeasureEvent(SQLModel, table=True):
    """What happened to a measure: proposed, confirmed, declined, recorded, ended. Appended."""

    __tablename__ = "measure_event"
    __table_args__ = (Index("ix_measure_event_measure", "measure_id", "id"),)
    id: int | None = Field(default=None, primary_key=True)
    measure_id: int = Field(foreign_key="measure.id")
    #: "proposed", "confirmed", "declined", "recorded" or "ended".
    kind: str = Field(max_length=12)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    actor_id: int | None = Field(default=None, foreign_key="user.id")
    #: What was recorded: {"on": "2027-03-02", "note": …}, {"from": 4, "to": 2},
    #: {"number": …}, {"reason": …} for a decline, {"rating": id} for an end.
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class PointsEntry(SQLModel, table=True):
    """One line of the points ledger (积分制): appended, never changed.

    ``key`` names the source event (``refusal:inspection:17``), so a job that finds the
    same event twice writes one entry. Area and community are the unit's when written,
    for rankings without a join.
    """

    __tablename__ = "points_entry"
    __table_args__ = (
        Index("ix_points_entry_person", "person_id", "id"),
        Index("ix_points_entry_area", "area_id", "person_id"),
        Index("ix_points_entry_community", "community_id", "person_id"),
    )
    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=120, unique=True)
    person_id: int = Field(foreign_key="person.id")
    #: "landlord" or "tenant".
    holder: str = Field(max_length=10)
    unit_id: int | None = Field(default=None, foreign_key="unit.id")
    area_id: int = Field(foreign_key="area.id")
    community_id: int = Field(foreign_key="community.id")
    #: A points_rules.EVENTS value.
    event: str = Field(max_length=32)
    points: int
    rules_version: int
    #: The rule's wording when written, so history reads as it was earned.
    reason_zh: str = Field(max_length=300)
    reason_bo: str = Field(default="", max_length=300)
    reason_en: str = Field(default="", max_length=300)
    #: What the points came from: "rating", "inspection", "order", "declaration", "move_out",
    #: "tenancy", or "measure" for a redemption (negative, its measure's id).
    source_type: str = Field(max_length=16)
    source_id: int
    #: Local date of the event: the rules version in force that day applies.
    occurred_on: date
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

    def reason(self, language: str) -> str:
        return {"bo": self.reason_bo, "en": self.reason_en}.get(language) or self.reason_zh


class RedeemableMeasure(SQLModel, table=True):
    """A community's setting of one catalogue measure: redeemable for ``cost`` points, or
    not (``active`` false). Appended; the newest row per (community, code) is in force.

    A table, not a versioned file: the setting decides no past outcome (a redemption keeps
    the cost it paid in its ledger entry), each community keeps its own on a page without a
    release, and the rows are its history.
    """

    __tablename__ = "redeemable_measure"
    __table_args__ = (Index("ix_redeemable_measure_current", "community_id", "code", "id"),)
    id: int | None = Field(default=None, primary_key=True)
    community_id: int = Field(foreign_key="community.id")
    code: str = Field(max_length=8)
    cost: int
    active: bool = True
    set_by: int | None = Field(default=None, foreign_key="user.id")
    set_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class IncentiveVersion(SQLModel, table=True):
    """An uploaded version of the measures catalogue or the points rules: the TOML text as
    checked on upload, kept in the database (every web node and job reads the same) and
    never changed; the readers choose the version in force by its ``active_from``."""

    __tablename__ = "incentive_version"
    __table_args__ = (
        UniqueConstraint("kind", "version", name="uq_incentive_version_kind_version"),
    )
    id: int | None = Field(default=None, primary_key=True)
    #: "measures" or "points".
    kind: str = Field(max_length=8)
    version: int
    active_from: date
    title: str = Field(max_length=300)
    source: str = Field(sa_column=Column(Text, nullable=False))
    created_by: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class PointsMark(SQLModel, table=True):
    """How far the points sweep has read one kind of source: the highest id (append-only
    rows) or stamp (rows that change later), and the business day of the run (events that
    come due with time). Written in the sweep's own transaction, so a crash loses none."""

    __tablename__ = "points_mark"
    kind: str = Field(primary_key=True, max_length=16)
    last_id: int = 0
    last_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_day: date | None = None
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
