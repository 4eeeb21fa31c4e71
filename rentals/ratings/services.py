"""Scorecard versions in the database, and the appended rating history of units.

A completed inspection is assessed with the scorecard version it was made with; the
rating row is appended and the unit's mirror columns (``rating_status``, ``stars``)
updated in the same transaction. Nothing is overwritten.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache

from flask_babel import lazy_gettext as _l
from sqlmodel import Session, select

from rentals import audit
from rentals.errors import Conflict, InvalidInput, NotFound
from rentals.inspections.models import Inspection, Outcome
from rentals.ratings.models import Rating, ScorecardVersion
from rentals.register.models import Unit
from scoring import AnswerError, Assessment, RatingStatus, Scorecard, assess, parse_scorecard
from scoring.default import default_scorecard_text

#: The veto applied when a landlord refuses the inspection (brief: V2).
REFUSAL_VETO = "V2"


@lru_cache(maxsize=32)
def _parse(source: str) -> Scorecard:
    return parse_scorecard(source)


def card_of(version: ScorecardVersion) -> Scorecard:
    """The parsed scorecard of a stored version (cached by its text; versions never change)."""
    return _parse(version.source)


def ensure_default_scorecard(session: Session, *, today: date) -> ScorecardVersion:
    """Store the shipped version 1, active from ``today``, when no version exists yet."""
    existing = session.exec(select(ScorecardVersion).order_by(ScorecardVersion.version)).first()
    if existing is not None:
        return existing
    card = _parse(default_scorecard_text())
    row = ScorecardVersion(
        version=card.version,
        title=card.title.get("zh"),
        source=default_scorecard_text(),
        active_from=today,
    )
    session.add(row)
    session.flush()
    return row


def active_scorecard(session: Session, *, today: date) -> ScorecardVersion:
    """The version in force on ``today``: the newest one whose ``active_from`` has come."""
    row = session.exec(
        select(ScorecardVersion)
        .where(ScorecardVersion.active_from.is_not(None), ScorecardVersion.active_from <= today)
        .order_by(ScorecardVersion.active_from.desc(), ScorecardVersion.version.desc())
    ).first()
    if row is None:
        raise NotFound(_l("还没有生效的评分表，请管理人员先发布评分表。"))
    return row


def latest_rating(session: Session, unit: Unit) -> Rating | None:
    return session.exec(
        select(Rating).where(Rating.unit_id == unit.id).order_by(Rating.id.desc())
    ).first()


def rate_inspection(session: Session, *, inspection: Inspection, now: datetime) -> Rating:
    """Assess a completed or refused inspection and append its rating (one per inspection).

    A refusal rates the unit "not rated" through the refusal veto, with every item left
    as not met, so the record shows why. Raises Conflict when already rated and
    InvalidInput when the answers do not fit the scorecard version.
    """
    if inspection.outcome == Outcome.NO_ACCESS:
        raise InvalidInput(_l("无人在家的走访不产生评定。"))
    if session.exec(select(Rating.id).where(Rating.inspection_id == inspection.id)).first():
        raise Conflict(_l("这次检查已经评定过。"))
    version = session.get(ScorecardVersion, inspection.scorecard_version_id)
    card = card_of(version)
    answers = dict(inspection.answers)
    vetoes = list(inspection.vetoes)
    if inspection.outcome == Outcome.REFUSED:
        answers = {item.code: "not_met" for item in card.items}
        vetoes = sorted({*vetoes, REFUSAL_VETO})
    try:
        result: Assessment = assess(card, answers, vetoes)
    except AnswerError as err:
        raise InvalidInput(str(err)) from None
    unit = session.get(Unit, inspection.unit_id)
    rating = Rating(
        unit_id=unit.id,
        inspection_id=inspection.id,
        scorecard_version_id=version.id,
        score=Decimal(str(result.score_display)),
        stars=result.stars,
        status=result.status.value,
        breakdown=result.to_dict(),
        rated_at=now,
    )
    session.add(rating)
    previous = (unit.rating_status, unit.stars)
    # A unit under review keeps that public status until the contest is decided.
    if unit.rating_status != RatingStatus.UNDER_REVIEW:
        unit.rating_status = result.status.value
    unit.stars = result.stars
    session.add(unit)
    session.flush()
    audit.record(
        session,
        inspection.inspector_id,
        "rating.appended",
        unit,
        {
            "inspection": inspection.id,
            "scorecard_version": version.version,
            "score": str(result.score_display),
            "stars": [previous[1], result.stars],
        },
    )
    return rating
