"""Incidents (治安事件): a kind list managed on a page, and incidents logged against units.

The kind list starts with the kinds the scheme names (dispute, theft, fire, drugs, noise)
plus fraud and other; administrators add, rename and retire kinds on /incidents/kinds.

Revision ID: incidents_0001
Revises: 0001_foundation
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "incidents_0001"
down_revision: str | Sequence[str] | None = "0001_foundation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC_TS = sa.DateTime(timezone=True)

#: (code, Chinese, Tibetan, English); the Tibetan is to be proof-read by the office's staff.
DEFAULT_KINDS = (
    ("dispute", "纠纷", "རྩོད་གཞི།", "Dispute"),
    ("theft", "盗窃", "ཇག་རྐུ།", "Theft"),
    ("fire", "火情", "མེ་སྐྱོན།", "Fire"),
    ("drugs", "涉毒", "མྱོས་རྫས་དང་འབྲེལ་བ།", "Drugs"),
    ("noise", "噪音扰民", "སྒྲ་གདངས་ཀྱིས་གནོད་པ།", "Noise"),
    ("fraud", "诈骗", "མགོ་སྐོར།", "Fraud"),
    ("other", "其他", "གཞན།", "Other"),
)


def upgrade() -> None:
    kind = op.create_table(
        "incident_kind",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("name_bo", sa.String(length=100), nullable=False),
        sa.Column("name_en", sa.String(length=50), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_incident_kind"),
        sa.UniqueConstraint("code", name="uq_incident_kind_code"),
    )
    op.create_table(
        "incident",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("kind_id", sa.Integer(), nullable=False),
        sa.Column("occurred_on", sa.Date(), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.Column("resident_victim", sa.Boolean(), nullable=False),
        sa.Column("reported_by", sa.Integer(), nullable=True),
        sa.Column("reported_at", UTC_TS, nullable=False),
        sa.Column("retracted_at", UTC_TS, nullable=True),
        sa.Column("retracted_by", sa.Integer(), nullable=True),
        sa.Column("retract_reason", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"], name="fk_incident_unit_id_unit"),
        sa.ForeignKeyConstraint(
            ["kind_id"], ["incident_kind.id"], name="fk_incident_kind_id_incident_kind"
        ),
        sa.ForeignKeyConstraint(["reported_by"], ["user.id"], name="fk_incident_reported_by_user"),
        sa.ForeignKeyConstraint(
            ["retracted_by"], ["user.id"], name="fk_incident_retracted_by_user"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_incident"),
    )
    op.create_index("ix_incident_unit_occurred", "incident", ["unit_id", "occurred_on"])
    op.create_index("ix_incident_occurred_on", "incident", ["occurred_on"])
    op.create_index("ix_incident_kind_id", "incident", ["kind_id"])
    op.bulk_insert(
        kind,
        [
            {
                "code": code,
                "name": zh,
                "name_bo": bo,
                "name_en": en,
                "active": True,
                "position": (n + 1) * 10,
            }
            for n, (code, zh, bo, en) in enumerate(DEFAULT_KINDS)
        ],
    )


def downgrade() -> None:
    op.drop_index("ix_incident_kind_id", table_name="incident")
    op.drop_index("ix_incident_occurred_on", table_name="incident")
    op.drop_index("ix_incident_unit_occurred", table_name="incident")
    op.drop_table("incident")
    op.drop_table("incident_kind")
