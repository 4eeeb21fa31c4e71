"""Task pages: the manager's board and workload, the inspector's list and calendar feed."""

from __future__ import annotations

from datetime import date, timedelta

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

import schedules
from rentals import clock, db, inputs
from rentals.auth.access import (
    OFFICE,
    STAFF,
    area_scope,
    can_see_unit,
    covering_unit_scope,
    roles_required,
)
from rentals.auth.models import Role, User
from rentals.errors import DomainError
from rentals.inspections.rows import unit_link
from rentals.register.models import Area, Unit
from rentals.register.queries import communities_for
from rentals.tasks import bp, ical, queries, services
from rentals.tasks.forms import FeedForm, ReassignForm
from rentals.tasks.models import Task


def _user() -> User:
    return current_user._get_current_object()  # type: ignore[no-any-return]


def _today() -> date:
    return clock.today()


def _int_arg(name: str) -> int | None:
    value = request.args.get(name, "")
    return int(value) if value.isascii() and value.isdigit() and len(value) <= 9 else None


def _date_arg(name: str) -> date | None:
    return inputs.date_arg(name)


@bp.route("/board")
@roles_required(*OFFICE)
def board():  # type: ignore[no-untyped-def]
    today = _today()
    start, end = queries.week_of(_date_arg("week") or today)
    areas = list(db.session().scalars(select(Area).where(area_scope(_user())).order_by(Area.name)))
    area_id = _int_arg("area")
    status = request.args.get("status") or None
    result = queries.board(
        db.session(),
        start=start,
        end=end,
        area_id=area_id,
        status=status if status in ("open", "done", "overdue") else None,
        today=today,
        page=min(_int_arg("page") or 1, 100000),
        per_page=current_app.config["PAGE_SIZE"],
        scope=covering_unit_scope(db.session(), _user()),
    )
    return render_template(
        "tasks/board.html",
        board=result,
        areas=areas,
        community_names={c.id: c.name for c in communities_for(db.session(), _user())},
        area_id=area_id,
        status=status,
        start=start,
        end=end,
        previous=start - timedelta(days=7),
        following=start + timedelta(days=7),
        today=today,
    )


@bp.route("/workload")
@roles_required(*OFFICE)
def workload():  # type: ignore[no-untyped-def]
    today = _today()
    start, end = queries.week_of(_date_arg("week") or today)
    session = db.session()
    counts = queries.star_counts(session, _user())
    figure = schedules.four_week_workload(counts)
    scoped = None if _user().role == Role.ADMIN else area_scope(_user())
    return render_template(
        "tasks/workload.html",
        rows=queries.workload(session, start=start, end=end, today=today, areas_scope=scoped),
        counts=counts,
        figure=figure,
        start=start,
        end=end,
    )


@bp.route("/<int:task_id>/reassign", methods=["GET", "POST"])
@roles_required(*OFFICE)
def reassign(task_id: int):  # type: ignore[no-untyped-def]
    session = db.session()
    task = session.get(Task, task_id)
    if task is None:
        abort(404)
    unit = session.get(Unit, task.unit_id)
    if unit is None or not can_see_unit(session, _user(), unit):
        abort(404)
    inspectors = queries.area_inspectors(session, unit.area_id)
    form = ReassignForm()
    form.inspector_id.choices = [SelectChoice(str(u.id), u.display_name) for u in inspectors]
    if form.validate_on_submit():
        chosen = session.get(User, int(form.inspector_id.data))
        try:
            if chosen is None:
                raise DomainError(_("该巡查员不负责此区域。"), field="inspector_id")
            services.reassign_task(session, actor=_user(), task=task, inspector=chosen)
        except DomainError as err:
            form.inspector_id.errors = [str(err.message)]
            return render_template("tasks/reassign.html", form=form, task=task, unit=unit), 422
        flash(_("任务已改派。"), "success")
        return redirect(url_for("tasks.board", week=task.due.isoformat()))
    if request.method == "GET" and task.inspector_id:
        form.inspector_id.data = str(task.inspector_id)
    status = 422 if request.method == "POST" else 200
    return render_template("tasks/reassign.html", form=form, task=task, unit=unit), status


@bp.route("/mine")
@roles_required(*STAFF)
def mine():  # type: ignore[no-untyped-def]
    page = min(_int_arg("page") or 1, 100000)
    size = current_app.config["PAGE_SIZE"]
    rows = services.due_tasks_for_inspector(
        db.session(), user=_user(), today=_today(), limit=size + 1, offset=(page - 1) * size
    )
    return render_template(
        "tasks/mine.html",
        rows=rows[:size],
        page=page,
        more=len(rows) > size,
        today=_today(),
        unit_href=unit_link("register.unit"),
        due_text=_("到期 %(due)s"),
    )


@bp.route("/feed", methods=["GET", "POST"])
@roles_required(Role.INSPECTOR)
def feed():  # type: ignore[no-untyped-def]
    session = db.session()
    user = _user()
    form = FeedForm()
    url = None
    if form.validate_on_submit():
        if form.action.data == "create":
            token = ical.create_feed(session, actor=user, user=user)
            url = url_for("tasks.feed_ics", token=token, _external=True)
            flash(_("已生成新的订阅地址，旧地址已失效。"), "success")
        else:
            ical.revoke_feeds(session, actor=user, user=user)
            flash(_("订阅地址已停用。"), "success")
            return redirect(url_for("tasks.feed"))
    elif request.method == "POST":
        return render_template("tasks/feed.html", form=form, active=None, url=None), 400
    active = ical.active_feed(session, user)
    return render_template("tasks/feed.html", form=form, active=active, url=url)


@bp.route("/feed/<token>.ics")
def feed_ics(token: str):  # type: ignore[no-untyped-def]
    """Public by design: the unguessable token is the credential (calendars send no cookie)."""
    session = db.session()
    user = ical.user_for_token(session, token)
    if user is None:
        abort(404)
    body = ical.build_calendar(
        queries.feed_tasks(session, user_id=user.id),  # type: ignore[arg-type]
        now=clock.now(),
        name=_("巡查任务 · %(name)s", name=user.display_name),
        host=request.host.split(":")[0] or "rentals",
    )
    response = current_app.response_class(body, mimetype="text/calendar")
    response.headers["Cache-Control"] = "private, max-age=300"
    response.headers["Content-Disposition"] = 'inline; filename="tasks.ics"'
    return response
