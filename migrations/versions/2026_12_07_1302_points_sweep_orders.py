"""Points sweep: an index on rectification_order.closed_at, which the sweep reads past its mark by.

Revision ID: points_1302_orders
Revises: 0005_inspections
Create Date: 2026-12-07
"""

from collections.abc import Sequence

from alembic import op

revision: str = "points_1302_orders"
down_revision: str | Sequence[str] | None = "0005_inspections"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_rectification_order_closed_at", "rectification_order", ["closed_at"])


def downgrade() -> None:
    op.drop_index("ix_rectification_order_closed_at", table_name="rectification_order")
