"""Register indexes: sort by stars, and star counts per area from the index alone.

Revision ID: 0007_register_indexes
Revises: 0001_foundation
Create Date: 2026-11-22
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0007_register_indexes"
down_revision: str | Sequence[str] | None = "0001_foundation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("unit") as batch_op:
        batch_op.create_index("ix_unit_stars_code", ["stars", "code"], unique=False)
        batch_op.create_index("ix_unit_area_rating", ["area_id", "rating_status"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("unit") as batch_op:
        batch_op.drop_index("ix_unit_area_rating")
        batch_op.drop_index("ix_unit_stars_code")
