"""Answers of the open-data endpoints: public facts only, never a person."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel

from rentals.api.schemas import RatingStatus


class PublicRating(BaseModel):
    """A unit's public rating: no names, identity numbers or phones."""

    code: str
    community_id: int
    community: str
    area: str
    area_bo: str
    unit_type: str
    rating_status: RatingStatus
    stars: int | None


class PublicRatingList(BaseModel):
    items: list[PublicRating]
    next_cursor: str | None


class PublicUnit(PublicRating):
    plaque_serial: str | None
    plaque_valid_until: date | None
    #: The landlord's public reply, when there is one.
    reply: str | None
    blacklisted_since: date | None


class CommunityOut(BaseModel):
    id: int
    name: str
    name_bo: str


class CommunityList(BaseModel):
    items: list[CommunityOut]


class BlacklistEntry(BaseModel):
    code: str
    area: str
    area_bo: str
    unit_type: str
    rating_status: RatingStatus
    stars: int | None
    since: date


class BlacklistNow(BaseModel):
    date: date
    items: list[BlacklistEntry]


class EditionSummary(BaseModel):
    month: str
    published_at: datetime
    units: int


class EditionList(BaseModel):
    items: list[EditionSummary]


class EditionRow(BaseModel):
    unit_code: str
    address: str
    area: str
    rating_status: str
    reasons: list[str]
    since: str


class EditionOut(EditionSummary):
    rows: list[EditionRow]


class RecommendedUnit(BaseModel):
    code: str
    area: str
    area_bo: str
    unit_type: str
    rating_status: RatingStatus
    stars: int | None
    #: The landlord's public reply, when there is one.
    reply: str | None


class RecommendedList(BaseModel):
    items: list[RecommendedUnit]
    total: int
    page: int
    pages: int
