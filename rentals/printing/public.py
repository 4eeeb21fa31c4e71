"""The public plaque check (/p/<serial>): what a tenant sees after scanning a plaque.

No login and no personal data: unit code, area, stars, valid-until and the date of the
last inspection, with a clear warning when the plaque was replaced, the unit's rating is no
longer the one printed, or the unit went past its cadence uninspected (待复核).
"""

from __future__ import annotations

from flask import current_app, render_template
from sqlmodel import select

from rentals import clock, db
from rentals.extensions import limiter
from rentals.inspections.queries import freshness
from rentals.printing import bp
from rentals.printing.fields import STATUS_NAMES, star_text
from rentals.printing.models import Plaque
from rentals.register.models import Area, Unit


@bp.route("/p/<serial>")
@limiter.limit(lambda: current_app.config.get("PUBLIC_RATE_LIMIT", "120 per minute"))
def plaque_check(serial: str):  # type: ignore[no-untyped-def]
    """Rate-limited like the other public pages: serials are random, but guessing is cheap."""
    row = None
    if len(serial) <= 16:
        row = (
            db.session()
            .exec(
                select(Plaque, Unit, Area)
                .join(Unit, Unit.id == Plaque.unit_id)
                .join(Area, Area.id == Unit.area_id)
                .where(Plaque.serial == serial.upper())
            )
            .first()
        )
    if row is None:
        return render_template("printing/plaque_check.html", found=False), 404
    plaque, unit, area = row
    today = clock.today()
    state = "valid"
    if plaque.retired_at is not None:
        state = "retired"
    elif unit.rating_status != plaque.rating_status or unit.stars != plaque.stars:
        state = "changed"
    elif plaque.valid_until < today:
        state = "expired"
    # A stale rating is not shown bare: the page says the unit is due for re-inspection.
    fresh = freshness(db.session(), unit, today=today)
    return render_template(
        "printing/plaque_check.html",
        found=True,
        state=state,
        serial=plaque.serial,
        unit_code=unit.code,
        area=area.name,
        area_bo=area.name_bo,
        stars=star_text(plaque.stars),
        printed_status=STATUS_NAMES.get(plaque.rating_status, ("", "")),
        current_status=STATUS_NAMES.get(unit.rating_status, ("", "")),
        valid_until=plaque.valid_until,
        last_inspected=fresh.last_inspected,
        stale=fresh.stale,
    )
