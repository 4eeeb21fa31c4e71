"""Portal: contests, public replies, blacklist notices and landlords' move-out reports.

Revision ID: 0006_portal
Revises: 0001_foundation
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_portal"
down_revision: str | Sequence[str] | None = "0001_foundation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "contest",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("rating_id", sa.Integer(), nullable=False),
        sa.Column("filed_by", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("photos", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("filed_at", UTC_TS, nullable=False),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("decided_at", UTC_TS, nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"], name="fk_contest_unit_id_unit"),
        sa.ForeignKeyConstraint(["rating_id"], ["rating.id"], name="fk_contest_rating_id_rating"),
        sa.ForeignKeyConstraint(["filed_by"], ["user.id"], name="fk_contest_filed_by_user"),
        sa.ForeignKeyConstraint(["decided_by"], ["user.id"], name="fk_contest_decided_by_user"),
        sa.ForeignKeyConstraint(["task_id"], ["task.id"], name="fk_contest_task_id_task"),
        sa.PrimaryKeyConstraint("id", name="pk_contest"),
        sa.UniqueConstraint("rating_id", name="uq_contest_rating_id"),
    )
    op.create_index("ix_contest_unit_id", "contest", ["unit_id"])
    op.create_index("ix_contest_status_filed", "contest", ["status", "filed_at"])
    op.create_index(
        "uq_contest_open_unit",
        "contest",
        ["unit_id"],
        unique=True,
        sqlite_where=sa.text("status = 'open'"),
        postgresql_where=sa.text("status = 'open'"),
    )
    op.create_table(
        "public_reply",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.String(length=300), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", UTC_TS, nullable=False),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"], name="fk_public_reply_unit_id_unit"),
        sa.ForeignKeyConstraint(
            ["created_by"], ["user.id"], name="fk_public_reply_created_by_user"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_public_reply"),
    )
    op.create_index("ix_public_reply_unit_newest", "public_reply", ["unit_id", "id"])
    op.create_table(
        "blacklist_notice",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("rating_id", sa.Integer(), nullable=False),
        sa.Column("notified_at", UTC_TS, nullable=False),
        sa.Column("notified_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"], name="fk_blacklist_notice_unit_id_unit"),
        sa.ForeignKeyConstraint(
            ["rating_id"], ["rating.id"], name="fk_blacklist_notice_rating_id_rating"
        ),
        sa.ForeignKeyConstraint(
            ["notified_by"], ["user.id"], name="fk_blacklist_notice_notified_by_user"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_blacklist_notice"),
        sa.UniqueConstraint("rating_id", name="uq_blacklist_notice_rating_id"),
    )
    op.create_index("ix_blacklist_notice_unit", "blacklist_notice", ["unit_id", "rating_id"])
    op.create_table(
        "move_out_report",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("tenancy_id", sa.Integer(), nullable=False),
        sa.Column("moved_out", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("reported_by", sa.Integer(), nullable=True),
        sa.Column("reported_at", UTC_TS, nullable=False),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("decided_at", UTC_TS, nullable=True),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"], name="fk_move_out_report_unit_id_unit"),
        sa.ForeignKeyConstraint(
            ["tenancy_id"], ["tenancy.id"], name="fk_move_out_report_tenancy_id_tenancy"
        ),
        sa.ForeignKeyConstraint(
            ["reported_by"], ["user.id"], name="fk_move_out_report_reported_by_user"
        ),
        sa.ForeignKeyConstraint(
            ["decided_by"], ["user.id"], name="fk_move_out_report_decided_by_user"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_move_out_report"),
    )
    op.create_index("ix_move_out_report_tenancy_id", "move_out_report", ["tenancy_id"])
    op.create_index("ix_move_out_report_unit_status", "move_out_report", ["unit_id", "status"])


def downgrade() -> None:
    op.drop_table("move_out_report")
    op.drop_table("blacklist_notice")
    op.drop_table("public_reply")
    op.drop_index("uq_contest_open_unit", table_name="contest")
    op.drop_table("contest")
