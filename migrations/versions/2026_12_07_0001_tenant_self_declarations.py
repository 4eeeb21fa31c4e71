"""Tenants declare themselves (issue 19): who filed a declaration, moving in or out, the
tenant's consent, the landlord's confirmation; and door stickers for units without a plaque.

Revision ID: selfservice_0001_declarations
Revises: scorecard_0001_declarations
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "selfservice_0001_declarations"
# Off the declarations branch: it changes tenant_declaration.
down_revision: str | Sequence[str] | None = "scorecard_0001_declarations"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("tenant_declaration") as batch_op:
        batch_op.alter_column("moved_in", existing_type=sa.Date(), nullable=True)
        batch_op.add_column(
            sa.Column("source", sa.String(length=8), nullable=False, server_default="landlord")
        )
        batch_op.add_column(
            sa.Column("kind", sa.String(length=4), nullable=False, server_default="in")
        )
        batch_op.add_column(sa.Column("moved_out", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("consented_at", UTC_TS, nullable=True))
        batch_op.add_column(sa.Column("landlord_confirmed_at", UTC_TS, nullable=True))
    op.create_table(
        "door_sticker",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("serial", sa.String(length=16), nullable=False),
        sa.Column("issued_at", UTC_TS, nullable=False),
        sa.Column("issued_by", sa.Integer(), nullable=True),
        sa.Column("retired_at", UTC_TS, nullable=True),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"], name="fk_door_sticker_unit_id_unit"),
        sa.ForeignKeyConstraint(["issued_by"], ["user.id"], name="fk_door_sticker_issued_by_user"),
        sa.PrimaryKeyConstraint("id", name="pk_door_sticker"),
        sa.UniqueConstraint("serial", name="uq_door_sticker_serial"),
    )
    op.create_index("ix_door_sticker_unit_current", "door_sticker", ["unit_id", "retired_at"])


def downgrade() -> None:
    op.drop_index("ix_door_sticker_unit_current", table_name="door_sticker")
    op.drop_table("door_sticker")
    with op.batch_alter_table("tenant_declaration") as batch_op:
        batch_op.drop_column("landlord_confirmed_at")
        batch_op.drop_column("consented_at")
        batch_op.drop_column("moved_out")
        batch_op.drop_column("kind")
        batch_op.drop_column("source")
        batch_op.alter_column("moved_in", existing_type=sa.Date(), nullable=False)
