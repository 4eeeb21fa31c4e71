"""Token endpoints that read: units (the register's search, cursor pages), one unit's file,
its inspections, tasks and orders, tasks by area/inspector/period, scorecard versions.

Every query goes through the scope of the token's account (``rentals.auth.access``), so
a unit outside it is a 404 exactly as on the pages.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlmodel import select

from rentals import audit, clock, db
from rentals.api import bp, present
from rentals.api import schemas as s
from rentals.api.auth import api_user, token_required
from rentals.api.spec import COMMON, TOKEN, responses, spec
from rentals.auth.access import OFFICE, STAFF, unit_scope
from rentals.auth.models import Role
from rentals.errors import NotFound
from rentals.inspections import queries as inspection_queries
from rentals.inspections.models import Inspection
from rentals.inspections.services import open_orders_for_unit
from rentals.portal.queries import next_task
from rentals.printing.plaques import current_plaque
from rentals.ratings.models import Rating, ScorecardVersion
from rentals.ratings.queries import rating_history
from rentals.ratings.services import card_of, version_states
from rentals.register.models import Area, Person, Tenancy, Unit
from rentals.register.queries import UnitFilter, unit_conditions, visible_unit
from rentals.tasks.models import Task
from rentals.tasks.queries import board, week_of

ALL = (*STAFF, Role.LANDLORD)


def visible_or_404(code: str) -> Unit:
    unit = visible_unit(db.session(), api_user(), code)
    if unit is None:
        raise NotFound(_l("找不到该页面或记录。"))
    return unit


@bp.get("/me")
@token_required(*ALL)
@spec.validate(resp=responses(s.Me, 401, 429), tags=["account"], security=TOKEN)
def me():  # type: ignore[no-untyped-def]
    """The token's account: who the API acts as."""
    user = api_user()
    return s.Me(id=user.id, username=user.username, display_name=user.display_name, role=user.role)


@bp.get("/units")
@token_required(*ALL)
@spec.validate(resp=responses(s.UnitList, *COMMON), tags=["units"], security=TOKEN)
def units(query: s.UnitQuery):  # type: ignore[no-untyped-def]
    """Units the token may see, by unit code, with the register's search and filters.

    Pages follow ``next_cursor``; a unit added meanwhile never shifts a page.
    """
    session = db.session()
    flt = UnitFilter(
        q=query.q,
        area_id=query.area_id,
        community_id=query.community_id,
        status=query.status,
        rating_status=query.rating_status,
    )
    conditions = unit_conditions(session, api_user(), flt)
    after = present.decode_cursor(query.cursor)
    if after:
        conditions.append(Unit.code > after)
    rows = list(
        session.exec(
            select(Unit, Area.name)
            .join(Area, Area.id == Unit.area_id)
            .where(*conditions)
            .order_by(Unit.code)
            .limit(query.limit + 1)
        )
    )
    more = len(rows) > query.limit
    rows = rows[: query.limit]
    return s.UnitList(
        items=[present.unit(u, name) for u, name in rows],
        next_cursor=present.encode_cursor(rows[-1][0].code) if more else None,
    )


@bp.get("/units/<code>")
@token_required(*ALL, writes=True)
@spec.validate(resp=responses(s.UnitDetail, *COMMON), tags=["units"], security=TOKEN)
def unit(code: str):  # type: ignore[no-untyped-def]
    """One unit's file: current rating with its breakdown and next-star advice, plaque,
    landlord and tenants (masked), next task. A read of the people in it is audited."""
    session = db.session()
    record = visible_or_404(code)
    area = session.get(Area, record.area_id)
    assert area is not None
    landlord = session.get(Person, record.landlord_id) if record.landlord_id else None
    tenants = list(
        session.exec(
            select(Tenancy, Person)
            .join(Person, Person.id == Tenancy.person_id)
            .where(
                Tenancy.unit_id == record.id,
                Tenancy.moved_out.is_(None),
                Tenancy.confirmed.is_(True),
            )
            .order_by(Tenancy.moved_in, Tenancy.id)
        )
    )
    views = rating_history(session, record, limit=1)
    plaque = current_plaque(session, record.id)  # type: ignore[arg-type]
    upcoming = next_task(session, record)
    people = ([landlord.id] if landlord else []) + [p.id for _t, p in tenants]
    if people:
        audit.record(session, api_user(), "personal.api.unit_read", record, {"people": people})
    return s.UnitDetail(
        **present.unit(record, area.name).model_dump(),
        community_id=area.community_id,
        rating=present.rating(views[0]) if views else None,
        plaque=s.PlaqueOut(serial=plaque.serial, stars=plaque.stars, valid_until=plaque.valid_until)
        if plaque
        else None,
        landlord=present.person(landlord) if landlord else None,
        tenants=[
            s.TenantOut(
                tenancy_id=t.id,
                person=present.person(p),
                moved_in=t.moved_in,
                registered=t.registered,
            )
            for t, p in tenants
        ],
        next_task=present.task(upcoming, record.code) if upcoming else None,
        open_orders=len(open_orders_for_unit(session, record)),
    )


@bp.get("/units/<code>/inspections")
@token_required(*ALL)
@spec.validate(resp=responses(s.InspectionList, *COMMON), tags=["units"], security=TOKEN)
def unit_inspections(code: str):  # type: ignore[no-untyped-def]
    """The unit's 50 newest visits, newest first, each with the rating it gave (if any).

    The first item's id is what ``expected_latest_id`` of a new inspection must be.
    """
    record = visible_or_404(code)
    rows = db.session().exec(
        select(Inspection, ScorecardVersion.version, Rating)
        .join(ScorecardVersion, ScorecardVersion.id == Inspection.scorecard_version_id)
        .outerjoin(Rating, Rating.inspection_id == Inspection.id)
        .where(Inspection.unit_id == record.id)
        .order_by(Inspection.id.desc())
        .limit(50)
    )
    return s.InspectionList(items=[present.inspection(i, record.code, v, r) for i, v, r in rows])


@bp.get("/units/<code>/tasks")
@token_required(*ALL)
@spec.validate(resp=responses(s.TaskList, *COMMON), tags=["units"], security=TOKEN)
def unit_tasks(code: str):  # type: ignore[no-untyped-def]
    """The unit's 50 latest inspection tasks (by due date), cancelled ones included."""
    record = visible_or_404(code)
    rows = list(
        db.session().exec(
            select(Task).where(Task.unit_id == record.id).order_by(Task.due.desc()).limit(50)
        )
    )
    return s.TaskList(
        items=[present.task(t, record.code) for t in rows], total=len(rows), page=1, pages=1
    )


@bp.get("/units/<code>/orders")
@token_required(*ALL)
@spec.validate(resp=responses(s.OrderList, *COMMON), tags=["units"], security=TOKEN)
def unit_orders(code: str):  # type: ignore[no-untyped-def]
    """The unit's rectification orders, open and closed."""
    record = visible_or_404(code)
    rows = inspection_queries.unit_orders(db.session(), record)
    return s.OrderList(items=[present.order(o, record.code) for o in rows])


@bp.get("/tasks")
@token_required(*STAFF)
@spec.validate(resp=responses(s.TaskList, *COMMON, 422), tags=["tasks"], security=TOKEN)
def tasks(query: s.TaskQuery):  # type: ignore[no-untyped-def]
    """Inspection tasks due in a period (default: this ISO week), by area, inspector and
    status, 50 a page, in the areas the token's account serves or manages."""
    today = clock.today()
    start, end = query.start, query.end
    if start is None or end is None:
        monday, sunday = week_of(today)
        start, end = start or monday, end or max(sunday, start or monday)
    result = board(
        db.session(),
        start=start,
        end=end,
        area_id=query.area_id,
        status=query.status,
        today=today,
        page=query.page,
        scope=unit_scope(api_user()),
        inspector_id=query.inspector_id,
    )
    return s.TaskList(
        items=[present.task(t, u.code) for t, u, _area, _name in result.rows],
        total=result.total,
        page=result.page,
        pages=result.pages,
    )


@bp.get("/scorecards")
@token_required(*OFFICE)
@spec.validate(resp=responses(s.ScorecardList, 401, 403, 429), tags=["scorecards"], security=TOKEN)
def scorecards():  # type: ignore[no-untyped-def]
    """Every stored scorecard version, newest first, with its state today."""
    rows = version_states(db.session(), today=clock.today())
    return s.ScorecardList(items=[present.scorecard(v, str(state), None) for v, state in rows])


@bp.get("/scorecards/<int:version>")
@token_required(*STAFF)
@spec.validate(resp=responses(s.ScorecardOut, *COMMON), tags=["scorecards"], security=TOKEN)
def scorecard(version: int):  # type: ignore[no-untyped-def]
    """One version's items (the checklist an inspection answers) and vetoes."""
    session = db.session()
    states = {v.version: (v, st) for v, st in version_states(session, today=clock.today())}
    if version not in states:
        raise NotFound(_l("找不到该页面或记录。"))
    row, state = states[version]
    if str(state) == "unusable":
        raise NotFound(_l("找不到该页面或记录。"))
    return present.scorecard(row, str(state), card_of(row))


@bp.get("/scorecards/current")
@token_required(*STAFF, writes=True)
@spec.validate(
    resp=responses(s.ScorecardOut, 401, 403, 404, 429), tags=["scorecards"], security=TOKEN
)
def scorecard_current():  # type: ignore[no-untyped-def]
    """The version an inspection recorded today is checked against (as the checklist page;
    the shipped card is stored first if none is)."""
    from rentals.inspections.services import checklist_version

    row = checklist_version(db.session(), today=clock.today())
    return present.scorecard(row, "active", card_of(row))


@bp.get("/dashboard")
@token_required(*STAFF)
@spec.validate(resp=responses(s.DashboardOut, *COMMON), tags=["dashboard"], security=TOKEN)
def dashboard(query: s.DashboardQuery):  # type: ignore[no-untyped-def]
    """The managers' dashboard figures for a month, in the token's scope (the same
    computation as the dashboard page, reused for a minute per account and filter)."""
    from dataclasses import asdict
    from datetime import date

    from rentals.dashboard import queries as figures_of

    today = clock.today()
    month = date.fromisoformat(query.month + "-01") if query.month else today.replace(day=1)
    flt = figures_of.Filter(
        community_id=query.community_id, area_id=query.area_id, month=month, today=today
    )
    figures = figures_of.figures(db.session(), api_user(), flt)
    return s.DashboardOut(
        month=f"{month:%Y-%m}",
        split=figures["split"],
        moved=figures["moved"],
        tasks=figures["tasks"],
        work=s.PlannedWorkOut(**asdict(figures["work"])),
        orders=[
            s.OrdersByItem(item_code=c, open=n, overdue=late) for c, n, late in figures["orders"]
        ],
        rates=s.RatesOut(**asdict(figures["rates"])),
    )
