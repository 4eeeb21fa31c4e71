"""Points sweep: an index on residence_registration.updated_at, which the sweep reads past its mark by.

Revision ID: points_1304_registrations
Revises: selfservice_0003_registration
Create Date: 2026-12-07
"""

from collections.abc import Sequence

from alembic import op

revision: str = "points_1304_registrations"
down_revision: str | Sequence[str] | None = "selfservice_0003_registration"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_residence_registration_updated_at", "residence_registration", ["updated_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_residence_registration_updated_at", table_name="residence_registration")
