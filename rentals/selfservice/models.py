"""Door stickers (a QR code on the door of a unit without a plaque) and landlords' proofs
of a fix."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, Text, text
from sqlmodel import Field, SQLModel

from rentals.modelbase import UTCDateTime, utcnow


class DoorSticker(SQLModel, table=True):
    """One printed "我住在这里" sticker; its serial is random, like a plaque's.

    A reprint retires the unit's older stickers, so a torn-off sticker stops working.
    """

    __tablename__ = "door_sticker"
    __table_args__ = (Index("ix_door_sticker_unit_current", "unit_id", "retired_at"),)
    id: int | None = Field(default=None, primary_key=True)
    unit_id: int = Field(foreign_key="unit.id")
    #: Encoded in the sticker's QR code (/p/<serial>/here); never shared with a plaque.
    serial: str = Field(max_length=16, unique=True)
    issued_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    issued_by: int | None = Field(default=None, foreign_key="user.id")
    retired_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class FixProof(SQLModel, table=True):
    """A landlord's proof that a rectification order is fixed: a note and photos.

    Staff accept it (closing the order and its follow-up task without a visit, only for
    items the scorecard marks ``remote_proof`` and never for a serious hazard) or schedule
    the visit.  At most one proof of an order waits at a time.
    """

    __tablename__ = "fix_proof"
    __table_args__ = (
        Index(
            "uq_fix_proof_pending_order",
            "order_id",
            unique=True,
            sqlite_where=text("status = 'pending'"),
            postgresql_where=text("status = 'pending'"),
        ),
        Index("ix_fix_proof_unit_status", "unit_id", "status"),
    )
    id: int | None = Field(default=None, primary_key=True)
    order_id: int = Field(foreign_key="rectification_order.id")
    unit_id: int = Field(foreign_key="unit.id")
    note: str = Field(sa_column=Column(Text, nullable=False))
    #: Ids of the photos (inspections' Photo rows), in order.
    photos: list[Any] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    #: "pending", "accepted" (order closed without a visit) or "visit" (a visit decides).
    status: str = Field(default="pending", max_length=12)
    filed_by: int | None = Field(default=None, foreign_key="user.id")
    filed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    decided_by: int | None = Field(default=None, foreign_key="user.id")
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    #: The visit scheduled instead of remote acceptance.
    task_id: int | None = Field(default=None, foreign_key="task.id")


class ResidenceRegistration(SQLModel, table=True):
    """A tenant's residence registration (居住登记 / 居住证): when it was done and when it
    lapses; one row per tenancy, updated when it is renewed (the audit keeps the history)."""

    __tablename__ = "residence_registration"
    __table_args__ = (Index("ix_residence_registration_expires", "expires_on"),)
    tenancy_id: int = Field(foreign_key="tenancy.id", primary_key=True)
    registered_on: date
    #: None: the registration does not lapse.
    expires_on: date | None = None
    updated_by: int | None = Field(default=None, foreign_key="user.id")
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
