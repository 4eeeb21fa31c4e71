"""Inspection visits: appended, never edited; a correction is a new row that references one."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, Index, LargeBinary, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from rentals.modelbase import UTCDateTime, utcnow


class Outcome(StrEnum):
    """What a visit came to. Only an inspection (``COMPLETED``) has item answers; the
    others are facts about the visit, never a checklist of failed items."""

    #: Inspected: every item answered, rated from the answers.
    COMPLETED = "completed"
    #: The landlord refused inspection: no answers, rated not rated through veto V2.
    REFUSED = "refused"
    #: Nobody let the inspector in: kept on the file, no rating, the task stays open.
    NO_ACCESS = "no_access"
    #: The unit no longer exists or is no longer let: no rating, withdrawal proposed to
    #: a manager, who confirms it on the unit's edit page.
    UNIT_GONE = "unit_gone"

    @property
    def has_answers(self) -> bool:
        return self is Outcome.COMPLETED

    @property
    def is_rated(self) -> bool:
        """Whether the visit appends a rating (and so completes its task)."""
        return self in (Outcome.COMPLETED, Outcome.REFUSED)


class Inspection(SQLModel, table=True):
    __table_args__ = (
        Index("ix_inspection_unit_newest", "unit_id", "id"),
        #: The dashboard's lists of visits in a window (the last four weeks, a month's refusals).
        Index("ix_inspection_visited_at", "visited_at", "id"),
        #: A month's refusals in time order (migration dashboard_1601).
        Index("ix_inspection_outcome_visited", "outcome", "visited_at", "id"),
    )
    id: int | None = Field(default=None, primary_key=True)
    unit_id: int = Field(foreign_key="unit.id")
    inspector_id: int | None = Field(default=None, foreign_key="user.id", index=True)
    scorecard_version_id: int = Field(foreign_key="scorecard_version.id")
    #: Made on the phone with the draft: a retried submit finds the row it already made.
    client_key: str = Field(max_length=64, unique=True)
    #: An Outcome value.
    outcome: str = Field(default=Outcome.COMPLETED, max_length=16)
    #: Item code -> "met" / "not_met" / "na"; empty unless the outcome is COMPLETED.
    answers: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    vetoes: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    #: Item code -> note, plus "" for the note on the whole visit.
    notes: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    task_id: int | None = Field(default=None, foreign_key="task.id", index=True)
    corrects_id: int | None = Field(default=None, foreign_key="inspection.id")
    visited_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    summary: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))


class OrderStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class Photo(SQLModel, table=True):
    """A re-encoded photo of a hazard, its bytes in ``photo_blob`` under a random name.

    Uploaded on its own (keyed by the phone's UUID) before or after the inspection it
    belongs to; ``inspection_key`` ties it to the inspection's client key until the row
    exists, then ``inspection_id`` is set.
    """

    __table_args__ = (Index("ix_photo_inspection_key", "inspection_key"),)
    id: int | None = Field(default=None, primary_key=True)
    #: Made on the phone: a retried upload finds the row it already made.
    key: str = Field(max_length=64, unique=True)
    unit_id: int = Field(foreign_key="unit.id", index=True)
    inspection_key: str = Field(default="", max_length=64)
    inspection_id: int | None = Field(default=None, foreign_key="inspection.id", index=True)
    #: Scorecard item the photo shows, "" for the visit as a whole.
    item_code: str = Field(default="", max_length=16)
    #: Random name (hex) of the JPEG and its thumbnail in ``photo_blob`` (and in the URL's ETag).
    filename: str = Field(max_length=64)
    width: int = 0
    height: int = 0
    uploaded_by: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class PhotoBlob(SQLModel, table=True):
    """The bytes of a photo ("full") or of its thumbnail ("thumb"), keyed by the photo's
    random name: in the database, so every web node serves it and the backup holds it."""

    __tablename__ = "photo_blob"
    name: str = Field(primary_key=True, max_length=64)
    variant: str = Field(primary_key=True, max_length=8)
    size: int
    data: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


class RectificationOrder(SQLModel, table=True):
    """整改: a failed item the landlord must fix by ``deadline``; closed only by an
    inspection that finds the item met."""

    __tablename__ = "rectification_order"
    __table_args__ = (
        Index("ix_rectification_order_unit_status", "unit_id", "status"),
        Index("ix_rectification_order_status_deadline", "status", "deadline"),
    )
    id: int | None = Field(default=None, primary_key=True)
    unit_id: int = Field(foreign_key="unit.id")
    inspection_id: int = Field(foreign_key="inspection.id", index=True)
    item_code: str = Field(max_length=16)
    deadline: date
    #: A serious hazard past its deadline makes the next assessment apply veto V1.
    serious: bool = False
    status: str = Field(default=OrderStatus.OPEN, max_length=12)
    note: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    photo_id: int | None = Field(default=None, foreign_key="photo.id")
    closed_by_inspection_id: int | None = Field(default=None, foreign_key="inspection.id")
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Signature(SQLModel, table=True):
    """A signature on an inspection; once one exists the record can only be corrected."""

    __table_args__ = (UniqueConstraint("inspection_id", "signer"),)
    id: int | None = Field(default=None, primary_key=True)
    inspection_id: int = Field(foreign_key="inspection.id")
    #: "party" (landlord or tenant present) or "inspector".
    signer: str = Field(max_length=16)
    name: str = Field(max_length=100)
    #: PNG drawn on the screen; NULL when signed by typed name and confirmation box.
    image: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    signed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
