"""Task pages: the manager's board and workload, the inspector's list and calendar feed."""

from __future__ import annotations

from datetime import date, timedelta

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import and_
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
from rentals.register.models import Unit
from rentals.register.queries import area_choice, community_rows, in_community
from rentals.tasks import bp, ical, queries, services
from rentals.tasks.forms import FeedForm, ReassignForm
from rentals.tasks.models import Task
from rentals.templating import row_link


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
    session, user = db.session(), _user()
    choice = area_choice(
        session, user, community_id=_int_arg("community"), area_id=_int_arg("area")
    )
    area_id = _int_arg("area") if choice.keeps(_int_arg("area")) else None
    community_id = choice.community_id if choice.asked else None
    scope = covering_unit_scope(session, user)
    if community_id is not None:
        scope = and_(scope, in_community(community_id))
    status = request.args.get("status") or None
    result = queries.board(
        session,
        start=start,
        end=end,
        area_id=area_id,
        status=status if status in ("open", "done", "overdue") else None,
        today=today,
        page=min(_int_arg("page") or 1, 100000),
        per_page=current_app.config["PAGE_SIZE"],
        scope=scope,
        plain=True,
    )
    return render_template(
        "tasks/board.html",
        board=result,
        choice=choice,
        area_id=area_id,
        community_id=community_id,
        status=status,
        start=start,
        end=end,
        previous=start - timedelta(days=7),
        following=start + timedelta(days=7),
        today=today,
        unit_href=row_link("register.unit"),
        reassign_href=row_link("tasks.reassign", "task_id", int),
    )


@bp.route("/workload")
@roles_required(*OFFICE)
def workload():  # type: ignore[no-untyped-def]
    """Four weeks' inspections by stars, and the week's figures per inspector: in a scope
    of several communities a row per community first (a city's 400 inspectors were one
    table), each linking to its inspectors, with the total of them all."""
    today = _today()
    start, end = queries.week_of(_date_arg("week") or today)
    session, user = db.session(), _user()
    counts = queries.star_counts(session, user)
    figure = schedules.four_week_workload(counts)
    scoped = None if user.role == Role.ADMIN else area_scope(user)
    communities = community_rows(session, user)
    asked = _int_arg("community")
    chosen = next(((c_id, name) for c_id, name in communities if c_id == asked), None)
    rows = queries.workload(session, start=start, end=end, today=today, areas_scope=scoped)
    total = queries.workload_total(rows)
    groups: list[queries.CommunityLoad] = []
    if chosen is not None:
        rows = [r for r in rows if chosen[0] in r.communities]
    elif len(communities) > 1:
        groups, rows = queries.workload_by_community(rows, communities), []
    return render_template(
        "tasks/workload.html",
        rows=rows,
        groups=groups,
        total=total,
        chosen=chosen,
        shown_total=queries.workload_total(rows) if chosen else total,
        counts=counts,
        figure=figure,
        start=start,
        end=end,
        week=start.isoformat() if _date_arg("week") else None,
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
        unit_href=row_link("register.unit"),
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
