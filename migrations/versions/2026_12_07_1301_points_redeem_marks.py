"""Points: redeemable measures per community, uploaded versions of the measures catalogue
and the points rules, the sweep's marks and the indexes it reads by; a measure may be
redeemed with points instead of carried by a rating.

Revision ID: incentives_0013_redeem_marks
Revises: incentives_0001_measures, incentives_0001_points
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "incentives_0013_redeem_marks"
# It changes the measure table (with a key to points_entry), so it follows both. The
# indexes on other areas' tables come in revisions on those tables' own branches
# (1302-1305), so a downgrade of one of them never has to undo this merge.
down_revision: str | Sequence[str] | None = ("incentives_0001_measures", "incentives_0001_points")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "redeemable_measure",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=8), nullable=False),
        sa.Column("cost", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("set_by", sa.Integer(), nullable=True),
        sa.Column("set_at", UTC_TS, nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"], ["community.id"], name="fk_redeemable_measure_community_id_community"
        ),
        sa.ForeignKeyConstraint(["set_by"], ["user.id"], name="fk_redeemable_measure_set_by_user"),
        sa.PrimaryKeyConstraint("id", name="pk_redeemable_measure"),
    )
    op.create_index(
        "ix_redeemable_measure_current", "redeemable_measure", ["community_id", "code", "id"]
    )
    op.create_table(
        "incentive_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("active_from", sa.Date(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", UTC_TS, nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"], ["user.id"], name="fk_incentive_version_created_by_user"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_incentive_version"),
        sa.UniqueConstraint("kind", "version", name="uq_incentive_version_kind_version"),
    )
    op.create_table(
        "points_mark",
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("last_id", sa.Integer(), nullable=False),
        sa.Column("last_at", UTC_TS, nullable=True),
        sa.Column("last_day", sa.Date(), nullable=True),
        sa.Column("updated_at", UTC_TS, nullable=False),
        sa.PrimaryKeyConstraint("kind", name="pk_points_mark"),
    )
    with op.batch_alter_table("measure") as batch:
        batch.alter_column("rating_id", existing_type=sa.Integer(), nullable=True)
        batch.add_column(sa.Column("points_entry_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            "fk_measure_points_entry_id_points_entry", "points_entry", ["points_entry_id"], ["id"]
        )
        batch.create_unique_constraint("uq_measure_points_entry_id", ["points_entry_id"])


def downgrade() -> None:
    op.execute(
        "DELETE FROM measure_event WHERE measure_id IN "
        "(SELECT id FROM measure WHERE rating_id IS NULL)"
    )
    op.execute("DELETE FROM measure WHERE rating_id IS NULL")
    with op.batch_alter_table("measure") as batch:
        batch.drop_constraint("uq_measure_points_entry_id", type_="unique")
        batch.drop_constraint("fk_measure_points_entry_id_points_entry", type_="foreignkey")
        batch.drop_column("points_entry_id")
        batch.alter_column("rating_id", existing_type=sa.Integer(), nullable=False)
    op.drop_table("points_mark")
    op.drop_table("incentive_version")
    op.drop_index("ix_redeemable_measure_current", table_name="redeemable_measure")
    op.drop_table("redeemable_measure")
