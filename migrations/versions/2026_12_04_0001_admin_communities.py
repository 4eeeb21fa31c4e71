"""Several communities: a manager's communities, and a community's police station and
public address (the address plaque QR codes open).

Revision ID: admin_0001_communities
Revises: 0001_foundation
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "admin_0001_communities"
down_revision: str | Sequence[str] | None = "0001_foundation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("community") as batch_op:
        batch_op.add_column(
            sa.Column("police_station", sa.String(length=200), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("public_url", sa.String(length=200), nullable=False, server_default="")
        )
    op.create_table(
        "user_community",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["community.id"],
            name=op.f("fk_user_community_community_id_community"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_user_community_user_id_user")
        ),
        sa.PrimaryKeyConstraint("user_id", "community_id", name=op.f("pk_user_community")),
    )
    with op.batch_alter_table("user_community") as batch_op:
        batch_op.create_index(
            batch_op.f("ix_user_community_community_id"), ["community_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("user_community") as batch_op:
        batch_op.drop_index(batch_op.f("ix_user_community_community_id"))
    op.drop_table("user_community")
    with op.batch_alter_table("community") as batch_op:
        batch_op.drop_column("public_url")
        batch_op.drop_column("police_station")
