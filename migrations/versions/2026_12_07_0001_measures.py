"""Measures: what a rating's band carries for a unit, and their appended history.

Revision ID: incentives_0001_measures
Revises: 0001_foundation
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "incentives_0001_measures"
down_revision: str | Sequence[str] | None = "0001_foundation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "measure",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("landlord_id", sa.Integer(), nullable=True),
        sa.Column("rating_id", sa.Integer(), nullable=False),
        sa.Column("band", sa.String(length=16), nullable=False),
        sa.Column("catalogue_version", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=8), nullable=False),
        sa.Column("record", sa.String(length=12), nullable=False),
        sa.Column("text_zh", sa.String(length=300), nullable=False),
        sa.Column("text_bo", sa.String(length=300), nullable=False),
        sa.Column("text_en", sa.String(length=300), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("proposed_at", UTC_TS, nullable=False),
        sa.Column("ended_at", UTC_TS, nullable=True),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"], name="fk_measure_unit_id_unit"),
        sa.ForeignKeyConstraint(
            ["landlord_id"], ["person.id"], name="fk_measure_landlord_id_person"
        ),
        sa.ForeignKeyConstraint(["rating_id"], ["rating.id"], name="fk_measure_rating_id_rating"),
        sa.PrimaryKeyConstraint("id", name="pk_measure"),
        sa.UniqueConstraint("rating_id", "code", name="uq_measure_rating_id_code"),
    )
    op.create_index("ix_measure_unit_open", "measure", ["unit_id", "ended_at"])
    op.create_index("ix_measure_status_open", "measure", ["status", "ended_at"])
    op.create_index("ix_measure_landlord", "measure", ["landlord_id"])
    op.create_table(
        "measure_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("measure_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("at", UTC_TS, nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["measure_id"], ["measure.id"], name="fk_measure_event_measure_id_measure"
        ),
        sa.ForeignKeyConstraint(["actor_id"], ["user.id"], name="fk_measure_event_actor_id_user"),
        sa.PrimaryKeyConstraint("id", name="pk_measure_event"),
    )
    op.create_index("ix_measure_event_measure", "measure_event", ["measure_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_measure_event_measure", table_name="measure_event")
    op.drop_table("measure_event")
    op.drop_index("ix_measure_landlord", table_name="measure")
    op.drop_index("ix_measure_status_open", table_name="measure")
    op.drop_index("ix_measure_unit_open", table_name="measure")
    op.drop_table("measure")
