"""Printing: issued plaques and published blacklist editions.

Revision ID: 0003_printing
Revises: 0001_foundation
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_printing"
down_revision: str | Sequence[str] | None = "0001_foundation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "plaque",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("serial", sa.String(length=16), nullable=False),
        sa.Column("stars", sa.Integer(), nullable=False),
        sa.Column("rating_status", sa.String(length=16), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("issued_by", sa.Integer(), nullable=True),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("replaced_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"], name="fk_plaque_unit_id_unit"),
        sa.ForeignKeyConstraint(["issued_by"], ["user.id"], name="fk_plaque_issued_by_user"),
        sa.ForeignKeyConstraint(
            ["replaced_by"], ["plaque.id"], name="fk_plaque_replaced_by_plaque"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_plaque"),
        sa.UniqueConstraint("serial", name="uq_plaque_serial"),
    )
    op.create_index("ix_plaque_unit_current", "plaque", ["unit_id", "retired_at"])
    op.create_table(
        "blacklist_edition",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("pdf", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_blacklist_edition"),
        sa.UniqueConstraint("month", name="uq_blacklist_edition_month"),
    )


def downgrade() -> None:
    op.drop_table("blacklist_edition")
    op.drop_index("ix_plaque_unit_current", table_name="plaque")
    op.drop_table("plaque")
