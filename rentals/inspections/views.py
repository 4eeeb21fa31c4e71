"""Inspection pages: the inspector's home, the checklist, a record, photos, orders.

The checklist posts as a plain form (no JavaScript) or, from inspect.js, with
``Accept: application/json`` so a queued draft learns its outcome without a page load.
"""

from __future__ import annotations

import base64
import binascii
import io
import uuid
from datetime import datetime, timedelta
from typing import Any

from flask import (
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    send_from_directory,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from sqlmodel import select

from rentals import clock, db
from rentals.auth.access import OFFICE, STAFF, can_see_unit, roles_required
from rentals.auth.models import Role
from rentals.errors import DomainError, InvalidInput
from rentals.inspections import bp, photos, queries, rows, services
from rentals.inspections.forms import (
    ANSWER_LABELS,
    OUTCOME_LABELS,
    TASK_KIND_LABELS,
    ChecklistForm,
    NoteForm,
    SignatureForm,
    read_items,
)
from rentals.inspections.models import Inspection, Outcome, Photo, RectificationOrder
from rentals.ratings.diff import answer_changes
from rentals.ratings.services import card_of
from rentals.register.models import Unit
from rentals.register.queries import visible_unit
from rentals.tasks import services as task_services
from rentals.tasks.models import Task, TaskKind

ALL_ROLES = (*STAFF, Role.LANDLORD)


def _user():  # type: ignore[no-untyped-def]
    return current_user._get_current_object()


def _now() -> datetime:
    return clock.now()


def _lang() -> str:
    return str(get_locale() or "zh")


def _unit_or_404(code: str) -> Unit:
    unit = visible_unit(db.session(), _user(), code)
    if unit is None:
        abort(404)
    return unit


def _inspection_or_404(inspection_id: int) -> tuple[Inspection, Unit]:
    session = db.session()
    inspection = session.get(Inspection, inspection_id)
    unit = session.get(Unit, inspection.unit_id) if inspection else None
    if inspection is None or unit is None or not can_see_unit(session, _user(), unit):
        abort(404)
    return inspection, unit


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


@bp.app_context_processor
def _unit_file_helpers() -> dict[str, Any]:
    """``unit_orders_of(unit)`` for the orders section of the unit file (one query each)."""

    def unit_orders_of(unit: Unit) -> list[tuple[RectificationOrder, str | None]]:
        session = db.session()
        rows = queries.unit_orders(session, unit)
        keys = queries.photo_keys(session, [o.photo_id for o in rows])
        return [(o, keys.get(o.photo_id)) for o in rows]

    return {"unit_orders_of": unit_orders_of}


@bp.route("/inspect")
@roles_required(*STAFF)
def home():  # type: ignore[no-untyped-def]
    """Due inspections of the signed-in inspector, overdue first; and a unit search."""
    session = db.session()
    today = services.local_date(_now())
    due = task_services.due_tasks_for_inspector(session, user=_user(), today=today, limit=100)
    q = request.args.get("q", "")[:50]
    found = queries.search_units(session, _user(), q) if q.strip() else []
    ids = [d.unit.id for d in due] + [u.id for u in found]
    due_rows, found_rows = rows.unit_rows(due, found, queries.summaries(session, ids), today)
    # The day's pages, kept on the phone by the service worker when this page opens online.
    offline = [url_for("inspections.home"), url_for("inspections.orders"), url_for("main.offline")]
    if "tasks.mine" in current_app.view_functions:
        offline.append(url_for("tasks.mine"))
    for row in due_rows:
        offline += [row.file, row.checklist]
    return render_template(
        "inspections/home.html",
        due=due_rows,
        found=found_rows,
        q=q,
        offline=offline,
        flagged=queries.repeated_no_access(session, _user(), limit=20),
        today=today,
    )


def _task_for(unit: Unit, today: Any) -> Task | None:
    raw = request.args.get("task", "")
    task_id = int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 10 else None
    return task_services.task_for_visit(db.session(), unit=unit, task_id=task_id, today=today)


def _corrects(unit: Unit) -> Inspection | None:
    raw = request.args.get("corrects", "")
    if not (raw.isascii() and raw.isdigit() and len(raw) < 10):
        return None
    return services.correction_of(db.session(), unit=unit, inspection_id=int(raw))


def _follow_up(unit: Unit, task: Task | None) -> list[dict[str, Any]]:
    """For a follow-up visit: the open orders it checks, with the earlier finding and photo."""
    if task is None or task.kind != TaskKind.FOLLOW_UP:
        return []
    session = db.session()
    rows = []
    for order in services.open_orders_for_unit(session, unit):
        earlier = session.get(Inspection, order.inspection_id)
        photo = session.get(Photo, order.photo_id) if order.photo_id else None
        rows.append({"order": order, "earlier": earlier, "photo": photo})
    return rows


@bp.route("/units/<code>/inspect", methods=["GET", "POST"])
@roles_required(*STAFF)
def checklist(code: str):  # type: ignore[no-untyped-def]
    session = db.session()
    unit = _unit_or_404(code)
    now = _now()
    today = services.local_date(now)
    version = services.checklist_version(session, today=today)
    card = card_of(version)
    task = _task_for(unit, today)
    corrects = _corrects(unit)
    follow = _follow_up(unit, task)
    followed = {row["order"].item_code for row in follow}
    items = [i for i in card.items if i.code in followed] if followed else list(card.items)
    form = ChecklistForm()
    values: dict[str, Any] = dict(request.form) if request.method == "POST" else {}
    if request.method == "GET":
        form.client_key.data = uuid.uuid4().hex
        form.latest_id.data = services.latest_inspection_id(session, unit)
        if corrects is not None:
            values = {f"a_{k}": v for k, v in corrects.answers.items()}
            values.update({f"v_{k}": "y" for k in corrects.vetoes})
            values.update({f"n_{k}": v for k, v in corrects.notes.items() if k})
            form.note.data = corrects.notes.get("", "")
        elif any(i.code == "S3" for i in items):
            # S3 from the tenants' registration dates; the inspector confirms at the door.
            from rentals.selfservice.registrations import s3_suggestion

            suggested = s3_suggestion(session, unit, today)
            if suggested is not None:
                values["a_S3"] = suggested
    status, message, item_errors = 200, None, {}
    if form.validate_on_submit():
        outcome = form.outcome.data
        inspected = outcome == Outcome.COMPLETED
        read = read_items(request.form, card, items, require=inspected, today=today)
        # Answers ticked before another outcome was chosen are dropped, not checked.
        item_errors = read.errors if inspected else form.refusal_errors()
        if not item_errors:
            try:
                inspection = _record(unit, form, read, outcome, task, corrects, now, version)
            except services.StaleChecklist as err:
                status, message = 409, str(err.message)
                form.latest_id.data = services.latest_inspection_id(session, unit)
            except DomainError as err:
                status, message = err.status, str(err.message)
            else:
                url = url_for("inspections.record", inspection_id=inspection.id)
                if outcome == Outcome.NO_ACCESS:
                    flash(_("已记录：无人在家。检查任务仍待完成。"), "info")
                elif outcome == Outcome.UNIT_GONE:
                    flash(_("已记录：房屋已不存在或不再出租。请管理人员确认后退出登记。"), "info")
                if _wants_json():
                    return jsonify(status="ok", url=url, id=inspection.id)
                return redirect(url, code=303)
        elif not inspected:
            status = 422
            message = _("拒绝检查需要填写原因并勾选确认。")
        else:
            status = 422
            message = _("还有检查项目没有回答，请检查标红的项目。")
    elif request.method == "POST":
        status = 400 if "csrf_token" in form.errors else 422
        message = _("提交的内容有误，请检查后重试。")
    if _wants_json() and request.method == "POST":
        return jsonify(
            status="conflict" if status == 409 else "invalid",
            message=message,
            latest_id=form.latest_id.data,
            errors={k: str(v) for k, v in item_errors.items()},
        ), status
    return render_template(
        "inspections/checklist.html",
        unit=unit,
        card=card,
        version=version,
        items=items,
        form=form,
        values=values,
        errors=item_errors,
        message=message,
        task=task,
        corrects=corrects,
        follow=follow,
        summary=queries.summaries(session, [unit.id]).get(unit.id),
        open_orders=services.open_orders_for_unit(session, unit),
        lang=_lang(),
        ANSWER_LABELS=ANSWER_LABELS,
        OUTCOME_LABELS=OUTCOME_LABELS,
        today=today,
        deadlines={i.code: (today + timedelta(days=i.deadline_days)).isoformat() for i in items},
        sections=[
            (cat, [i for i in items if i.category == cat.code])
            for cat in card.categories
            if any(i.category == cat.code for i in items)
        ],
        # The items' texts with a number, each looked up once a page.
        texts={
            "points": _("（%(n)s 分）"),
            "suggest": _("评分表建议 %(n)s 天，即 %(d)s"),
            "days": _("%(n)s 天"),
        },
    ), status


def _record(unit, form, read, outcome, task, corrects, now, version):  # type: ignore[no-untyped-def]
    session = db.session()
    key = form.client_key.data.strip()
    # Photos sent with a no-JS form; their keys derive from the draft key, so a double
    # submit stores each photo once.
    for name, files in request.files.lists():
        if not name.startswith("p_"):
            continue
        for n, upload in enumerate(files):
            data = upload.read()
            if not data:
                continue
            services.store_photo(
                session,
                actor=_user(),
                unit=unit,
                key=f"{key}-{name[2:]}-{n}"[:64],
                inspection_key=key,
                item_code=name[2:],
                data=data,
                now=now,
            )
    notes = dict(read.notes)
    notes[""] = (form.note.data or "").strip()
    return services.record_inspection(
        session,
        unit=unit,
        inspector=_user(),
        client_key=key,
        answers=read.answers,
        vetoes=read.vetoes,
        notes=notes,
        outcome=outcome,
        now=now,
        task=task,
        orders=read.orders,
        expected_latest_id=form.latest_id.data or 0,
        corrects=corrects,
        reason=(form.refusal_reason.data or "") if outcome == Outcome.REFUSED else "",
        version=version,
    )


@bp.route("/inspections/photos", methods=["POST"])
@roles_required(*STAFF)
def photo_upload():  # type: ignore[no-untyped-def]
    """One photo from inspect.js, keyed by the phone's UUID (a retry stores it once)."""
    form = NoteForm()  # CSRF only
    if not form.validate_on_submit():
        return jsonify(status="invalid", message=_("安全校验未通过，请刷新页面。")), 400
    upload = request.files.get("photo")
    if upload is None:
        return jsonify(status="invalid", message=_("没有收到照片。")), 422
    unit = _unit_or_404(request.form.get("unit", "")[:32])
    try:
        photo = services.store_photo(
            db.session(),
            actor=_user(),
            unit=unit,
            key=request.form.get("key", ""),
            inspection_key=request.form.get("inspection_key", ""),
            item_code=request.form.get("item", ""),
            data=upload.read(),
            now=_now(),
        )
    except DomainError as err:
        return jsonify(status="invalid", message=str(err.message)), err.status
    return jsonify(
        status="ok",
        key=photo.key,
        url=url_for("inspections.photo", photo_key=photo.key),
        thumb=url_for("inspections.photo", photo_key=photo.key, size="thumb"),
    ), 201


@bp.route("/photos/<photo_key>")
@roles_required(*ALL_ROLES)
def photo(photo_key: str):  # type: ignore[no-untyped-def]
    """A stored photo, only for users allowed to see its unit (404 otherwise)."""
    session = db.session()
    row = session.exec(select(Photo).where(Photo.key == photo_key[:64])).first()
    unit = session.get(Unit, row.unit_id) if row else None
    if row is None or unit is None or not can_see_unit(session, _user(), unit):
        abort(404)
    response = photos.photo_response(
        session, row.filename, thumb=request.args.get("size") == "thumb"
    )
    if response is None:
        abort(404)
    return response


@bp.route("/inspections/<int:inspection_id>")
@roles_required(*ALL_ROLES)
def record(inspection_id: int):  # type: ignore[no-untyped-def]
    """The record on the unit file: who, when, version, answers, notes, photos, rating."""
    session = db.session()
    inspection, unit = _inspection_or_404(inspection_id)
    from rentals.auth.models import User
    from rentals.ratings.models import ScorecardVersion

    version = session.get(ScorecardVersion, inspection.scorecard_version_id)
    card = card_of(version)
    rating = queries.rating_of(session, inspection)
    before = queries.previous_rating(session, inspection) if rating else None
    # Compared with the last inspection only: a refusal has no answers to compare.
    inspected = inspection.outcome == Outcome.COMPLETED
    base = queries.last_inspected_rating(session, inspection) if rating and inspected else None
    changed = answer_changes(base.breakdown, rating.breakdown) if base and rating else ()
    closed = list(
        session.exec(
            select(RectificationOrder).where(
                RectificationOrder.closed_by_inspection_id == inspection.id
            )
        )
    )
    before_photos = {
        o.photo_id: session.get(Photo, o.photo_id) for o in closed if o.photo_id is not None
    }
    signatures = services.signatures_of(session, inspection)
    signed_by = {s.signer for s in signatures}
    return render_template(
        "inspections/record.html",
        inspection=inspection,
        unit=unit,
        version=version,
        card=card,
        rating=rating,
        before=before,
        base=base,
        base_visit=session.get(Inspection, base.inspection_id) if base else None,
        changed=changed,
        task=session.get(Task, inspection.task_id) if inspection.task_id else None,
        next_task=queries.next_visit(session, inspection),
        TASK_KIND_LABELS=TASK_KIND_LABELS,
        orders=queries.orders_of_inspection(session, inspection),
        closed=closed,
        before_photos=before_photos,
        photos=queries.photos_of(session, [inspection.id]).get(inspection.id, []),
        signatures=signatures,
        signed_by=signed_by,
        inspector=session.get(User, inspection.inspector_id) if inspection.inspector_id else None,
        corrects=session.get(Inspection, inspection.corrects_id)
        if inspection.corrects_id
        else None,
        sign_form=SignatureForm(),
        note_form=NoteForm(note=inspection.notes.get("", "")),
        lang=_lang(),
        ANSWER_LABELS=ANSWER_LABELS,
        OUTCOME_LABELS=OUTCOME_LABELS,
    )


def _drawing(data_url: str) -> bytes | None:
    prefix = "data:image/png;base64,"
    if not data_url or not data_url.startswith(prefix):
        return None
    try:
        png = base64.b64decode(data_url[len(prefix) :], validate=True)
    except (binascii.Error, ValueError):
        raise InvalidInput(_("签名图像无效。"), field="drawing") from None
    if not png.startswith(b"\x89PNG\r\n\x1a\n"):
        raise InvalidInput(_("签名图像无效。"), field="drawing")
    return png


@bp.route("/inspections/<int:inspection_id>/sign", methods=["POST"])
@roles_required(*STAFF)
def sign(inspection_id: int):  # type: ignore[no-untyped-def]
    inspection, _unit = _inspection_or_404(inspection_id)
    form = SignatureForm()
    back = url_for("inspections.record", inspection_id=inspection.id) + "#sign"
    if not form.validate_on_submit():
        flash(_("请填写签字人姓名。"), "error")
        return redirect(back, code=303)
    image = _drawing(form.drawing.data or "")
    if image is None and not form.confirm.data:
        flash(_("请在屏幕上签名，或勾选确认框。"), "error")
        return redirect(back, code=303)
    services.sign_inspection(
        db.session(),
        inspection=inspection,
        actor=_user(),
        signer=form.signer.data,
        name=form.name.data,
        image=image,
        now=_now(),
    )
    flash(_("已签字。"), "success")
    return redirect(back, code=303)


@bp.route("/inspections/<int:inspection_id>/signatures/<signer>.png")
@roles_required(*ALL_ROLES)
def signature_image(inspection_id: int, signer: str):  # type: ignore[no-untyped-def]
    inspection, _unit = _inspection_or_404(inspection_id)
    for row in services.signatures_of(db.session(), inspection):
        if row.signer == signer and row.image:
            response = send_file(io.BytesIO(row.image), mimetype="image/png", max_age=0)
            response.headers["Cache-Control"] = "private, no-store"
            return response
    return abort(404)


@bp.route("/inspections/<int:inspection_id>/note", methods=["POST"])
@roles_required(*STAFF)
def amend(inspection_id: int):  # type: ignore[no-untyped-def]
    inspection, _unit = _inspection_or_404(inspection_id)
    form = NoteForm()
    if not form.validate_on_submit():
        abort(400)
    services.amend_note(db.session(), inspection=inspection, actor=_user(), note=form.note.data)
    flash(_("已保存。"), "success")
    return redirect(url_for("inspections.record", inspection_id=inspection.id), code=303)


@bp.route("/orders")
@roles_required(*STAFF)
def orders():  # type: ignore[no-untyped-def]
    """Open and overdue rectification orders, and units with two no-access visits in a row."""
    session = db.session()
    today = services.local_date(_now())
    overdue_only = request.args.get("overdue") == "1"
    rows = queries.order_list(session, _user(), today=today, overdue_only=overdue_only)
    return render_template(
        "inspections/orders.html",
        rows=rows,
        thumbs=queries.photo_keys(session, [o.photo_id for o, _unit in rows]),
        flagged=queries.repeated_no_access(session, _user()),
        gone=queries.reported_gone(session, _user()) if _user().role in OFFICE else [],
        overdue_only=overdue_only,
        today=today,
        office=_user().role in OFFICE,
    )


@bp.route("/sw.js")
def service_worker():  # type: ignore[no-untyped-def]
    """Our service worker, served at the site root so its scope can reach the checklists.

    Public like any static file (it holds no data); ``no-cache`` so a new version is
    picked up at the next page load.
    """
    response = send_from_directory(
        current_app.static_folder, "sw.js", mimetype="text/javascript", max_age=0
    )
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.route("/inspections/csrf")
@roles_required(*STAFF)
def csrf():  # type: ignore[no-untyped-def]
    """A fresh CSRF token, fetched by inspect.js just before it syncs a stored draft."""
    return jsonify(token=generate_csrf())
