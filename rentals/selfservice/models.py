"""Door stickers: a QR code on the door of a unit that has no plaque yet."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index
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
