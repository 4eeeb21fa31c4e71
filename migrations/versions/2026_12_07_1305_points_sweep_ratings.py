"""Points sweep: an index on rating (status, rated_at), which the sweep reads past its mark by.

Revision ID: points_1305_ratings
Revises: 0001_foundation
Create Date: 2026-12-07
"""

from collections.abc import Sequence

from alembic import op

revision: str = "points_1305_ratings"
down_revision: str | Sequence[str] | None = "0001_foundation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_rating_status_rated_at", "rating", ["status", "rated_at"])


def downgrade() -> None:
    op.drop_index("ix_rating_status_rated_at", table_name="rating")
