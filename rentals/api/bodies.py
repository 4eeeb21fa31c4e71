"""Request bodies of the API's writes (strict: no coercion, no unknown keys) and the
answers only writes give."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field

from rentals.api.schemas import (
    MAX_ID,
    AnswerValue,
    Code,
    Id,
    InspectionOut,
    JsonDate,
    OrderOut,
    Outcome,
    RatingStatus,
    UnitStatus,
    UnitType,
)
from rentals.api.spec import StrictInput


class OrderRequestIn(StrictInput):
    item_code: Annotated[str, Field(min_length=1, max_length=16)]
    #: Default: the item's own deadline from the scorecard.
    deadline: JsonDate | None = None
    serious: bool = False
    note: Annotated[str, Field(max_length=500)] = ""


class InspectionIn(StrictInput):
    """One visit, as the checklist page posts it. ``client_key`` makes a retry safe: the
    same key returns the inspection it already made. ``expected_latest_id`` is the id of
    the unit's newest inspection when the client read it (0 for none, from
    ``GET /units/{code}/inspections``): if someone recorded another since, the answer is
    409 ``stale_checklist``."""

    client_key: Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]
    outcome: Outcome
    expected_latest_id: Annotated[int, Field(ge=0, le=MAX_ID)]
    #: Item code -> answer; every item of the current scorecard when inspected.
    answers: Annotated[
        dict[Annotated[str, Field(max_length=16)], AnswerValue], Field(max_length=200)
    ] = {}
    vetoes: Annotated[list[Annotated[str, Field(max_length=16)]], Field(max_length=50)] = []
    #: Item code -> note.
    notes: Annotated[
        dict[Annotated[str, Field(max_length=16)], Annotated[str, Field(max_length=500)]],
        Field(max_length=200),
    ] = {}
    note: Annotated[str, Field(max_length=2000)] = ""
    refusal_reason: Annotated[str, Field(max_length=500)] = ""
    orders: Annotated[list[OrderRequestIn], Field(max_length=50)] = []
    task_id: Id | None = None
    corrects_id: Id | None = None


class RatingBrief(BaseModel):
    status: RatingStatus
    stars: int
    score: float


class InspectionResult(BaseModel):
    inspection: InspectionOut
    rating: RatingBrief | None
    #: Orders this inspection opened.
    orders: list[OrderOut]


class MoveInIn(StrictInput):
    name: Annotated[str, Field(min_length=1, max_length=100)]
    id_number: Annotated[str, Field(min_length=1, max_length=40)]
    phone: Annotated[str, Field(max_length=40)] | None = None
    moved_in: JsonDate
    registered: bool = False


class MoveOutIn(StrictInput):
    tenancy_id: Id
    moved_out: JsonDate


class TenantReportOut(BaseModel):
    """What was filed: the register changes only when staff confirm it."""

    id: int
    kind: Literal["move_in", "move_out"]
    status: str


class UnitIn(StrictInput):
    code: Code
    area_id: Id
    address: Annotated[str, Field(min_length=1, max_length=200)]
    street: Annotated[str, Field(max_length=100)] = ""
    house_number: Annotated[int, Field(ge=0, le=999999)] | None = None
    unit_type: UnitType = "room"
    rooms: Annotated[int, Field(ge=0, le=999)] = 1
    floor_area: Annotated[float, Field(ge=0, le=99999)] | None = None
    status: UnitStatus = "active"
    #: The landlord, by identity number (already in the register); null for none.
    landlord_id_number: Annotated[str, Field(max_length=40)] | None = None


class UnitPatch(StrictInput):
    """Fields to change; those left out keep their value."""

    code: Code | None = None
    area_id: Id | None = None
    address: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    street: Annotated[str, Field(max_length=100)] | None = None
    house_number: Annotated[int, Field(ge=0, le=999999)] | None = None
    unit_type: UnitType | None = None
    rooms: Annotated[int, Field(ge=0, le=999)] | None = None
    floor_area: Annotated[float, Field(ge=0, le=99999)] | None = None
    status: UnitStatus | None = None
    landlord_id_number: Annotated[str, Field(max_length=40)] | None = None


class PersonIn(StrictInput):
    name: Annotated[str, Field(min_length=1, max_length=100)]
    #: GB 11643, checked as on the page; null when not known.
    id_number: Annotated[str, Field(max_length=40)] | None = None
    #: Mainland mobile; null for none.
    phone: Annotated[str, Field(max_length=40)] | None = None
    address: Annotated[str, Field(max_length=200)] = ""


class PersonPatch(StrictInput):
    """Fields to change; those left out keep their value (null empties number or phone)."""

    name: Annotated[str, Field(min_length=1, max_length=100)] | None = None
    id_number: Annotated[str, Field(max_length=40)] | None = None
    phone: Annotated[str, Field(max_length=40)] | None = None
    address: Annotated[str, Field(max_length=200)] | None = None
