"""The unit file (一户一档): communities, areas, units, people and tenancies."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import CheckConstraint, Column, Index, Numeric, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from rentals.modelbase import UTCDateTime, utcnow


class UnitStatus(StrEnum):
    ACTIVE = "active"
    VACANT = "vacant"
    WITHDRAWN = "withdrawn"


class UnitType(StrEnum):
    ROOM = "room"
    APARTMENT = "apartment"
    HOUSE = "house"
    OTHER = "other"


class Community(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100, unique=True)
    #: Name in Tibetan script, shown beside the Chinese on plaques and public pages.
    name_bo: str = Field(default="", max_length=200)
    #: Issuing body printed on plaques (community office and police station).
    issuer: str = Field(default="", max_length=200)
    #: Police station printed on plaques beside the issuer.
    police_station: str = Field(default="", max_length=200)
    #: Address plaque QR codes open (scheme and host); empty = RENTALS_PUBLIC_BASE_URL.
    public_url: str = Field(default="", max_length=200)


class Area(SQLModel, table=True):
    """A grid or zone inside a community (e.g. south and north); inspectors serve areas."""

    __table_args__ = (UniqueConstraint("community_id", "name"),)
    id: int | None = Field(default=None, primary_key=True)
    community_id: int = Field(foreign_key="community.id", index=True)
    name: str = Field(max_length=100)
    name_bo: str = Field(default="", max_length=200)


class Person(SQLModel, table=True):
    """A landlord or tenant. The identity number is personal data: masked and audited."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100, index=True)
    #: GB 11643 number, upper-case X; unique when known.
    id_number: str | None = Field(default=None, max_length=18, unique=True)
    #: Last four characters of the identity number, for the register's search.
    id_tail: str | None = Field(default=None, max_length=4, index=True)
    #: Mainland mobile in E.164 (+8613812345678).
    phone: str | None = Field(default=None, max_length=16, index=True)
    address: str = Field(default="", max_length=200)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Unit(SQLModel, table=True):
    """One rental unit. ``rating_status``/``stars`` mirror the newest rating row for filtering."""

    __table_args__ = (
        Index("ix_unit_area_code", "area_id", "code"),
        Index("ix_unit_status_code", "status", "code"),
        Index("ix_unit_rating_code", "rating_status", "code"),
        Index("ix_unit_stars_code", "stars", "code"),
        #: The daily plan's probe reads unit ids per rating off this index alone.
        Index("ix_unit_status_stars", "status", "stars", "id"),
        Index("ix_unit_area_rating", "area_id", "rating_status"),
        Index("ix_unit_stale", "status", "stars", "last_inspected_on"),
        Index("ix_unit_area_stale", "area_id", "status", "stars", "last_inspected_on"),
        Index("ix_unit_area_route", "area_id", "street", "house_number", "code"),
        # Keyset pages: each sort of the register, alone and behind each equality filter.
        Index("ix_unit_address_code", "address", "code"),
        Index("ix_unit_area_address", "area_id", "address", "code"),
        Index("ix_unit_area_stars", "area_id", "stars", "code"),
        Index("ix_unit_status_address", "status", "address", "code"),
        Index("ix_unit_status_area", "status", "area_id", "code"),
        Index("ix_unit_status_stars_code", "status", "stars", "code"),
        Index("ix_unit_rating_address", "rating_status", "address", "code"),
        Index("ix_unit_rating_area", "rating_status", "area_id", "code"),
        Index("ix_unit_rating_stars", "rating_status", "stars", "code"),
        CheckConstraint("rooms >= 0", name="rooms_non_negative"),
        CheckConstraint("status IN ('active', 'vacant', 'withdrawn')", name="status_known"),
    )
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=32, unique=True)
    area_id: int = Field(foreign_key="area.id")
    address: str = Field(max_length=200)
    #: Street and house number, kept apart so rosters can follow a walking route.
    street: str = Field(default="", max_length=100)
    house_number: int | None = Field(default=None)
    unit_type: str = Field(default=UnitType.ROOM, max_length=16)
    #: The house type in the ledger's own word (院落, 商住, …) when it is not the
    #: product's name for ``unit_type``; a word the product does not know has type "other".
    type_label: str = Field(default="", max_length=32, sa_column_kwargs={"server_default": ""})
    rooms: int = Field(default=1)
    floor_area: Decimal | None = Field(default=None, sa_column=Column(Numeric(8, 2)))
    status: str = Field(default=UnitStatus.ACTIVE, max_length=16)
    landlord_id: int | None = Field(default=None, foreign_key="person.id", index=True)
    #: A scoring.RatingStatus value; "not_yet_rated" until the first inspection.
    rating_status: str = Field(default="not_yet_rated", max_length=16)
    #: Stars of the newest rating (0 = not rated by veto, NULL = not yet rated).
    stars: int | None = Field(default=None)
    #: The newest completed inspection (no foreign key: inspection refers to unit) and its
    #: local date, kept by ``rentals.dashboard.aggregates``: "stale" is an indexed count.
    last_inspection_id: int | None = Field(default=None)
    last_inspected_on: date | None = Field(default=None)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Tenancy(SQLModel, table=True):
    """A person living in a unit; history is kept, a move-out closes the row."""

    __table_args__ = (
        CheckConstraint("moved_out IS NULL OR moved_out >= moved_in", name="move_out_after_in"),
        # One open tenancy per person, enforced by the database on both engines.
        Index(
            "uq_tenancy_open_person",
            "person_id",
            unique=True,
            sqlite_where=text("moved_out IS NULL"),
            postgresql_where=text("moved_out IS NULL"),
        ),
        Index("ix_tenancy_unit_open", "unit_id", "moved_out"),
    )
    id: int | None = Field(default=None, primary_key=True)
    unit_id: int = Field(foreign_key="unit.id")
    person_id: int = Field(foreign_key="person.id")
    moved_in: date
    moved_out: date | None = None
    #: Floating-population residence registration (居住登记) done.
    registered: bool = False
    #: Who recorded it: "staff", "import" or "landlord" (unconfirmed until an inspector checks).
    source: str = Field(default="staff", max_length=16)
    confirmed: bool = True
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class UnitTally(SQLModel, table=True):
    """Units per (area, status, rating state, stars): the register's totals and star counts.

    Kept by database triggers on ``unit`` (migration ``lists_1401``), so every writer keeps
    it right; rows whose count fell to 0 stay.
    """

    __tablename__ = "unit_tally"
    area_id: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    status: str = Field(primary_key=True, max_length=16)
    rating_status: str = Field(primary_key=True, max_length=16)
    #: ``unit.stars``, with -1 for NULL (not yet rated), so the key holds no NULL.
    stars: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    n: int


class UnitGram(SQLModel, table=True):
    """One- and two-character substrings of each unit's address, for short search terms
    (the trigram index needs three); kept by database triggers on ``unit``."""

    __tablename__ = "unit_gram"
    __table_args__ = {"sqlite_with_rowid": False}
    gram: str = Field(primary_key=True, max_length=2)
    unit_id: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})


class GramPosition(SQLModel, table=True):
    """The numbers 1..200 (the longest address): the triggers cut grams at each."""

    __tablename__ = "gram_position"
    n: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
