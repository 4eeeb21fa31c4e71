"""API tokens: one credential per external system, stored as a hash, with an expiry.

A token is shown once when it is made; the table keeps only its SHA-256 and a short
prefix so a list can tell tokens apart. Revoking sets ``revoked_at``: every worker reads
the row on every request, so a revoked or expired token is refused at once everywhere.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from rentals.modelbase import UTCDateTime, utcnow


class ApiToken(SQLModel, table=True):
    __tablename__ = "api_token"
    id: int | None = Field(default=None, primary_key=True)
    #: The account the token acts as: its role and scope are the token's.
    user_id: int = Field(foreign_key="user.id", index=True)
    #: What the token is for ("district grid platform"), typed by whoever made it.
    name: str = Field(max_length=100)
    #: SHA-256 (hex) of the token; the token itself is shown once.
    token_hash: str = Field(max_length=64, unique=True)
    #: The token's first characters, shown in lists to tell tokens apart.
    prefix: str = Field(max_length=16)
    created_by: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_by: int | None = Field(default=None, foreign_key="user.id")
    #: Updated at most once a minute (a write per request would serialise readers).
    last_used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_used_ip: str = Field(default="", max_length=64)
    #: Language of error messages when a request sends no Accept-Language (the language
    #: the token was made in; "" = Chinese).
    locale: str = Field(default="", max_length=16)
