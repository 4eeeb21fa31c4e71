"""Scorecard versions in the database, and the appended rating history of units.

A completed inspection is assessed with the scorecard version it was made with; the
rating row is appended and the unit's mirror columns (``rating_status``, ``stars``)
updated in the same transaction. Nothing is overwritten.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from functools import lru_cache
from typing import Any

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import func
from sqlmodel import Session, select

from rentals import audit
from rentals.errors import Conflict, DomainError, InvalidInput, NotFound
from rentals.inspections.models import Inspection, Outcome
from rentals.ratings.models import Rating, ScorecardVersion
from rentals.ratings.signals import rating_appended
from rentals.register.models import Unit
from scoring import (
    AnswerError,
    AnswerProblem,
    Assessment,
    Problem,
    ProblemKind,
    RatingStatus,
    Scorecard,
    ScorecardError,
    assess,
    assess_without_answers,
    parse_scorecard,
)
from scoring.default import default_scorecard_text
from scoring.limits import MAX_SOURCE_BYTES

log = logging.getLogger(__name__)

#: The veto applied when a landlord refuses the inspection (brief: V2).
REFUSAL_VETO = "V2"
#: Longest scorecard upload, in bytes (the core's own limit; the default card is about 12 KB).
MAX_SCORECARD_BYTES = MAX_SOURCE_BYTES
#: How far ahead a version may be scheduled.
MAX_SCHEDULE_DAYS = 366


class VersionState(StrEnum):
    """Where a stored version stands on a given day."""

    DRAFT = "draft"
    #: Activated from a date still to come.
    SCHEDULED = "scheduled"
    ACTIVE = "active"
    #: Superseded by a later activated version.
    RETIRED = "retired"
    #: Stored text that no longer loads (kept from before the bounds): never in force.
    UNUSABLE = "unusable"


class ScorecardRejected(InvalidInput):
    """An uploaded scorecard failed validation; ``problems`` has every problem with its line."""

    def __init__(self, message: Any, problems: list[Problem]) -> None:
        super().__init__(message, field="source")
        self.problems = problems


def describe_problems(problems: Iterable[AnswerProblem], *, version: object) -> str:
    """The scoring core's answer problems in the user's language (its own are English)."""
    texts = {
        ProblemKind.MISSING: lambda code: gettext("%(code)s 没有回答", code=code),
        ProblemKind.BAD_VALUE: lambda code: gettext("%(code)s 的回答无效", code=code),
        ProblemKind.NA_NOT_ALLOWED: lambda code: gettext("%(code)s 不能选“不适用”", code=code),
        ProblemKind.UNKNOWN_ITEM: lambda code: gettext(
            "%(code)s 不在第 %(version)s 版评分表上", code=code, version=version
        ),
        ProblemKind.UNKNOWN_VETO: lambda code: gettext(
            "不予评定项 %(code)s 不在第 %(version)s 版评分表上", code=code, version=version
        ),
    }
    return gettext("；").join(texts[p.kind](str(p.code)[:16]) for p in problems)


class UnusableVersion(Conflict):
    """A stored version that cannot be loaded (stored before today's bounds, or edited by hand)."""


@lru_cache(maxsize=32)
def _parse(source: str) -> Scorecard:
    return parse_scorecard(source)


def card_of(version: ScorecardVersion) -> Scorecard:
    """The parsed scorecard of a stored version (cached by its text; versions never change).

    Raises UnusableVersion, a 409 with a translated message naming the first problem, when
    the stored text no longer loads, so a page that shows that version answers clearly.
    """
    try:
        return _parse(version.source)
    except ScorecardError as err:
        from rentals.ratings.problems import describe

        first = describe(err.problems[0]) if err.problems else ""
        raise UnusableVersion(
            _l(
                "第 %(version)s 版评分表无法使用（第 %(line)s 行：%(problem)s），"
                "请管理人员上传修正后的新版本。",
                version=version.version,
                line=err.problems[0].line if err.problems else 1,
                problem=first,
            )
        ) from None


def check_usable(card: Scorecard, *, start: date) -> None:
    """Dry run of what checklists and ratings do with a card from ``start``; InvalidInput if not.

    Builds every item's rectification deadline and assesses the card with every item met, every
    item not met and every veto, which is all a checklist and a rating ever compute from it.
    """
    try:
        for item in card.items:
            start + timedelta(days=item.deadline_days)
        assess(card, {item.code: "met" for item in card.items}, [])
        assess(card, {item.code: "not_met" for item in card.items}, list(card.veto_codes))
    except (AnswerError, ArithmeticError, ValueError) as err:
        log.warning("scorecard version %s failed its dry run: %r", card.version, err)
        raise InvalidInput(
            _l("第 %(version)s 版评分表无法用于检查，不能启用。", version=card.version),
            field="start",
        ) from None


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


def is_usable(version: ScorecardVersion, *, today: date) -> bool:
    """Whether the stored text loads and passes the dry run of ``check_usable``."""
    return _usable(version.source, today)


@lru_cache(maxsize=64)
def _usable(source: str, today: date) -> bool:
    """``is_usable`` by text and day: every checklist and submit asks it of the version in
    force, and the dry run assesses the whole card twice (stored texts never change)."""
    try:
        check_usable(_parse(source), start=today)
    except (DomainError, ScorecardError):
        return False
    return True


def active_scorecard(session: Session, *, today: date) -> ScorecardVersion:
    """The version in force on ``today``: the newest one whose ``active_from`` has come.

    A stored version that cannot be loaded never takes the checklists down: it is logged and
    skipped, and the newest usable version before it stays in force (issue 14.3).
    """
    rows = session.exec(
        select(ScorecardVersion)
        .where(ScorecardVersion.active_from.is_not(None), ScorecardVersion.active_from <= today)
        .order_by(ScorecardVersion.active_from.desc(), ScorecardVersion.version.desc())
    )
    for row in rows:
        if is_usable(row, today=today):
            return row
        log.error("scorecard version %s cannot be used; the one before stays", row.version)
    raise NotFound(_l("还没有生效的评分表，请管理人员先发布评分表。"))


def latest_rating(session: Session, unit: Unit) -> Rating | None:
    return session.exec(
        select(Rating).where(Rating.unit_id == unit.id).order_by(Rating.id.desc())
    ).first()


def assess_visit(
    card: Scorecard, outcome: str, answers: dict[str, Any], vetoes: Iterable[str]
) -> Assessment:
    """How a rated visit is assessed: an inspection from its answers, a refusal from its
    vetoes and the refusal veto only (what-if re-assessments use the same rule)."""
    if outcome == Outcome.REFUSED:
        return assess_without_answers(card, sorted({*vetoes, REFUSAL_VETO}))
    return assess(card, answers, vetoes)


def rate_inspection(session: Session, *, inspection: Inspection, now: datetime) -> Rating:
    """Assess a completed or refused inspection and append its rating (one per inspection).

    A refusal has no item answers: it rates the unit "not rated" through the refusal veto
    alone, with an empty item breakdown (no item was inspected, so none is reported as
    failed). Raises Conflict when already rated and InvalidInput when the answers do not
    fit the scorecard version, or for a visit that is not rated (no access, unit gone).
    """
    if not Outcome(inspection.outcome).is_rated:
        raise InvalidInput(_l("无人在家的走访不产生评定。"))
    if session.exec(select(Rating.id).where(Rating.inspection_id == inspection.id)).first():
        raise Conflict(_l("这次检查已经评定过。"))
    version = session.get(ScorecardVersion, inspection.scorecard_version_id)
    card = card_of(version)
    try:
        result = assess_visit(card, inspection.outcome, inspection.answers, inspection.vetoes)
    except AnswerError as err:
        detail = describe_problems(err.problems, version=card.version)
        raise InvalidInput(detail) from None
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
    rating_appended.send(session, rating=rating, now=now)
    return rating


def version_states(session: Session, *, today: date) -> list[tuple[ScorecardVersion, VersionState]]:
    """Every stored version, newest first, with its state on ``today`` (one query)."""
    rows = list(session.exec(select(ScorecardVersion).order_by(ScorecardVersion.version.desc())))
    usable = {r.id for r in rows if is_usable(r, today=today)}
    in_force = [
        r for r in rows if r.active_from is not None and r.active_from <= today and r.id in usable
    ]
    current = max(in_force, key=lambda r: (r.active_from, r.version), default=None)
    result = []
    for row in rows:
        if row.id not in usable:
            state = VersionState.UNUSABLE
        elif row.active_from is None:
            state = VersionState.DRAFT
        elif row.active_from > today:
            state = VersionState.SCHEDULED
        elif row is current:
            state = VersionState.ACTIVE
        else:
            state = VersionState.RETIRED
        result.append((row, state))
    return result


def upload_scorecard(session: Session, *, actor: Any, text: str) -> ScorecardVersion:
    """Validate TOML text and store it as a draft (``active_from`` NULL).

    Raises ScorecardRejected listing every problem at its line, and InvalidInput when the
    version number is not above every stored version (versions are never replaced).
    """
    text = text.replace("\r\n", "\n").lstrip("\ufeff")
    if not text.strip():
        raise InvalidInput(_l("请上传评分表文件或粘贴评分表内容。"), field="source")
    try:
        card = parse_scorecard(text)
    except ScorecardError as err:
        raise ScorecardRejected(_l("评分表有错误，没有保存。"), err.problems) from None
    newest = session.exec(select(func.max(ScorecardVersion.version))).one()
    if newest is not None and card.version <= newest:
        raise InvalidInput(
            _l(
                "版本号必须大于已有的所有版本（目前最大为 %(newest)s）。",
                newest=newest,
            ),
            field="source",
        )
    row = ScorecardVersion(
        version=card.version,
        title=card.title.zh[:200],
        source=text,
        active_from=None,
        created_by=getattr(actor, "id", None),
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor,
        "scorecard.uploaded",
        row,
        {"version": card.version, "items": len(card.items)},
    )
    return row


def activate_scorecard(
    session: Session, *, actor: Any, version: ScorecardVersion, start: date, today: date
) -> ScorecardVersion:
    """Put a draft in force from ``start`` (today or later); the only change a version gets.

    Versions take effect in number order: the start may not precede that of any version
    already activated, and a draft cannot be activated once a newer version has been.
    """
    if version.active_from is not None:
        raise Conflict(_l("这个版本已经启用，不能再修改；请上传新版本。"))
    if start < today:
        raise InvalidInput(_l("启用日期不能早于今天。"), field="start")
    activated = list(
        session.exec(select(ScorecardVersion).where(ScorecardVersion.active_from.is_not(None)))
    )
    if any(other.version > version.version for other in activated):
        raise Conflict(_l("已有更新的版本启用，这个草稿不能再启用。"))
    latest_start = max((other.active_from for other in activated), default=None)
    if latest_start is not None and start < latest_start:
        raise InvalidInput(
            _l("启用日期不能早于已启用版本的日期（%(day)s）。", day=latest_start.isoformat()),
            field="start",
        )
    if start > today + timedelta(days=MAX_SCHEDULE_DAYS):
        raise InvalidInput(
            _l("启用日期最多只能在 %(n)s 天以后。", n=MAX_SCHEDULE_DAYS), field="start"
        )
    # The stored text was checked on upload, but bounds may have grown stricter since: a
    # version that cannot be used must never become the one in force.
    check_usable(card_of(version), start=start)
    version.active_from = start
    session.add(version)
    session.flush()
    audit.record(
        session,
        actor,
        "scorecard.activated",
        version,
        {"version": version.version, "active_from": start.isoformat()},
    )
    return version
