"""What landlords file through the portal: tenant changes and public replies.

Contests live with the ratings they contest (``rentals.ratings.models``), the blacklist
notice in ``rentals.incentives.models``.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Column, Index, Text
from sqlmodel import Field, SQLModel

from rentals.modelbase import UTCDateTime, utcnow


class PublicReply(SQLModel, table=True):
    """The landlord's right to reply: a short text shown beside the rating in public.

    Appended; the newest row of a unit is the reply in force (an empty text withdraws it).
    """

    __tablename__ = "public_reply"
    __table_args__ = (Index("ix_public_reply_unit_newest", "unit_id", "id"),)
    id: int | None = Field(default=None, primary_key=True)
    unit_id: int = Field(foreign_key="unit.id")
    text: str = Field(default="", max_length=300)
    created_by: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class MoveOutReport(SQLModel, table=True):
    """A landlord says a tenant moved out; the register changes only when staff confirm."""

    __tablename__ = "move_out_report"
    __table_args__ = (Index("ix_move_out_report_unit_status", "unit_id", "status"),)
    id: int | None = Field(default=None, primary_key=True)
    unit_id: int = Field(foreign_key="unit.id")
    tenancy_id: int = Field(foreign_key="tenancy.id", index=True)
    moved_out: date
    #: "pending", "confirmed" or "rejected".
    status: str = Field(default="pending", max_length=12)
    reported_by: int | None = Field(default=None, foreign_key="user.id")
    reported_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    decided_by: int | None = Field(default=None, foreign_key="user.id")
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class DeclarationStatus(StrEnum):
    PENDING = "pending"
    #: Staff matched it to a person (found or created) and opened the tenancy.
    CONFIRMED = "confirmed"
    REJECTED = "rejected"


class TenantDeclaration(SQLModel, table=True):
    """A landlord declares a tenant moving in: what they typed, kept apart from the register.

    Nothing in the register is looked up or attached when it is filed, so the landlord learns
    nothing about the number they typed (issue 14.4); staff match and confirm it.
    """

    __tablename__ = "tenant_declaration"
    __table_args__ = (Index("ix_tenant_declaration_unit_status", "unit_id", "status"),)
    id: int | None = Field(default=None, primary_key=True)
    unit_id: int = Field(foreign_key="unit.id")
    name: str = Field(max_length=100)
    id_number: str = Field(max_length=18)
    phone: str | None = Field(default=None, max_length=16)
    #: None only for a tenant's own move-out declaration (``kind`` "out").
    moved_in: date | None = None
    registered: bool = False
    #: Who filed it: "landlord" (portal, staff confirm) or "tenant" (the public page,
    #: the landlord or staff confirm; rentals/selfservice).
    source: str = Field(
        default="landlord", max_length=8, sa_column_kwargs={"server_default": "landlord"}
    )
    #: "in" (moving in) or "out" (a tenant says they moved out; only from the public page).
    kind: str = Field(default="in", max_length=4, sa_column_kwargs={"server_default": "in"})
    moved_out: date | None = None
    #: When the tenant ticked the consent to the community keeping these details.
    consented_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    #: The landlord confirmed a tenant's declaration, but staff must finish it (the person
    #: still has an open tenancy elsewhere): it stays pending for them.
    landlord_confirmed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    #: A DeclarationStatus value.
    status: str = Field(default=DeclarationStatus.PENDING, max_length=12)
    declared_by: int | None = Field(default=None, foreign_key="user.id")
    declared_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    decided_by: int | None = Field(default=None, foreign_key="user.id")
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    decision_reason: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    #: The tenancy staff opened when confirming.
    tenancy_id: int | None = Field(default=None, foreign_key="tenancy.id")
