"""No node-local state (issue 17): photo bytes and the scheduler's documents in the database.

``photo_blob`` holds each photo's JPEG and thumbnail under the photo's random name;
``scheduled_print`` the weekly plaque batch and next week's rosters, which were files
under ``instance/``. Files already under ``instance/photos/`` are moved in by
``rentals photos import-files`` (run on every node that kept photos), not here: a
migration runs once, on one machine, and cannot reach the other nodes' folders.

Revision ID: storage_0001_shared
Revises: 0001_foundation
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "storage_0001_shared"
down_revision: str | Sequence[str] | None = "0001_foundation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "photo_blob",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("variant", sa.String(length=8), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("name", "variant", name="pk_photo_blob"),
    )
    op.create_table(
        "scheduled_print",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=80), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("week", sa.Date(), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=True),
        sa.Column("prepared", sa.Date(), nullable=False),
        sa.Column("units", sa.JSON(), nullable=False),
        sa.Column("pages", sa.Integer(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("pdf", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["area_id"], ["area.id"], name="fk_scheduled_print_area_id_area"),
        sa.PrimaryKeyConstraint("id", name="pk_scheduled_print"),
        sa.UniqueConstraint("key", name="uq_scheduled_print_key"),
    )
    op.create_index("ix_scheduled_print_kind_week", "scheduled_print", ["kind", "week"])


def downgrade() -> None:
    op.drop_index("ix_scheduled_print_kind_week", table_name="scheduled_print")
    op.drop_table("scheduled_print")
    op.drop_table("photo_blob")
