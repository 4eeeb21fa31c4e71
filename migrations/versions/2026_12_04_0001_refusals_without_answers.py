"""Refusals without answers: visits that were not inspections lose their item answers.

Until December 2026 a refusal was rated as if every item had failed: its rating's
breakdown listed every item "not met" (and older rows kept those answers on the visit
too), so the unit file showed every item at 0 and "what changed" listed every item.
A refusal, a no-access visit and a unit-gone visit have no item answers (issue 15):

- the visit row keeps who, when, outcome, task and the visit note; its item answers,
  vetoes and item notes are emptied;
- the rating of a refusal keeps its status (not rated), stars (0), score (0) and vetoes
  (V2), and its breakdown becomes the one ``scoring.assess_without_answers`` gives: no
  items, no lost points, no advice.

Data only (no schema change), so it runs the same on SQLite and PostgreSQL; rows are
read and written through SQLAlchemy's JSON type, never by JSON functions of one engine.
Running it twice changes nothing. The downgrade cannot bring back answers that recorded
nothing true, so it leaves the rows as they are.

Revision ID: outcomes_refusal_answers
Revises: 0001_foundation
Create Date: 2026-12-04 18:00:00
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "outcomes_refusal_answers"
down_revision: str | Sequence[str] | None = "0001_foundation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: Visit outcomes that are not inspections (rentals.inspections.models.Outcome).
NOT_INSPECTIONS = ("refused", "no_access", "unit_gone")
REFUSED = "refused"

inspection = sa.table(
    "inspection",
    sa.column("id", sa.Integer()),
    sa.column("outcome", sa.String(16)),
    sa.column("answers", sa.JSON()),
    sa.column("vetoes", sa.JSON()),
    sa.column("notes", sa.JSON()),
)
rating = sa.table(
    "rating",
    sa.column("id", sa.Integer()),
    sa.column("inspection_id", sa.Integer()),
    sa.column("score", sa.Numeric(4, 1)),
    sa.column("breakdown", sa.JSON()),
)


def without_answers(breakdown: dict[str, Any]) -> dict[str, Any]:
    """The breakdown of a rating made from vetoes alone (frozen here: a migration must not
    change meaning when the scoring code does)."""
    return {
        "scorecard_version": breakdown.get("scorecard_version"),
        "score": "0.0",
        "score_exact": "0/1",
        "met_points": 0,
        "applicable_points": 0,
        "band_stars": 0,
        "stars": 0,
        "status": "not_rated",
        "caps": [],
        "vetoes": list(breakdown.get("vetoes") or ["V2"]),
        "lost": {},
        "next_star": [],
        "items": [],
    }


def upgrade() -> None:
    conn = op.get_bind()
    visits = conn.execute(
        sa.select(inspection.c.id, inspection.c.answers, inspection.c.vetoes, inspection.c.notes)
        .where(inspection.c.outcome.in_(NOT_INSPECTIONS))
        .order_by(inspection.c.id)
    ).all()
    for visit_id, answers, vetoes, notes in visits:
        visit_note = {"": notes[""]} if isinstance(notes, dict) and notes.get("") else {}
        if answers or vetoes or (notes or {}) != visit_note:
            conn.execute(
                sa.update(inspection)
                .where(inspection.c.id == visit_id)
                .values(answers={}, vetoes=[], notes=visit_note)
            )
    ratings = conn.execute(
        sa.select(rating.c.id, rating.c.breakdown)
        .join(inspection, inspection.c.id == rating.c.inspection_id)
        .where(inspection.c.outcome == REFUSED)
        .order_by(rating.c.id)
    ).all()
    for rating_id, breakdown in ratings:
        fixed = without_answers(breakdown or {})
        if breakdown != fixed:
            conn.execute(
                sa.update(rating).where(rating.c.id == rating_id).values(breakdown=fixed, score=0)
            )


def downgrade() -> None:
    """Nothing to undo: the deleted answers recorded no finding."""
