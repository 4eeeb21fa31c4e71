"""Accounts and roles; inspectors serve areas, managers belong to communities, a landlord
account to a Person."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint
from sqlmodel import Field, SQLModel

from rentals.modelbase import UTCDateTime, utcnow


class Role(StrEnum):
    INSPECTOR = "inspector"
    MANAGER = "manager"
    LANDLORD = "landlord"
    ADMIN = "admin"


class User(SQLModel, table=True):
    __table_args__ = (
        CheckConstraint("role IN ('inspector', 'manager', 'landlord', 'admin')", name="role_known"),
    )
    id: int | None = Field(default=None, primary_key=True)
    #: Login name; landlords log in with their mobile number.
    username: str = Field(max_length=64, unique=True)
    display_name: str = Field(max_length=100)
    password_hash: str = Field(max_length=255)
    role: str = Field(max_length=16, index=True)
    person_id: int | None = Field(default=None, foreign_key="person.id", unique=True)
    is_active: bool = True
    must_change_password: bool = False
    failed_logins: int = 0
    locked_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    #: Changed at every login and logout, so an old session cookie stops working.
    session_token: str = Field(default="", max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_login_at: datetime | None = Field(default=None, sa_type=UTCDateTime)

    # Flask-Login's user protocol (is_active is the column above).
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        """The cookie names the account and its session token, so logout ends it everywhere."""
        return f"{self.id}:{self.session_token}"

    def has_role(self, *roles: str) -> bool:
        return self.role in roles


class UserArea(SQLModel, table=True):
    """The areas an inspector serves."""

    __tablename__ = "user_area"
    user_id: int = Field(foreign_key="user.id", primary_key=True)
    area_id: int = Field(foreign_key="area.id", primary_key=True, index=True)


class UserCommunity(SQLModel, table=True):
    """The communities a manager (or inspector) belongs to; admins see every community."""

    __tablename__ = "user_community"
    user_id: int = Field(foreign_key="user.id", primary_key=True)
    community_id: int = Field(foreign_key="community.id", primary_key=True, index=True)
