"""Points (积分制): the appended ledger of landlords' and tenants' points.

Revision ID: incentives_0001_points
Revises: 0001_foundation
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "incentives_0001_points"
down_revision: str | Sequence[str] | None = "0001_foundation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "points_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=120), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("holder", sa.String(length=10), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("event", sa.String(length=32), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("rules_version", sa.Integer(), nullable=False),
        sa.Column("reason_zh", sa.String(length=300), nullable=False),
        sa.Column("reason_bo", sa.String(length=300), nullable=False),
        sa.Column("reason_en", sa.String(length=300), nullable=False),
        sa.Column("source_type", sa.String(length=16), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("occurred_on", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name="fk_points_entry_person_id_person"
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"], name="fk_points_entry_unit_id_unit"),
        sa.ForeignKeyConstraint(["area_id"], ["area.id"], name="fk_points_entry_area_id_area"),
        sa.ForeignKeyConstraint(
            ["community_id"], ["community.id"], name="fk_points_entry_community_id_community"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_points_entry"),
        sa.UniqueConstraint("key", name="uq_points_entry_key"),
    )
    op.create_index("ix_points_entry_person", "points_entry", ["person_id", "id"])
    op.create_index("ix_points_entry_area", "points_entry", ["area_id", "person_id"])
    op.create_index("ix_points_entry_community", "points_entry", ["community_id", "person_id"])


def downgrade() -> None:
    op.drop_index("ix_points_entry_community", table_name="points_entry")
    op.drop_index("ix_points_entry_area", table_name="points_entry")
    op.drop_index("ix_points_entry_person", table_name="points_entry")
    op.drop_table("points_entry")
