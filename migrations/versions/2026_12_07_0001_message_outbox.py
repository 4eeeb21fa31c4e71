"""Messages (issue 19): the outbox of SMS to landlords and tenants, and each person's
language for them.

Revision ID: messages_0001_outbox
Revises: 0001_foundation
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "messages_0001_outbox"
down_revision: str | Sequence[str] | None = "0001_foundation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "outbox_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=120), nullable=False),
        sa.Column("template", sa.String(length=32), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("phone", sa.String(length=16), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("text", sa.String(length=70), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error", sa.String(length=500), nullable=False),
        sa.Column("created_at", UTC_TS, nullable=False),
        sa.Column("last_attempt_at", UTC_TS, nullable=True),
        sa.Column("delivered_at", UTC_TS, nullable=True),
        sa.Column("failed_at", UTC_TS, nullable=True),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name="fk_outbox_message_person_id_person"
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"], name="fk_outbox_message_unit_id_unit"),
        sa.PrimaryKeyConstraint("id", name="pk_outbox_message"),
        sa.UniqueConstraint("key", name="uq_outbox_message_key"),
    )
    op.create_index(
        "ix_outbox_message_person_created", "outbox_message", ["person_id", "created_at"]
    )
    op.create_index("ix_outbox_message_status", "outbox_message", ["status"])
    op.create_table(
        "contact_preference",
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("updated_at", UTC_TS, nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name="fk_contact_preference_person_id_person"
        ),
        sa.PrimaryKeyConstraint("person_id", name="pk_contact_preference"),
    )


def downgrade() -> None:
    op.drop_table("contact_preference")
    op.drop_index("ix_outbox_message_status", table_name="outbox_message")
    op.drop_index("ix_outbox_message_person_created", table_name="outbox_message")
    op.drop_table("outbox_message")
