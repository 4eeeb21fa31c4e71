"""Unit: the house type as the ledger wrote it (院落, 商住, …), beside the product's type.

Revision ID: ledger_0001_unit_type_label
Revises: 0001_foundation
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "ledger_0001_unit_type_label"
down_revision: str | Sequence[str] | None = "0001_foundation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("unit") as batch_op:
        batch_op.add_column(
            sa.Column("type_label", sa.String(length=32), nullable=False, server_default="")
        )


def downgrade() -> None:
    with op.batch_alter_table("unit") as batch_op:
        batch_op.drop_column("type_label")
