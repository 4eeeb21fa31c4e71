"""The audit-trail search page: read-only, for the office (who saw or changed what, when).

There is deliberately no route that edits or deletes an event.
"""

from __future__ import annotations

from datetime import date

from flask import current_app, flash, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from rentals import clock, db, inputs
from rentals.audit import bp
from rentals.audit.queries import EventFilter, event_page
from rentals.auth.access import OFFICE, event_scope, roles_required


def _date_arg(name: str) -> date | None:
    value = inputs.date_arg(name)
    if value is None and request.args.get(name, "").strip():
        flash(_("日期格式应为 年-月-日，例如 2026-11-22。"), "error")
    return value


def _text_arg(name: str, limit: int = 64) -> str:
    return request.args.get(name, "").strip()[:limit]


@bp.route("/audit")
@roles_required(*OFFICE)
def events():  # type: ignore[no-untyped-def]
    page_arg = request.args.get("page", "")
    flt = EventFilter(
        actor=_text_arg("actor"),
        action=_text_arg("action"),
        subject_type=_text_arg("subject_type", 32),
        subject_id=_text_arg("subject_id"),
        since=_date_arg("since"),
        until=_date_arg("until"),
        page=int(page_arg)
        if page_arg.isascii() and page_arg.isdigit() and len(page_arg) < 6
        else 1,
        per_page=current_app.config["PAGE_SIZE"],
    )
    page = event_page(
        db.session(),
        flt,
        timezone=clock.zone_name(),
        scope=event_scope(current_user._get_current_object()),
    )
    return render_template("audit/events.html", page=page)
