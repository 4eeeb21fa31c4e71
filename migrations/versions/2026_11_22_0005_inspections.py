"""Inspections: hazard photos, rectification orders and signatures.

Revision ID: 0005_inspections
Revises: 0001_foundation
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_inspections"
down_revision: str | Sequence[str] | None = "0001_foundation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "photo",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("inspection_key", sa.String(length=64), nullable=False),
        sa.Column("inspection_id", sa.Integer(), nullable=True),
        sa.Column("item_code", sa.String(length=16), nullable=False),
        sa.Column("filename", sa.String(length=64), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("uploaded_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"], name="fk_photo_unit_id_unit"),
        sa.ForeignKeyConstraint(
            ["inspection_id"], ["inspection.id"], name="fk_photo_inspection_id_inspection"
        ),
        sa.ForeignKeyConstraint(["uploaded_by"], ["user.id"], name="fk_photo_uploaded_by_user"),
        sa.PrimaryKeyConstraint("id", name="pk_photo"),
        sa.UniqueConstraint("key", name="uq_photo_key"),
    )
    op.create_index("ix_photo_unit_id", "photo", ["unit_id"])
    op.create_index("ix_photo_inspection_id", "photo", ["inspection_id"])
    op.create_index("ix_photo_inspection_key", "photo", ["inspection_key"])
    op.create_table(
        "rectification_order",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("inspection_id", sa.Integer(), nullable=False),
        sa.Column("item_code", sa.String(length=16), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column("serious", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("photo_id", sa.Integer(), nullable=True),
        sa.Column("closed_by_inspection_id", sa.Integer(), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["unit.id"], name="fk_rectification_order_unit_id_unit"
        ),
        sa.ForeignKeyConstraint(
            ["inspection_id"],
            ["inspection.id"],
            name="fk_rectification_order_inspection_id_inspection",
        ),
        sa.ForeignKeyConstraint(
            ["photo_id"], ["photo.id"], name="fk_rectification_order_photo_id_photo"
        ),
        sa.ForeignKeyConstraint(
            ["closed_by_inspection_id"],
            ["inspection.id"],
            name="fk_rectification_order_closed_by_inspection_id_inspection",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_rectification_order"),
    )
    op.create_index(
        "ix_rectification_order_inspection_id", "rectification_order", ["inspection_id"]
    )
    op.create_index(
        "ix_rectification_order_unit_status", "rectification_order", ["unit_id", "status"]
    )
    op.create_index(
        "ix_rectification_order_status_deadline", "rectification_order", ["status", "deadline"]
    )
    op.create_table(
        "signature",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("inspection_id", sa.Integer(), nullable=False),
        sa.Column("signer", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("image", sa.LargeBinary(), nullable=True),
        sa.Column("signed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["inspection_id"], ["inspection.id"], name="fk_signature_inspection_id_inspection"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_signature"),
        sa.UniqueConstraint("inspection_id", "signer", name="uq_signature_inspection_id_signer"),
    )


def downgrade() -> None:
    op.drop_table("signature")
    op.drop_index("ix_rectification_order_status_deadline", table_name="rectification_order")
    op.drop_index("ix_rectification_order_unit_status", table_name="rectification_order")
    op.drop_index("ix_rectification_order_inspection_id", table_name="rectification_order")
    op.drop_table("rectification_order")
    op.drop_index("ix_photo_inspection_key", table_name="photo")
    op.drop_index("ix_photo_inspection_id", table_name="photo")
    op.drop_index("ix_photo_unit_id", table_name="photo")
    op.drop_table("photo")
