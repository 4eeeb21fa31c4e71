"""Landlords' proofs of a fix (issue 19): a note and photos for an open rectification order.

Revision ID: selfservice_0002_fix_proofs
Revises: 0005_inspections
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "selfservice_0002_fix_proofs"
# Off the inspections revision: it refers to rectification_order and task.
down_revision: str | Sequence[str] | None = "0005_inspections"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "fix_proof",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("photos", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("filed_by", sa.Integer(), nullable=True),
        sa.Column("filed_at", UTC_TS, nullable=False),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("decided_at", UTC_TS, nullable=True),
        sa.Column("task_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["rectification_order.id"],
            name="fk_fix_proof_order_id_rectification_order",
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"], name="fk_fix_proof_unit_id_unit"),
        sa.ForeignKeyConstraint(["filed_by"], ["user.id"], name="fk_fix_proof_filed_by_user"),
        sa.ForeignKeyConstraint(["decided_by"], ["user.id"], name="fk_fix_proof_decided_by_user"),
        sa.ForeignKeyConstraint(["task_id"], ["task.id"], name="fk_fix_proof_task_id_task"),
        sa.PrimaryKeyConstraint("id", name="pk_fix_proof"),
    )
    op.create_index(
        "uq_fix_proof_pending_order",
        "fix_proof",
        ["order_id"],
        unique=True,
        sqlite_where=sa.text("status = 'pending'"),
        postgresql_where=sa.text("status = 'pending'"),
    )
    op.create_index("ix_fix_proof_unit_status", "fix_proof", ["unit_id", "status"])


def downgrade() -> None:
    op.drop_index("ix_fix_proof_unit_status", table_name="fix_proof")
    op.drop_index("uq_fix_proof_pending_order", table_name="fix_proof")
    op.drop_table("fix_proof")
