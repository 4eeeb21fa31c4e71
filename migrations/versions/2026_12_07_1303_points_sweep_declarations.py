"""Points sweep: an index on tenant_declaration.decided_at and move_out_report.decided_at, which the sweep reads past its mark by.

Revision ID: points_1303_declarations
Revises: selfservice_0001_declarations
Create Date: 2026-12-07
"""

from collections.abc import Sequence

from alembic import op

revision: str = "points_1303_declarations"
down_revision: str | Sequence[str] | None = "selfservice_0001_declarations"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_tenant_declaration_decided_at", "tenant_declaration", ["decided_at"])
    op.create_index("ix_move_out_report_decided_at", "move_out_report", ["decided_at"])


def downgrade() -> None:
    op.drop_index("ix_move_out_report_decided_at", table_name="move_out_report")
    op.drop_index("ix_tenant_declaration_decided_at", table_name="tenant_declaration")
