"""Token endpoints that change things, each through the service the pages call:
an inspection (``inspections.services.record_inspection``, with the checklist's
idempotency key and concurrency check), a landlord's tenant report
(``portal.services.report_tenant_change``), a unit created or changed by the office
(``register.services``). A refusal rolls the whole request back (``rentals.db``)."""

from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlmodel import select

from rentals import clock, db
from rentals.api import bodies as b
from rentals.api import bp, present
from rentals.api import schemas as s
from rentals.api.auth import api_user, token_required
from rentals.api.spec import COMMON, TOKEN, responses, spec
from rentals.api.views import visible_or_404
from rentals.auth.access import OFFICE, STAFF
from rentals.auth.models import Role
from rentals.errors import InvalidInput, NotFound
from rentals.inspections import services as inspections
from rentals.inspections.models import Outcome, RectificationOrder
from rentals.portal import services as portal
from rentals.ratings.models import Rating, ScorecardVersion
from rentals.register import services as register
from rentals.register.models import Area, Person, Unit
from rentals.register.queries import areas_for, visible_person
from rentals.tasks import services as task_services
from rentals.validators import FieldInvalid, normalise_id_number, normalise_mobile

WRITE_ERRORS = (*COMMON, 409, 422)
#: Unit fields a change may empty.
NULLABLE = {"house_number", "floor_area", "landlord_id_number", "street"}


@bp.post("/units/<code>/inspections")
@token_required(*STAFF)
@spec.validate(
    resp=responses(b.InspectionResult, *WRITE_ERRORS, status=201),
    tags=["inspections"],
    security=TOKEN,
)
def record_inspection(code: str, json: b.InspectionIn):  # type: ignore[no-untyped-def]
    """Record one visit, exactly as the checklist page does (same service, same rules).

    201 with the inspection, its rating and the orders it opened; a retry with the same
    ``client_key`` answers 201 with the same inspection and changes nothing. 409
    ``stale_checklist`` when another inspection was recorded after ``expected_latest_id``.
    """
    session = db.session()
    unit = visible_or_404(code)
    now = clock.now()
    today = clock.local_date(now)
    task = task_services.task_for_visit(session, unit=unit, task_id=json.task_id, today=today)
    corrects = inspections.correction_of(session, unit=unit, inspection_id=json.corrects_id)
    notes = dict(json.notes)
    notes[""] = json.note.strip()
    inspection = inspections.record_inspection(
        session,
        unit=unit,
        inspector=api_user(),
        client_key=json.client_key,
        answers=json.answers,
        vetoes=json.vetoes,
        notes=notes,
        outcome=json.outcome,
        now=now,
        task=task,
        orders=[
            inspections.OrderRequest(
                item_code=o.item_code, deadline=o.deadline, serious=o.serious, note=o.note.strip()
            )
            for o in json.orders
        ],
        expected_latest_id=json.expected_latest_id,
        corrects=corrects,
        reason=json.refusal_reason if json.outcome == Outcome.REFUSED else "",
    )
    rating = session.exec(select(Rating).where(Rating.inspection_id == inspection.id)).first()
    version = session.get(ScorecardVersion, inspection.scorecard_version_id)
    assert version is not None
    opened = session.exec(
        select(RectificationOrder)
        .where(RectificationOrder.inspection_id == inspection.id)
        .order_by(RectificationOrder.id)
    )
    result = b.InspectionResult(
        inspection=present.inspection(inspection, unit.code, version.version, rating),
        rating=b.RatingBrief(status=rating.status, stars=rating.stars, score=float(rating.score))
        if rating
        else None,
        orders=[present.order(o, unit.code) for o in opened],
    )
    return result, 201


def _field(normalise, value: str | None, field: str, *, optional: bool = False):  # type: ignore[no-untyped-def]
    """A field checked by the same validator the page form uses (rentals.validators)."""
    if optional and not (value or "").strip():
        return None
    try:
        return normalise(value or "")
    except FieldInvalid as err:
        raise InvalidInput(err.message, field=field) from None


@bp.post("/units/<code>/tenants/move-in")
@token_required(Role.LANDLORD)
@spec.validate(
    resp=responses(b.TenantReportOut, *WRITE_ERRORS, status=201), tags=["tenants"], security=TOKEN
)
def move_in(code: str, json: b.MoveInIn):  # type: ignore[no-untyped-def]
    """The landlord declares a tenant moving in; staff confirm it before the register changes."""
    unit = visible_or_404(code)
    change = portal.MoveIn(
        name=json.name.strip(),
        id_number=_field(normalise_id_number, json.id_number, "id_number"),
        phone=_field(normalise_mobile, json.phone, "phone", optional=True),
        moved_in=json.moved_in,
        registered=json.registered,
    )
    if not change.name:
        raise InvalidInput(_l("请填写姓名。"), field="name")
    row = portal.report_tenant_change(db.session(), actor=api_user(), unit=unit, change=change)
    return b.TenantReportOut(id=row.id, kind="move_in", status=str(row.status)), 201


@bp.post("/units/<code>/tenants/move-out")
@token_required(Role.LANDLORD)
@spec.validate(
    resp=responses(b.TenantReportOut, *WRITE_ERRORS, status=201), tags=["tenants"], security=TOKEN
)
def move_out(code: str, json: b.MoveOutIn):  # type: ignore[no-untyped-def]
    """The landlord reports a tenant moving out (``tenancy_id`` from ``GET /units/{code}``)."""
    unit = visible_or_404(code)
    change = portal.MoveOut(tenancy_id=json.tenancy_id, moved_out=json.moved_out)
    row = portal.report_tenant_change(db.session(), actor=api_user(), unit=unit, change=change)
    return b.TenantReportOut(id=row.id, kind="move_out", status=str(row.status)), 201


def _area_in_reach(area_id: int) -> Area:
    """An area the token's account manages: another community's is "not found" as on the page."""
    for area in areas_for(db.session(), api_user()):
        if area.id == area_id:
            return area
    raise InvalidInput(_l("所选区域不存在。"), field="area_id")


def _landlord(values: dict, unit: Unit | None) -> int | None:  # type: ignore[type-arg]
    """Kept unless ``landlord_id_number`` is sent; then looked up as on the page."""
    if unit is not None and "landlord_id_number" not in values:
        return unit.landlord_id
    raw = values.get("landlord_id_number")
    id_number = _field(normalise_id_number, raw, "landlord_id_number", optional=True)
    return register.landlord_by_id_number(db.session(), id_number)


def _unit_data(values: dict, unit: Unit | None) -> register.UnitData:  # type: ignore[type-arg]
    """What the unit form gives the service, from a body (and, for a change, the unit).
    A null for a field that cannot be empty means "unchanged"."""
    values = {k: v for k, v in values.items() if v is not None or k in NULLABLE}

    def get(name: str, default: object = None) -> object:
        if name in values:
            return values[name]
        return getattr(unit, name) if unit is not None else default

    area = _area_in_reach(int(get("area_id")))  # type: ignore[arg-type]
    unit_type = str(get("unit_type", "room"))
    floor = get("floor_area")
    return register.UnitData(
        code=str(get("code")).strip().upper(),
        area_id=area.id,  # type: ignore[arg-type]
        address=str(get("address")).strip(),
        street=str(get("street", "") or "").strip(),
        house_number=get("house_number"),  # type: ignore[arg-type]
        unit_type=unit_type,
        type_label=register.kept_type_label(unit, unit_type),
        rooms=int(get("rooms", 1)),  # type: ignore[call-overload]
        floor_area=Decimal(str(round(float(floor), 2))) if floor is not None else None,  # type: ignore[arg-type]
        status=str(get("status", "active")),
        landlord_id=_landlord(values, unit),
    )


@bp.post("/units")
@token_required(*OFFICE)
@spec.validate(resp=responses(s.UnitOut, *WRITE_ERRORS, status=201), tags=["units"], security=TOKEN)
def unit_create(json: b.UnitIn):  # type: ignore[no-untyped-def]
    """Register a new unit in one of the areas the token's account manages."""
    data = _unit_data(json.model_dump(), None)
    unit = register.create_unit(db.session(), actor=api_user(), data=data)
    area = db.session().get(Area, unit.area_id)
    return present.unit(unit, area.name if area else ""), 201


@bp.patch("/units/<code>")
@token_required(*OFFICE)
@spec.validate(resp=responses(s.UnitOut, *WRITE_ERRORS), tags=["units"], security=TOKEN)
def unit_update(code: str, json: b.UnitPatch):  # type: ignore[no-untyped-def]
    """Change a unit's fields; those not sent keep their value (landlord: send
    ``landlord_id_number``, or an empty string to remove the landlord)."""
    session = db.session()
    unit = visible_or_404(code)
    given = json.model_dump(exclude_unset=True)
    register.update_unit(session, actor=api_user(), unit=unit, data=_unit_data(given, unit))
    area = session.get(Area, unit.area_id)
    return present.unit(unit, area.name if area else "")


def _person_data(values: dict, person: Person | None) -> register.PersonData:  # type: ignore[type-arg]
    """The person form's fields through the same validators; unsent fields kept."""

    def get(name: str) -> object:
        return values[name] if name in values else getattr(person, name, None)

    name = str(get("name") or "").strip()
    if not name:
        raise InvalidInput(_l("请填写姓名。"), field="name")
    raw_number = values.get("id_number") if "id_number" in values else None
    raw_phone = values.get("phone") if "phone" in values else None
    return register.PersonData(
        name=name,
        id_number=_field(normalise_id_number, raw_number, "id_number", optional=True)
        if person is None or "id_number" in values
        else person.id_number,
        phone=_field(normalise_mobile, raw_phone, "phone", optional=True)
        if person is None or "phone" in values
        else person.phone,
        address=str(get("address") or "").strip(),
    )


@bp.post("/people")
@token_required(*OFFICE)
@spec.validate(
    resp=responses(s.PersonOut, *WRITE_ERRORS, status=201), tags=["people"], security=TOKEN
)
def person_create(json: b.PersonIn):  # type: ignore[no-untyped-def]
    """Register a person (a landlord or tenant); the answer shows them masked."""
    person = register.create_person(
        db.session(), actor=api_user(), data=_person_data(json.model_dump(), None)
    )
    return present.person(person), 201


@bp.patch("/people/<int:person_id>")
@token_required(*OFFICE)
@spec.validate(resp=responses(s.PersonOut, *WRITE_ERRORS), tags=["people"], security=TOKEN)
def person_update(person_id: int, json: b.PersonPatch):  # type: ignore[no-untyped-def]
    """Change a person the office can see (through a unit of theirs, or not yet linked)."""
    session = db.session()
    person = visible_person(session, api_user(), person_id)
    if person is None:
        raise NotFound(_l("找不到该页面或记录。"))
    data = _person_data(json.model_dump(exclude_unset=True), person)
    register.update_person(session, actor=api_user(), person=person, data=data)
    return present.person(person)
