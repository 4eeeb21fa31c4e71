"""Audit guard: the database itself refuses UPDATE and DELETE on audit_event.

The app already refuses edits at flush time (rentals/audit/services.py); this catches
everything else that talks SQL (a shell, a script, a bug outside the ORM). TRUNCATE and
DROP are left to database privileges. On SQLite, a later batch migration that rebuilds
audit_event drops these triggers with the old table: recreate them in that migration.

Revision ID: 0002_audit_guard
Revises: 0001_foundation
Create Date: 2026-11-22 19:10:00
"""
from collections.abc import Sequence

from alembic import op

revision: str = "0002_audit_guard"
down_revision: str | Sequence[str] | None = "0001_foundation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MESSAGE = "audit events cannot be changed or deleted"


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for verb in ("update", "delete"):
            op.execute(
                f"CREATE TRIGGER trg_audit_event_no_{verb} BEFORE {verb.upper()} ON audit_event "
                f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
            )
        return
    op.execute(
        "CREATE FUNCTION audit_event_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$ "
        f"BEGIN RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'insufficient_privilege'; END $$"
    )
    op.execute(
        "CREATE TRIGGER trg_audit_event_no_change BEFORE UPDATE OR DELETE ON audit_event "
        "FOR EACH ROW EXECUTE FUNCTION audit_event_refuse_change()"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for verb in ("update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS trg_audit_event_no_{verb}")
        return
    op.execute("DROP TRIGGER IF EXISTS trg_audit_event_no_change ON audit_event")
    op.execute("DROP FUNCTION IF EXISTS audit_event_refuse_change()")
