"""The outbox (one row per message, kept as sent) and each person's language for messages."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index
from sqlmodel import Field, SQLModel

from rentals.modelbase import UTCDateTime, utcnow

QUEUED, DELIVERED, FAILED = "queued", "delivered", "failed"


class OutboxMessage(SQLModel, table=True):
    """A message to one person. ``key`` makes queuing idempotent: the same event for the
    same person ("visit:<task>:<person>") is one row, however often the scheduler runs."""

    __tablename__ = "outbox_message"
    __table_args__ = (
        Index("ix_outbox_message_person_created", "person_id", "created_at"),
        Index("ix_outbox_message_status", "status"),
    )
    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=120, unique=True)
    #: A name of ``rentals.messages.texts.TEMPLATES``.
    template: str = Field(max_length=32)
    person_id: int = Field(foreign_key="person.id")
    unit_id: int | None = Field(default=None, foreign_key="unit.id")
    #: E.164, copied when queued (a later change of number does not redirect it).
    phone: str = Field(max_length=16)
    #: "zh" or "bo".
    language: str = Field(max_length=8)
    #: The text as sent: at most one SMS (70 characters).
    text: str = Field(max_length=70)
    params: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    status: str = Field(default=QUEUED, max_length=12)
    attempts: int = 0
    #: Why the last attempt failed (the gateway's status and answer, or the network error).
    error: str = Field(default="", max_length=500)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_attempt_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    delivered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    failed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class ContactPreference(SQLModel, table=True):
    """The language a person reads messages (and, for a landlord, pages) in."""

    __tablename__ = "contact_preference"
    person_id: int = Field(foreign_key="person.id", primary_key=True)
    #: "zh" or "bo".
    language: str = Field(default="zh", max_length=8)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
