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
    #: SHA-256 (hex) of the token the session and remember-me cookies carry; replaced at
    #: every sign-in, sign-out and password change, so every older cookie stops working.
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
        """The cookie names the account and its session token, so logout ends it everywhere.

        Only the token's hash is stored: the plain token is known in the request that
        issued it (``services.issue_session_token``) or that presented it (the loader).
        """
        return f"{self.id}:{getattr(self, '_cookie_token', '')}"

    def has_role(self, *roles: str) -> bool:
        return self.role in roles


class UserArea(SQLModel, table=True):
    """The areas an inspector serves."""

    __tablename__ = "user_area"
    user_id: int = Field(foreign_key="user.id", primary_key=True)
    area_id: int = Field(foreign_key="area.id", primary_key=True, index=True)


class LoginThrottle(SQLModel, table=True):
    """Failed sign-ins of one client, one (account, client) pair or one account.

    Kept in the database so every web worker sees the same counts. ``key`` is the
    address, ``login|address`` / ``login|device:id``, or the normalised login name
    (whether or not such an account exists).
    """

    __tablename__ = "login_throttle"
    kind: str = Field(max_length=16, primary_key=True)
    key: str = Field(max_length=200, primary_key=True)
    failures: int = 0
    last_failure: datetime = Field(sa_type=UTCDateTime)
    next_allowed: datetime = Field(sa_type=UTCDateTime)


class UnlockCode(SQLModel, table=True):
    """A one-time code that lets the owner lift the sign-in throttle of their account."""

    __tablename__ = "unlock_code"
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    #: SHA-256 (hex) of the code; the code itself is shown once to whoever made it.
    code_hash: str = Field(max_length=64)
    created_by: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class UserCommunity(SQLModel, table=True):
    """The communities a manager (or inspector) belongs to; admins see every community."""

    __tablename__ = "user_community"
    user_id: int = Field(foreign_key="user.id", primary_key=True)
    community_id: int = Field(foreign_key="community.id", primary_key=True, index=True)
