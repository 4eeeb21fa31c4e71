"""Residence registration dates of a tenancy (issue 19): done on, lapses on.

Revision ID: selfservice_0003_registration
Revises: 0001_foundation
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "selfservice_0003_registration"
down_revision: str | Sequence[str] | None = "0001_foundation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "residence_registration",
        sa.Column("tenancy_id", sa.Integer(), nullable=False),
        sa.Column("registered_on", sa.Date(), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=True),
        sa.Column("updated_by", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenancy_id"], ["tenancy.id"], name="fk_residence_registration_tenancy_id_tenancy"
        ),
        sa.ForeignKeyConstraint(
            ["updated_by"], ["user.id"], name="fk_residence_registration_updated_by_user"
        ),
        sa.PrimaryKeyConstraint("tenancy_id", name="pk_residence_registration"),
    )
    op.create_index("ix_residence_registration_expires", "residence_registration", ["expires_on"])


def downgrade() -> None:
    op.drop_index("ix_residence_registration_expires", table_name="residence_registration")
    op.drop_table("residence_registration")
