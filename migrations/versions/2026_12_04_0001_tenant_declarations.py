"""Tenant declarations: a landlord's move-in is a pending record until staff confirm it.

Open tenancies that landlords reported and staff never confirmed become pending declarations
(name, identity number and phone as the register holds them), and those tenancies, with any
move-out report about them, are removed: an unconfirmed link to a person must not exist
(issue 14.4).  Downgrade drops the table; it does not recreate the removed links.

Revision ID: scorecard_0001_declarations
Revises: 0006_portal
Create Date: 2026-12-04
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from rentals.modelbase import UTCDateTime

revision: str = "scorecard_0001_declarations"
# Off the portal branch (itself off 0001_foundation): the data step reads move_out_report.
down_revision: str | Sequence[str] | None = "0006_portal"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "tenant_declaration",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("id_number", sa.String(length=18), nullable=False),
        sa.Column("phone", sa.String(length=16), nullable=True),
        sa.Column("moved_in", sa.Date(), nullable=False),
        sa.Column("registered", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("declared_by", sa.Integer(), nullable=True),
        sa.Column("declared_at", UTC_TS, nullable=False),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("decided_at", UTC_TS, nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=False),
        sa.Column("tenancy_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["unit.id"], name="fk_tenant_declaration_unit_id_unit"
        ),
        sa.ForeignKeyConstraint(
            ["declared_by"], ["user.id"], name="fk_tenant_declaration_declared_by_user"
        ),
        sa.ForeignKeyConstraint(
            ["decided_by"], ["user.id"], name="fk_tenant_declaration_decided_by_user"
        ),
        sa.ForeignKeyConstraint(
            ["tenancy_id"], ["tenancy.id"], name="fk_tenant_declaration_tenancy_id_tenancy"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_tenant_declaration"),
    )
    op.create_index(
        "ix_tenant_declaration_unit_status", "tenant_declaration", ["unit_id", "status"]
    )
    _unconfirmed_links_become_declarations()


def _unconfirmed_links_become_declarations() -> None:
    bind = op.get_bind()
    tenancy = sa.table(
        "tenancy",
        sa.column("id", sa.Integer),
        sa.column("unit_id", sa.Integer),
        sa.column("person_id", sa.Integer),
        sa.column("moved_in", sa.Date),
        sa.column("moved_out", sa.Date),
        sa.column("registered", sa.Boolean),
        sa.column("confirmed", sa.Boolean),
    )
    person = sa.table(
        "person",
        sa.column("id", sa.Integer),
        sa.column("name", sa.String),
        sa.column("id_number", sa.String),
        sa.column("phone", sa.String),
    )
    move_out = sa.table("move_out_report", sa.column("tenancy_id", sa.Integer))
    declaration = sa.table(
        "tenant_declaration",
        sa.column("unit_id", sa.Integer),
        sa.column("name", sa.String),
        sa.column("id_number", sa.String),
        sa.column("phone", sa.String),
        sa.column("moved_in", sa.Date),
        sa.column("registered", sa.Boolean),
        sa.column("status", sa.String),
        # The app's type stores naive UTC on SQLite and aware on PostgreSQL, like the models.
        sa.column("declared_at", UTCDateTime()),
        sa.column("decision_reason", sa.Text),
    )
    rows = bind.execute(
        sa.select(
            tenancy.c.id,
            tenancy.c.unit_id,
            tenancy.c.moved_in,
            tenancy.c.registered,
            person.c.name,
            person.c.id_number,
            person.c.phone,
        )
        .join(person, person.c.id == tenancy.c.person_id)
        .where(tenancy.c.confirmed == sa.false(), tenancy.c.moved_out.is_(None))
        .order_by(tenancy.c.id)
    ).all()
    if not rows:
        return
    now = datetime.now(UTC)
    op.bulk_insert(
        declaration,
        [
            {
                "unit_id": row.unit_id,
                "name": row.name,
                "id_number": row.id_number or "",
                "phone": row.phone,
                "moved_in": row.moved_in,
                "registered": bool(row.registered),
                "status": "pending",
                "declared_at": now,
                "decision_reason": "",
            }
            for row in rows
        ],
    )
    ids = [row.id for row in rows]
    bind.execute(sa.delete(move_out).where(move_out.c.tenancy_id.in_(ids)))
    bind.execute(sa.delete(tenancy).where(tenancy.c.id.in_(ids)))


def downgrade() -> None:
    op.drop_index("ix_tenant_declaration_unit_status", table_name="tenant_declaration")
    op.drop_table("tenant_declaration")
