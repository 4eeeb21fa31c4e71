"""Dashboard lists at a million units: each unit's rise or fall per month, live tasks by due.

``dashboard_move`` holds, per unit and local month, +1 when the unit's stars at the end
of the month (so far) are above its stars before the month, -1 when below; no row when
equal or not rated before. ``rentals.dashboard.aggregates`` keeps it with the ``rising``
and ``falling`` counts, so the list of risers is an index range of one month instead of
a window over the month's ratings. ``ix_task_live_due`` gives the live (open or overdue)
tasks in (due, id) order (a PostgreSQL index does not end in the row id as SQLite's do),
so the overdue list's first page is the first rows of one range on both engines;
``ix_inspection_outcome_visited`` a month's refusals in time order.

The table starts empty: ``rentals dashboard rebuild`` (or the first ``rentals db upgrade``
of a register without kept counts) fills it.

Revision ID: dashboard_1601_lists
Revises: 0001_foundation
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "dashboard_1601_lists"
down_revision: str | Sequence[str] | None = "0001_foundation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LIVE = "lower(status) IN ('open', 'overdue')"


def upgrade() -> None:
    op.create_table(
        "dashboard_move",
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("direction", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("unit_id", "month", name=op.f("pk_dashboard_move")),
    )
    op.create_index("ix_dashboard_move_month", "dashboard_move", ["month", "direction", "unit_id"])
    op.create_index(
        "ix_task_live_due",
        "task",
        ["due", "id"],
        sqlite_where=sa.text(LIVE),
        postgresql_where=sa.text(LIVE),
    )
    op.create_index("ix_inspection_outcome_visited", "inspection", ["outcome", "visited_at", "id"])


def downgrade() -> None:
    op.drop_index("ix_inspection_outcome_visited", table_name="inspection")
    op.drop_index("ix_task_live_due", table_name="task")
    op.drop_index("ix_dashboard_move_month", table_name="dashboard_move")
    op.drop_table("dashboard_move")
