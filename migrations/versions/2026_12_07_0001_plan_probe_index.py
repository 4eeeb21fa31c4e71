"""Unit: an index on (status, stars, id) for the daily plan's probe of units needing work.

Revision ID: tasks_0001_plan_probe_index
Revises: 0001_foundation
Create Date: 2026-12-07
"""

from collections.abc import Sequence

from alembic import op

revision: str = "tasks_0001_plan_probe_index"
down_revision: str | Sequence[str] | None = "0001_foundation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_unit_status_stars", "unit", ["status", "stars", "id"])


def downgrade() -> None:
    op.drop_index("ix_unit_status_stars", table_name="unit")
