"""Ratings made through the real rating service, for the portal and public tests."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlmodel import Session

from rentals.inspections.models import Inspection
from rentals.ratings.models import Rating
from rentals.ratings.services import ensure_default_scorecard, rate_inspection
from rentals.register.models import Unit
from scoring import default_scorecard

NOW = datetime(2027, 3, 1, 2, 0, tzinfo=UTC)
_keys = iter(range(1, 10**6))


def answers(failed: tuple[str, ...] = (), value: str = "met") -> dict[str, str]:
    out = {item.code: value for item in default_scorecard().items}
    out.update(dict.fromkeys(failed, "not_met"))
    return out


def rate(
    session: Session,
    unit: Unit,
    *,
    failed: tuple[str, ...] = (),
    vetoes: tuple[str, ...] = (),
    inspector: Any = None,
    now: datetime = NOW,
) -> Rating:
    version = ensure_default_scorecard(session, today=date(2026, 1, 1))
    inspection = Inspection(
        unit_id=unit.id,
        inspector_id=getattr(inspector, "id", None),
        scorecard_version_id=version.id,
        client_key=f"portal-{unit.id}-{next(_keys)}",
        answers=answers(failed),
        vetoes=list(vetoes),
        visited_at=now,
    )
    session.add(inspection)
    session.flush()
    return rate_inspection(session, inspection=inspection, now=now)


#: Two-star by points (S2 10 + S3 8 + M1 6 lost = 76) with F-items met.
TWO_STAR = ("S2", "S3", "M1")
#: One star (below 70): lose 34 points.
ONE_STAR = ("S2", "S3", "M1", "M2", "L1")
