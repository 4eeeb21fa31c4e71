"""What every route should answer to every role: the one table the security suite reads.

Adding a route? Add one line to ``EXPECTATIONS`` (endpoint -> ``Expect``), and if its URL
takes an argument nobody has taught the suite to fill, add a builder to ``ARGUMENTS``.
The access matrix, the CSRF sweep, the inline-script scan and the form fuzzer all walk
``app.url_map`` and read this table, so a route that is not listed here turns them red.

Roles in the matrix (see ``tests.factories.make_world``): ``unit_a`` in ``area_a`` belongs
to ``landlord_a`` and is served by ``inspector_a``; ``inspector_b`` and ``landlord_b``
serve/own the other area's unit, so every object in a URL is *theirs to not see*.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

ANONYMOUS = "anonymous"
#: Matrix roles, in the order they are tried: the out-of-scope roles first.
MATRIX_ROLES = (
    ANONYMOUS,
    "inspector_b",
    "landlord_b",
    "inspector_a",
    "landlord_a",
    "manager",
    "admin",
)
#: Account role of each matrix role.
ROLE_OF = {
    "inspector_b": "inspector",
    "landlord_b": "landlord",
    "inspector_a": "inspector",
    "landlord_a": "landlord",
    "manager": "manager",
    "admin": "admin",
}
#: Matrix roles that must not see the objects the URLs name (they answer 404).
OUT_OF_SCOPE = frozenset({"inspector_b", "landlord_b"})

ALL = ("inspector", "manager", "landlord", "admin")
STAFF = ("inspector", "manager", "admin")
OFFICE = ("manager", "admin")
ADMIN = ("admin",)


@dataclass(frozen=True)
class Expect:
    """The contract of one endpoint.

    ``roles`` are the account roles allowed in (None: a public page anyone may open).
    ``scoped``: the URL names an object of unit_a's file, so an allowed role that does
    not serve/own it gets 404. ``statuses`` overrides single answers, keyed by
    ``(matrix_role, method)``. ``fuzz``: the form fuzzer may post to it (False for routes
    whose POST is not a data form, e.g. logout). ``ends_session``: an allowed answer
    is the redirect to /login (logout).
    """

    roles: tuple[str, ...] | None
    scoped: bool = False
    statuses: dict[tuple[str, str], int] = field(default_factory=dict)
    fuzz: bool = True
    ends_session: bool = False

    @property
    def public(self) -> bool:
        return self.roles is None


def public(**kw: Any) -> Expect:
    return Expect(None, **kw)


def token_api(roles: tuple[str, ...]) -> Expect:
    """An API endpoint for ``roles`` by bearer token: 401 to every cookie or none."""
    statuses = {(role, method): 401 for role in MATRIX_ROLES for method in ("GET", "POST", "PATCH")}
    return Expect(roles, statuses=statuses, fuzz=False)


EXPECTATIONS: dict[str, Expect] = {
    # Public: anyone, signed in or not.
    "static": public(),
    "main.home": public(),
    "main.healthz": public(),
    "main.offline": public(),
    "auth.login": public(fuzz=False),
    # Every signed-in account.
    "auth.logout": Expect(ALL, fuzz=False, ends_session=True),
    "auth.password": Expect(ALL),
    # Lifting the sign-in throttle: the owner with a one-time code (public), the office
    # looks an account up and makes codes, an admin clears the throttle. The two buttons
    # render only after a look-up (?login=); tests/auth/test_throttle.py posts bad ids.
    # A refused unlock code counts and is audited like a failed sign-in, so "a refusal
    # changes nothing" does not hold; tests/auth/test_throttle.py posts hostile codes.
    "auth.unlock_with_code": public(fuzz=False),
    "auth.throttle_page": Expect(OFFICE),
    "auth.throttle_clear": Expect(ADMIN, fuzz=False),
    "auth.throttle_code": Expect(OFFICE, fuzz=False),
    # Register (一户一档).
    "register.units": Expect(ALL),
    "register.unit": Expect(ALL, scoped=True),
    "register.unit_new": Expect(OFFICE),
    "register.unit_edit": Expect(OFFICE, scoped=True),
    "register.tenancy_new": Expect(STAFF, scoped=True),
    "register.tenancy_end": Expect(STAFF, scoped=True),
    "register.person_new": Expect(OFFICE),
    "register.person_edit": Expect(OFFICE, scoped=True),
    "register.person_reveal": Expect(STAFF, scoped=True),
    "register.import_ledger": Expect(OFFICE),
    # A queued ledger import's page belongs to the manager who started it.
    "register.import_job": Expect(OFFICE, statuses={("admin", "GET"): 404}),
    "register.export_csv": Expect(OFFICE),
    "register.export_xlsx": Expect(OFFICE),
    # Audit trail (read-only).
    "audit.events": Expect(OFFICE),
    # Inspection tasks (issue 6): board, workload, reassignment, own list, calendar feed.
    "tasks.board": Expect(OFFICE),
    "tasks.workload": Expect(OFFICE),
    "tasks.reassign": Expect(OFFICE),
    "tasks.mine": Expect(STAFF),
    "tasks.feed": Expect(("inspector",)),
    # The unguessable token is the credential: calendars send no cookie.
    "tasks.feed_ics": public(),
    # Scorecard versions: list, view, diff, upload, activate, what-if.
    "ratings.versions": Expect(OFFICE),
    "ratings.version": Expect(OFFICE),
    "ratings.diff": Expect(OFFICE),
    "ratings.upload": Expect(OFFICE),
    "ratings.activate": Expect(OFFICE),
    # POST starts a queued run: a button with no fields, rendered only for a register above
    # WHATIF_INLINE_UNITS; tests/ratings/test_whatif_jobs.py posts it without its token.
    "ratings.whatif": Expect(OFFICE, fuzz=False),
    # A manager's own run (the admin did not start it: 404).
    "ratings.whatif_file": Expect(OFFICE, statuses={("admin", "GET"): 404}),
    # Inspections at the door (issue 5).
    "inspections.home": Expect(STAFF),
    "inspections.checklist": Expect(STAFF, scoped=True),
    # Posted by inspect.js (multipart, keyed by the phone's UUID), never by a page form;
    # tests/inspections/test_photos.py covers hostile files.
    "inspections.photo_upload": Expect(STAFF, fuzz=False),
    "inspections.photo": Expect(ALL, scoped=True),
    "inspections.record": Expect(ALL, scoped=True),
    "inspections.sign": Expect(STAFF, scoped=True),
    "inspections.signature_image": Expect(ALL, scoped=True),
    "inspections.amend": Expect(STAFF, scoped=True),
    "inspections.orders": Expect(STAFF),
    "inspections.csrf": Expect(STAFF),
    # The service worker script (no data), public like a static file.
    "inspections.service_worker": public(fuzz=False),
    # Landlord portal (issue 8): the landlord's own units; staff answers on the unit file.
    "portal.dashboard": Expect(("landlord",)),
    "portal.unit": Expect(("landlord",), scoped=True),
    "portal.move_in": Expect(("landlord",), scoped=True),
    "portal.move_out": Expect(("landlord",), scoped=True),
    "portal.reinspection": Expect(("landlord",), scoped=True),
    "portal.contest": Expect(("landlord",), scoped=True),
    "portal.reply": Expect(("landlord",), scoped=True),
    "portal.points": Expect(("landlord",)),
    "portal.redeem": Expect(("landlord",), fuzz=False),
    # The next four forms render only while a landlord report, contest or blacklist case
    # is pending (not in the matrix world); tests/portal covers their bad input.
    "portal.decide_declaration": Expect(STAFF, scoped=True, fuzz=False),
    "portal.decide_move_out": Expect(STAFF, scoped=True, fuzz=False),
    "contests.decide_contest": Expect(OFFICE, scoped=True, fuzz=False),
    "incentives.notify": Expect(OFFICE, scoped=True, fuzz=False),
    # Printing (issue 7): the manager's print page and background jobs; jobs belong to the
    # manager who started them, so another office account gets 404.
    "printing.index": Expect(OFFICE),
    "printing.print_plaques": Expect(OFFICE),
    "printing.print_roster": Expect(OFFICE),
    "incentives.print_blacklist": Expect(OFFICE),
    "incentives.measures": Expect(OFFICE),
    "incentives.points_ranking": Expect(OFFICE),
    "incentives.confirm": Expect(OFFICE, scoped=True, fuzz=False),
    "incentives.decline": Expect(OFFICE, scoped=True, fuzz=False),
    "incentives.record": Expect(OFFICE, scoped=True, fuzz=False),
    # A handover's photo: staff who see the unit, and the measure's own landlord.
    "incentives.measure_photo": Expect(ALL, scoped=True),
    # Points (issue 16): which measures a community lets landlords redeem; a landlord's
    # points from the unit and redeeming on their behalf; catalogue and rules versions.
    # The redemption buttons carry a request key and render only for an offer the balance
    # covers; tests/incentives/test_redemptions.py posts hostile values.
    "incentives.redeemable": Expect(OFFICE),
    "incentives.landlord_points": Expect(OFFICE, scoped=True),
    "incentives.redeem_for": Expect(OFFICE, scoped=True, fuzz=False),
    "incentives.versions_list": Expect(OFFICE),
    "incentives.version_source": Expect(OFFICE),
    "incentives.version_upload": Expect(OFFICE),
    "printing.print_area_notices": Expect(OFFICE),
    "printing.job": Expect(OFFICE, statuses={("admin", "GET"): 404}),
    "printing.job_file": Expect(OFFICE, statuses={("admin", "GET"): 404}),
    "printing.scheduled_file": Expect(OFFICE),
    # Rectification notices of a unit's open orders (staff hand them to the landlord).
    "printing.unit_notices": Expect(STAFF, scoped=True),
    # The QR code on a plaque opens this check: public, no personal data.
    "printing.plaque_check": public(),
    # Administration (issue 13): communities, areas, accounts, landlord logins; a manager
    # reaches their own community (the matrix world's), an admin every one.
    "admin.communities": Expect(OFFICE),
    "admin.community_new": Expect(ADMIN),
    "admin.community_edit": Expect(OFFICE),
    "admin.area_new": Expect(OFFICE),
    "admin.area_edit": Expect(OFFICE),
    "admin.users": Expect(OFFICE),
    "admin.user_new": Expect(OFFICE),
    "admin.user_edit": Expect(OFFICE),
    # Buttons, not data forms (tests/admin covers them).
    "admin.user_reset": Expect(OFFICE, fuzz=False),
    "admin.user_active": Expect(OFFICE, fuzz=False),
    "admin.landlord_logins": Expect(OFFICE),
    # Public pages (issue 8): no login, no personal data.
    "public.index": public(),
    "public.blacklist": public(),
    "public.recommended": public(),
    "public.search": public(),
    "public.unit": public(),
    # The managers' dashboard (issue 16): inspectors see their areas' figures.
    "dashboard.index": Expect(STAFF),
    "dashboard.rows": Expect(STAFF),
    # Incidents (issue 16): staff log them on units they see; admins keep the kind list.
    "incidents.new": Expect(STAFF, scoped=True),
    "incidents.retract": Expect(STAFF, scoped=True),
    "incidents.kinds": Expect(ADMIN),
    "incidents.kind_edit": Expect(ADMIN),
    # Tenants declare themselves (issue 19).
    "selfservice.live_here": public(),
    "selfservice.moved_out": public(),
    "selfservice.landlord_decide": Expect(("landlord",), scoped=True, fuzz=False),
    "selfservice.staff_decide": Expect(STAFF, scoped=True, fuzz=False),
    "selfservice.verify": Expect(STAFF, scoped=True, fuzz=False),
    "selfservice.print_sticker": Expect(STAFF, scoped=True, fuzz=False),
    "selfservice.proof": Expect(("landlord",), scoped=True),
    "selfservice.registration": Expect(STAFF, scoped=True, fuzz=False),
    "selfservice.decide_proof": Expect(STAFF, scoped=True, fuzz=False),
    "messages.inbox": Expect(("landlord",)),
    "messages.language": Expect(("landlord",)),
    # The JSON API (issue 18). A session cookie never authenticates it (the blueprint is
    # CSRF exempt), so every signed-in role and anonymous get a JSON 401 here; the token
    # scoping is proved per role in tests/api/test_scoping.py and the schemathesis run.
    "api.me": token_api(ALL),
    "api.units": token_api(ALL),
    "api.unit": token_api(ALL),
    "api.unit_inspections": token_api(ALL),
    "api.unit_tasks": token_api(ALL),
    "api.unit_orders": token_api(ALL),
    "api.tasks": token_api(STAFF),
    "api.scorecards": token_api(OFFICE),
    "api.scorecard": token_api(STAFF),
    "api.scorecard_current": token_api(STAFF),
    "api.record_inspection": token_api(STAFF),
    "api.move_in": token_api(("landlord",)),
    "api.move_out": token_api(("landlord",)),
    "api.unit_create": token_api(OFFICE),
    "api.unit_update": token_api(OFFICE),
    "api.dashboard": token_api(STAFF),
    "api.person_create": token_api(OFFICE),
    "api.person_update": token_api(OFFICE),
    # Open data, no token, no personal data.
    "api.openapi": public(),
    "api.docs": public(),
    "api.public_communities": public(),
    "api.public_community_ratings": public(),
    "api.public_unit": public(),
    "api.public_blacklist": public(),
    "api.public_blacklist_editions": public(),
    "api.public_blacklist_edition": public(),
    "api.public_recommended": public(),
    "api.public_ratings_json": public(),
    "api.public_ratings_csv": public(),
    # Everyone's own API tokens (an admin's: every account's). Another account's token
    # id is "not found" (a flash and 303), never revoked: tests/api/test_tokens.py.
    "api_tokens.token_list": Expect(ALL),
    "api_tokens.token_revoke": Expect(ALL, fuzz=False),
}
#: Public downloads of open data (no personal data), which may be cached.
OPEN_DATA = frozenset({"api.public_ratings_csv"})
#: Token-authenticated endpoints: a cookie cannot sign them in, so CSRF does not apply.
TOKEN_API_PREFIX = "api."


def _scorecard_version(session: Any) -> int:
    """A draft scorecard version (2, after the default card), so its page shows a form."""
    from datetime import date

    from sqlmodel import select

    from rentals.ratings.models import ScorecardVersion
    from rentals.ratings.services import ensure_default_scorecard, upload_scorecard
    from scoring import default_scorecard_text

    ensure_default_scorecard(session, today=date(2026, 1, 1))
    draft = session.exec(select(ScorecardVersion).where(ScorecardVersion.version == 2)).first()
    if draft is None:
        text = default_scorecard_text().replace("version = 1\n", "version = 2\n", 1)
        draft = upload_scorecard(session, actor=None, text=text)
    return draft.version


#: URL argument name -> value for the objects of ``world`` (a tests.factories.World).
#: Builders get ``(world, session)`` and may create rows (flush, do not commit).
ARGUMENTS: dict[str, Callable[[Any, Any], Any]] = {
    "code": lambda w, s: w.unit_a.code,
    "unit_id": lambda w, s: w.unit_a.id,
    "tenancy_id": lambda w, s: w.tenancy_a.id,
    "person_id": lambda w, s: w.tenant_a.id,
    "area_id": lambda w, s: w.area_a.id,
    "community_id": lambda w, s: w.area_a.community_id,
    "user_id": lambda w, s: w.users["inspector_a"].id,
    "filename": lambda w, s: "app.css",
    "task_id": lambda w, s: _matrix_task(w, s).id,
    "token": lambda w, s: _matrix_feed_token(w, s),
    "inspection_id": lambda w, s: _matrix_inspection(w, s).id,
    "signer": lambda w, s: _matrix_signature(w, s).signer,
    "photo_key": lambda w, s: _matrix_photo(w, s).key,
    "scorecard_version": lambda w, s: _scorecard_version(s),
    "report_id": lambda w, s: _move_out_report(w, s).id,
    "declaration_id": lambda w, s: _declaration(w, s).id,
    "measure_id": lambda w, s: _measure(w, s).id,
    "self_declaration_id": lambda w, s: _self_declaration(w, s).id,
    "order_id": lambda w, s: _matrix_order(w, s).id,
    "proof_id": lambda w, s: _fix_proof(w, s).id,
    "job_id": lambda w, s: _print_job(w, s),
    "run_id": lambda w, s: _whatif_run(w, s),
    "scheduled_id": lambda w, s: _scheduled_roster(w, s),
    "import_id": lambda w, s: _import_job(w, s),
    "serial": lambda w, s: _plaque(w, s).serial,
    "kind": lambda w, s: "stars",
    "detail": lambda w, s: "not_yet_rated",
    "incident_id": lambda w, s: _incident(w, s).id,
    "kind_id": lambda w, s: _incident_kind(s).id,
    "version": lambda w, s: _scorecard_version(s),
    "month": lambda w, s: _blacklist_edition(w, s),
    "token_id": lambda w, s: _api_token(w, s),
    "catalogue": lambda w, s: "points",
    "number": lambda w, s: 1,
}


def _incident_kind(session: Any) -> Any:
    """The kind list's first entry (the migration seeds the default kinds)."""
    from sqlmodel import select

    from rentals.incidents.models import IncidentKind

    return session.exec(select(IncidentKind).order_by(IncidentKind.id)).first()


def _incident(world: Any, session: Any) -> Any:
    """An incident logged on unit_a."""
    from datetime import date

    from rentals.incidents.models import Incident

    row = Incident(
        unit_id=world.unit_a.id,
        kind_id=_incident_kind(session).id,
        occurred_on=date(2026, 12, 1),
        note="矩阵",
        reported_by=world.users["inspector_a"].id,
    )
    session.add(row)
    session.flush()
    return row


def _blacklist_edition(world: Any, session: Any) -> str:
    """A published blacklist edition (the month's row, as the monthly job stores it)."""
    from rentals.incentives.models import BlacklistEdition

    session.add(BlacklistEdition(month="2026-11", data={"rows": []}, pdf=b"%PDF-1.4\n%%EOF\n"))
    session.flush()
    return "2026-11"


def _api_token(world: Any, session: Any) -> int:
    """A live API token of landlord_a's."""
    from rentals import clock
    from rentals.api.tokens import create_token

    row, _plain = create_token(
        session, actor=None, user=world.users["landlord_a"], name="matrix", days=30, now=clock.now()
    )
    return row.id


def _whatif_run(world: Any, session: Any) -> str:
    """A finished what-if run of the manager's for the matrix's scorecard version (made
    once: walks build their URLs once per role)."""
    from rentals.queue.models import Job, JobBlob

    if session.get(Job, "0" * 31 + "3") is not None:
        return "0" * 31 + "3"
    job = Job(
        id="0" * 31 + "3",
        kind="whatif",
        params={"version": _scorecard_version(session)},
        owner_id=world.users["manager"].id,
        status="done",
    )
    session.add(job)
    data = "编号\r\n".encode("utf-8-sig")
    session.add(
        JobBlob(
            job_id=job.id,
            role="result",
            name="what-if.csv",
            mimetype="text/csv",
            size=len(data),
            data=data,
        )
    )
    session.commit()
    return job.id


def _print_job(world: Any, session: Any) -> str:
    """A finished print job of the manager's, with its file (rows in the database)."""
    from rentals.queue.models import Job, JobBlob

    job = Job(
        id="0" * 31 + "1",
        kind="print",
        params={"what": "plaques"},
        owner_id=world.users["manager"].id,
        status="done",
    )
    session.add(job)
    pdf = b"%PDF-1.4\n%%EOF\n"
    session.add(
        JobBlob(
            job_id=job.id,
            role="result",
            name="plaques.pdf",
            mimetype="application/pdf",
            size=len(pdf),
            data=pdf,
        )
    )
    session.commit()
    return job.id


def _scheduled_roster(world: Any, session: Any) -> int:
    """Next week's roster of area_a as the scheduler stores it."""
    from datetime import date

    from rentals.printing.models import ScheduledPrint

    pdf = b"%PDF-1.4\n%%EOF\n"
    row = ScheduledPrint(
        key=f"roster:2027-02-08:{world.area_a.id}",
        kind="roster",
        week=date(2027, 2, 8),
        area_id=world.area_a.id,
        prepared=date(2027, 2, 5),
        pages=1,
        size=len(pdf),
        pdf=pdf,
    )
    session.add(row)
    session.flush()
    return row.id  # type: ignore[return-value]


def _import_job(world: Any, session: Any) -> str:
    """A finished ledger import of the manager's."""
    from rentals.queue.models import Job

    job = Job(
        id="0" * 31 + "2",
        kind="import",
        params={"kind": "units", "rows": 1},
        owner_id=world.users["manager"].id,
        status="done",
        result={"kind": "units", "rows": 1, "counts": {"unit": {"created": 1}}, "errors": []},
    )
    session.add(job)
    session.commit()
    return job.id


def _plaque(world: Any, session: Any) -> Any:
    """A current plaque of unit_a."""
    from datetime import date

    from rentals.printing.models import Plaque

    row = Plaque(
        unit_id=world.unit_a.id,
        serial="MATRIXPLAQUE1",
        stars=2,
        rating_status="two",
        valid_until=date(2027, 12, 31),
    )
    session.add(row)
    session.flush()
    return row


def _declaration(world: Any, session: Any) -> Any:
    """A landlord's pending tenant declaration on unit_a."""
    from datetime import date

    from rentals.portal.models import TenantDeclaration

    row = TenantDeclaration(
        unit_id=world.unit_a.id,
        name="矩阵",
        id_number="11010519491231002X",
        moved_in=date(2026, 1, 1),
        declared_by=world.users["landlord_a"].id,
    )
    session.add(row)
    session.flush()
    return row


def _measure(world: Any, session: Any) -> Any:
    """A proposed measure of unit_a (its rating made from the matrix inspection)."""
    from sqlmodel import select

    from rentals.incentives.models import Measure
    from rentals.ratings.models import Rating

    found = session.exec(select(Measure).where(Measure.unit_id == world.unit_a.id)).first()
    if found is not None:
        return found
    inspection = _matrix_inspection(world, session)
    rating = session.exec(select(Rating).where(Rating.inspection_id == inspection.id)).first()
    if rating is None:
        from rentals.ratings.models import ScorecardVersion
        from rentals.ratings.services import card_of
        from scoring import assess

        card = card_of(session.get(ScorecardVersion, inspection.scorecard_version_id))
        result = assess(card, dict.fromkeys(card.item_codes, "met"), [])
        rating = Rating(
            unit_id=world.unit_a.id,
            inspection_id=inspection.id,
            scorecard_version_id=inspection.scorecard_version_id,
            score=100,
            stars=3,
            status="three",
            breakdown=result.to_dict(),
        )
        session.add(rating)
        session.flush()
    row = Measure(
        unit_id=world.unit_a.id,
        landlord_id=world.landlord_a.id,
        rating_id=rating.id,
        band="three",
        catalogue_version=1,
        code="R2",
        record="handover",
        text_zh="发放消防器材和日用品礼包",
    )
    session.add(row)
    session.flush()
    # A photo recorded with it (as a handover would carry), for the photo's route; the
    # measure itself stays proposed, so its action routes answer as they did.
    from rentals.incentives.models import MeasureEvent

    photo = _matrix_photo(world, session)
    session.add(MeasureEvent(measure_id=row.id, kind="recorded", data={"photo": photo.id}))
    session.flush()
    return row


def _self_declaration(world: Any, session: Any) -> Any:
    """A tenant's own pending declaration on unit_a (from the public page)."""
    from datetime import date

    from rentals.portal.models import TenantDeclaration

    row = TenantDeclaration(
        unit_id=world.unit_a.id,
        name="矩阵自报",
        id_number="11010519491231002X",
        moved_in=date(2026, 1, 1),
        source="tenant",
    )
    session.add(row)
    session.flush()
    return row


def _matrix_order(world: Any, session: Any) -> Any:
    """An open rectification order of unit_a (made once per world)."""
    from datetime import date

    from sqlmodel import select

    from rentals.inspections.models import RectificationOrder

    found = session.exec(
        select(RectificationOrder).where(RectificationOrder.note == "matrix-order")
    ).first()
    if found is None:
        found = RectificationOrder(
            unit_id=world.unit_a.id,
            inspection_id=_matrix_inspection(world, session).id,
            item_code="F1",
            deadline=date(2027, 3, 1),
            note="matrix-order",
        )
        session.add(found)
        session.flush()
    return found


def _fix_proof(world: Any, session: Any) -> Any:
    """A landlord's pending proof of a fix of that order."""
    from rentals.selfservice.models import FixProof

    row = FixProof(
        order_id=_matrix_order(world, session).id,
        unit_id=world.unit_a.id,
        note="矩阵整改证明",
        status="visit",
    )
    session.add(row)
    session.flush()
    return row


def _move_out_report(world: Any, session: Any) -> Any:
    """A landlord's pending move-out report of unit_a's tenant."""
    from rentals.portal.models import MoveOutReport

    report = MoveOutReport(
        unit_id=world.unit_a.id, tenancy_id=world.tenancy_a.id, moved_out=world.tenancy_a.moved_in
    )
    session.add(report)
    session.flush()
    return report


def _matrix_inspection(w: Any, s: Any) -> Any:
    """A completed inspection of unit_a (made once per world)."""
    from datetime import date

    from sqlmodel import select

    from rentals.inspections.models import Inspection
    from rentals.ratings.services import ensure_default_scorecard

    found = s.exec(select(Inspection).where(Inspection.client_key == "matrix-inspection")).first()
    if found is not None:
        return found
    version = ensure_default_scorecard(s, today=date(2026, 1, 1))
    row = Inspection(
        unit_id=w.unit_a.id, scorecard_version_id=version.id, client_key="matrix-inspection"
    )
    s.add(row)
    s.flush()
    return row


def _matrix_signature(w: Any, s: Any) -> Any:
    from sqlmodel import select

    from rentals.inspections.models import Signature

    inspection = _matrix_inspection(w, s)
    found = s.exec(select(Signature).where(Signature.inspection_id == inspection.id)).first()
    if found is None:
        png = b"\x89PNG\r\n\x1a\n" + b"0" * 16
        found = Signature(inspection_id=inspection.id, signer="party", name="扎西", image=png)
        s.add(found)
        s.flush()
    return found


def _matrix_photo(w: Any, s: Any) -> Any:
    """A stored photo of unit_a, its bytes in the database as every photo's are."""
    from sqlmodel import select

    from rentals.inspections.models import Photo, PhotoBlob

    found = s.exec(select(Photo).where(Photo.key == "matrix-photo")).first()
    if found is not None:  # the measures' photo route uses it too
        return found
    for variant in ("full", "thumb"):
        s.add(PhotoBlob(name="matrixphoto", variant=variant, size=4, data=b"\xff\xd8\xff\xd9"))
    row = Photo(key="matrix-photo", unit_id=w.unit_a.id, filename="matrixphoto")
    s.add(row)
    s.flush()
    return row


def _matrix_task(w: Any, s: Any) -> Any:
    """A follow-up task of unit_a (made once per world)."""
    from datetime import date

    from rentals.tasks.services import create_follow_up

    return create_follow_up(s, unit=w.unit_a, order_id=990001, due=date(2027, 3, 1))


def _matrix_feed_token(w: Any, s: Any) -> str:
    """A live calendar-feed token of inspector_a."""
    from rentals.tasks.ical import create_feed

    inspector = w.users["inspector_a"]
    return create_feed(s, actor=inspector, user=inspector)
