"""Substring search on addresses: FTS5 trigram on SQLite, pg_trgm on PostgreSQL.

Revision ID: 0008_address_search
Revises: 0007_register_indexes
Create Date: 2026-11-22

A LIKE '%term%' scans every unit (about 0.26 s at a million on SQLite). SQLite gets an
external-content FTS5 table kept in step by triggers; PostgreSQL a GIN trigram index
that serves the same LIKE directly.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0008_address_search"
down_revision: str | Sequence[str] | None = "0007_register_indexes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SQLITE_UP = [
    "CREATE VIRTUAL TABLE unit_fts USING fts5("
    "address, content='unit', content_rowid='id', tokenize='trigram')",
    "INSERT INTO unit_fts (rowid, address) SELECT id, address FROM unit",
    "CREATE TRIGGER unit_fts_insert AFTER INSERT ON unit BEGIN "
    "INSERT INTO unit_fts (rowid, address) VALUES (new.id, new.address); END",
    "CREATE TRIGGER unit_fts_delete AFTER DELETE ON unit BEGIN "
    "INSERT INTO unit_fts (unit_fts, rowid, address) VALUES ('delete', old.id, old.address); END",
    "CREATE TRIGGER unit_fts_update AFTER UPDATE OF address ON unit BEGIN "
    "INSERT INTO unit_fts (unit_fts, rowid, address) VALUES ('delete', old.id, old.address); "
    "INSERT INTO unit_fts (rowid, address) VALUES (new.id, new.address); END",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS unit_fts_update",
    "DROP TRIGGER IF EXISTS unit_fts_delete",
    "DROP TRIGGER IF EXISTS unit_fts_insert",
    "DROP TABLE IF EXISTS unit_fts",
]


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for statement in SQLITE_UP:
            op.execute(statement)
    else:
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.execute(
            "CREATE INDEX ix_unit_address_trgm ON unit USING gin (address gin_trgm_ops)"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for statement in SQLITE_DOWN:
            op.execute(statement)
    else:
        op.execute("DROP INDEX IF EXISTS ix_unit_address_trgm")
