"""Sign-in throttle and unlock codes replace the per-account lockout; hashed session tokens.

The user table loses ``failed_logins`` and ``locked_until`` (the counts live in
``login_throttle``). ``session_token`` now holds the SHA-256 of the token, so every
stored plain token is cleared: everyone signs in again once.

Revision ID: auth_0001_throttle
Revises: 0001_foundation
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "auth_0001_throttle"
down_revision: str | Sequence[str] | None = "0001_foundation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "login_throttle",
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failure", sa.DateTime(timezone=True), nullable=False),
        sa.Column("next_allowed", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("kind", "key", name="pk_login_throttle"),
    )
    op.create_table(
        "unlock_code",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], name="fk_unlock_code_user_id_user"),
        sa.ForeignKeyConstraint(["created_by"], ["user.id"], name="fk_unlock_code_created_by_user"),
        sa.PrimaryKeyConstraint("id", name="pk_unlock_code"),
    )
    op.create_index("ix_unlock_code_user_id", "unlock_code", ["user_id"])
    op.execute(sa.text("UPDATE \"user\" SET session_token = ''"))
    # Plain ALTER TABLE … DROP COLUMN (SQLite ≥ 3.35 has it): a batch copy of "user"
    # would drop the table every other table references.
    op.drop_column("user", "locked_until")
    op.drop_column("user", "failed_logins")


def downgrade() -> None:
    op.add_column(
        "user",
        sa.Column("failed_logins", sa.Integer(), nullable=False, server_default="0"),
    )
    op.add_column("user", sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True))
    op.execute(sa.text("UPDATE \"user\" SET session_token = ''"))
    op.drop_index("ix_unlock_code_user_id", table_name="unlock_code")
    op.drop_table("unlock_code")
    op.drop_table("login_throttle")
