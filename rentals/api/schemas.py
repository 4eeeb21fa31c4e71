"""Shared types, query strings and answers of the token endpoints (request bodies live in
``bodies``, open data in ``public_schemas``). The OpenAPI document is generated from these
models, and the same classes validate every request (query strings converted)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints, WithJsonSchema

from rentals.api.spec import QueryInput

MAX_ID = 2**31 - 1
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
#: Dates in JSON bodies are ISO strings ("2027-03-01"): the one lax field of a strict body.
JsonDate = Annotated[date, Field(strict=False)]
#: A date a query may ask about: 1900-01-01 to 2999-12-31 (``rentals.inputs``), said in the
#: schema too, so a generated request never meets a limit the document does not state.
QueryDate = Annotated[
    date,
    Field(ge=date(1900, 1, 1), le=date(2999, 12, 31)),
    WithJsonSchema({"type": "string", "format": "date", "pattern": "^(19|2[0-9])[0-9]{2}-"}),
]
Code = Annotated[str, StringConstraints(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9\-_/]+$")]
RatingStatus = Literal["not_yet_rated", "three", "two", "one", "not_rated", "under_review"]
UnitStatus = Literal["active", "vacant", "withdrawn"]
UnitType = Literal["room", "apartment", "house", "other"]
AnswerValue = Literal["met", "not_met", "na"]
Outcome = Literal["completed", "refused", "no_access", "unit_gone"]

# -- shared outputs ----------------------------------------------------------------------


class Me(BaseModel):
    id: int
    username: str
    display_name: str
    role: Literal["inspector", "manager", "landlord", "admin"]


class UnitOut(BaseModel):
    code: str
    area_id: int
    area: str
    address: str
    street: str
    house_number: int | None
    unit_type: str
    rooms: int
    status: str
    rating_status: RatingStatus
    #: Stars of the newest rating (0 = not rated by veto, null = not yet rated).
    stars: int | None
    updated_at: datetime


class UnitList(BaseModel):
    items: list[UnitOut]
    #: Pass as ``cursor`` for the next page; null on the last page.
    next_cursor: str | None


class ItemLineOut(BaseModel):
    code: str
    text: str
    answer: AnswerValue
    points: int
    earned: int
    #: Stars the item caps the rating at while not met (null: no cap).
    cap: int | None
    #: Whether this failed item's cap lowered the stars.
    capped: bool


class AdviceOut(BaseModel):
    code: str
    text: str
    points: int


class VetoOut(BaseModel):
    code: str
    text: str


class RatingOut(BaseModel):
    status: RatingStatus
    stars: int
    #: Score out of 100, rounded to one decimal (bands compare the exact score).
    score: float
    rated_at: datetime
    inspection_id: int
    scorecard_version: int
    items: list[ItemLineOut]
    vetoes: list[VetoOut]
    #: The cheapest items to fix for the next star, in the order to fix them.
    next_star: list[AdviceOut]


class PersonOut(BaseModel):
    """Masked, as on the unit file; the full number only through the audited reveal page."""

    id: int
    name: str
    id_number_masked: str
    phone_masked: str


class TenantOut(BaseModel):
    tenancy_id: int
    person: PersonOut
    moved_in: date
    registered: bool


class PlaqueOut(BaseModel):
    serial: str
    stars: int
    valid_until: date


class TaskOut(BaseModel):
    id: int
    unit_code: str
    kind: Literal["routine", "follow_up", "reinspection"]
    period_key: str
    start: date
    due: date
    status: Literal["open", "overdue", "done", "cancelled"]
    inspector_id: int | None


class UnitDetail(UnitOut):
    community_id: int
    rating: RatingOut | None
    plaque: PlaqueOut | None
    landlord: PersonOut | None
    #: Confirmed tenants living there now.
    tenants: list[TenantOut]
    next_task: TaskOut | None
    open_orders: int


class InspectionOut(BaseModel):
    id: int
    unit_code: str
    outcome: Outcome
    visited_at: datetime
    inspector_id: int | None
    scorecard_version: int
    answers: dict[str, AnswerValue]
    vetoes: list[str]
    task_id: int | None
    corrects_id: int | None
    rating_status: RatingStatus | None
    stars: int | None


class InspectionList(BaseModel):
    items: list[InspectionOut]


class OrderOut(BaseModel):
    id: int
    unit_code: str
    inspection_id: int
    item_code: str
    deadline: date
    serious: bool
    status: Literal["open", "closed"]
    note: str
    created_at: datetime
    closed_at: datetime | None
    closed_by_inspection_id: int | None


class OrderList(BaseModel):
    items: list[OrderOut]


class TaskList(BaseModel):
    items: list[TaskOut]
    total: int
    page: int
    pages: int


class ScorecardItemOut(BaseModel):
    code: str
    category: str
    text: str
    points: int
    na_allowed: bool
    cap: int | None
    deadline_days: int


class ScorecardVersionOut(BaseModel):
    version: int
    title: str
    active_from: date | None
    state: str


class ScorecardOut(ScorecardVersionOut):
    items: list[ScorecardItemOut]
    vetoes: list[VetoOut]


class ScorecardList(BaseModel):
    items: list[ScorecardVersionOut]


# -- queries -------------------------------------------------------------------------------


class UnitQuery(QueryInput):
    #: As the register's search box: unit-code prefix, landlord name prefix, address
    #: substring, a mobile number or the last four characters of an identity number.
    q: Annotated[str, Field(max_length=100)] = ""
    area_id: Id | None = None
    community_id: Id | None = None
    status: UnitStatus | None = None
    rating_status: RatingStatus | None = None
    limit: Annotated[int, Field(ge=1, le=200)] = 50
    #: ``next_cursor`` of the page before (the last unit code it listed).
    cursor: Annotated[str, Field(max_length=64)] = ""


class TaskQuery(QueryInput):
    area_id: Id | None = None
    inspector_id: Id | None = None
    #: Due dates from ``start`` to ``end`` (default: the current ISO week; an ``end``
    #: before ``start`` lists nothing).
    start: QueryDate | None = None
    end: QueryDate | None = None
    status: Literal["open", "overdue", "done"] | None = None
    page: Annotated[int, Field(ge=1, le=100000)] = 1


class PageQuery(QueryInput):
    area_id: Id | None = None
    page: Annotated[int, Field(ge=1, le=100000)] = 1


class CursorQuery(QueryInput):
    limit: Annotated[int, Field(ge=1, le=500)] = 100
    #: ``next_cursor`` of the page before.
    cursor: Annotated[str, Field(max_length=64)] = ""


# -- dashboard -----------------------------------------------------------------------------


class DashboardQuery(QueryInput):
    community_id: Id | None = None
    area_id: Id | None = None
    #: ``YYYY-MM``; default: this month.
    month: Annotated[str, Field(pattern=r"^(20[0-9]{2}|2100)-(0[1-9]|1[0-2])$")] | None = None


class OrdersByItem(BaseModel):
    item_code: str
    open: int
    overdue: int


class PlannedWorkOut(BaseModel):
    """Inspections four weeks of the current ratings need (13 + 2×141 + 4×6 in Zhaxi)."""

    monthly: int
    fortnightly: int
    weekly: int
    total: int
    done: int
    since: date


class RatesOut(BaseModel):
    """Outcome figures from each unit's newest completed inspection (counts and shares)."""

    units: int
    inspected: int
    fire: int
    registered: int
    refused: int
    stale: int
    share: dict[str, float]


class DashboardOut(BaseModel):
    month: str
    #: Units per public rating state.
    split: dict[str, int]
    #: Units whose stars rose or fell in the month.
    moved: dict[str, int]
    #: Tasks due in the month: due, done, overdue.
    tasks: dict[str, int]
    work: PlannedWorkOut
    orders: list[OrdersByItem]
    rates: RatesOut
