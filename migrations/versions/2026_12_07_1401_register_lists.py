"""Register lists at any depth: kept unit counts, keyset indexes, short-term search grams.

Revision ID: lists_1401_register_lists
Revises: 0001_foundation
Create Date: 2026-12-07

``unit_tally`` holds the number of units per (area, status, rating state, stars), kept by
triggers in the statement that changes a unit, so every writer (pages, imports, ratings,
restores, raw SQL) keeps it right and a total never costs a count over the register.
The indexes give each sort of the register (code, address, area, stars) a b-tree in
that order, alone and behind each equality filter (area, status, rating state), which
keyset pages walk from their cursor. ``unit_gram`` holds each address's one- and
two-character substrings (those not made of code characters only), kept by triggers
too, for search terms too short for the trigram index.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "lists_1401_register_lists"
down_revision: str | Sequence[str] | None = "0001_foundation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: (name, columns) of the keyset indexes; (stars, code), (area_id, code), (status, code)
#: and (rating_status, code) exist already.
INDEXES = [
    ("ix_unit_address_code", ["address", "code"]),
    ("ix_unit_area_address", ["area_id", "address", "code"]),
    ("ix_unit_area_stars", ["area_id", "stars", "code"]),
    ("ix_unit_status_address", ["status", "address", "code"]),
    ("ix_unit_status_area", ["status", "area_id", "code"]),
    ("ix_unit_status_stars_code", ["status", "stars", "code"]),
    ("ix_unit_rating_address", ["rating_status", "address", "code"]),
    ("ix_unit_rating_area", ["rating_status", "area_id", "code"]),
    ("ix_unit_rating_stars", ["rating_status", "stars", "code"]),
]

KEY = "area_id, status, rating_status, stars"
NEW = "new.area_id, new.status, new.rating_status, coalesce(new.stars, -1)"
OLD_MATCH = (
    "area_id = old.area_id AND status = old.status AND rating_status = old.rating_status"
    " AND stars = coalesce(old.stars, -1)"
)
CHANGED = (
    "old.area_id IS NOT new.area_id OR old.status IS NOT new.status"
    " OR old.rating_status IS NOT new.rating_status OR old.stars IS NOT new.stars"
)
#: Grams of an address: characters at positions 1..200 (``gram_position``), of length 1
#: and 2, skipping those made of code characters only (such terms search unit codes).
#: Two plain SELECTs (no DISTINCT: the insert ignores repeats) cost a third of one
#: joined with the lengths.
GRAM = (
    "SELECT substr({row}.address, p.n, {len}){id} FROM gram_position p{source}"
    " WHERE p.n + {len} - 1 <= length({row}.address)"
    " AND substr({row}.address, p.n, {len}) {test}"
)
SQLITE_TEST = "GLOB '*[^-A-Za-z0-9/_]*'"
PG_TEST = "~ '[^-A-Za-z0-9/_]'"


def _grams(row: str, test: str, *, ids: bool = True, source: str = "") -> list[str]:
    id_part = f", {row}.id" if ids else ""
    return [GRAM.format(row=row, len=n, id=id_part, source=source, test=test) for n in (1, 2)]


def _old_grams(test: str) -> str:
    """Deletes the old address's grams through the primary key (no index on unit_id)."""
    return (
        "DELETE FROM unit_gram WHERE unit_id = old.id AND gram IN ("
        + " UNION ALL ".join(_grams("old", test, ids=False))
        + ")"
    )


SQLITE_UP = [
    f"INSERT INTO unit_tally ({KEY}, n) SELECT area_id, status, rating_status,"
    f" coalesce(stars, -1), count(*) FROM unit GROUP BY area_id, status, rating_status,"
    f" coalesce(stars, -1)",
    "CREATE TRIGGER unit_tally_insert AFTER INSERT ON unit BEGIN "
    f"INSERT INTO unit_tally ({KEY}, n) VALUES ({NEW}, 1) "
    f"ON CONFLICT ({KEY}) DO UPDATE SET n = n + 1; END",
    "CREATE TRIGGER unit_tally_delete AFTER DELETE ON unit BEGIN "
    f"UPDATE unit_tally SET n = n - 1 WHERE {OLD_MATCH}; END",
    "CREATE TRIGGER unit_tally_update AFTER UPDATE OF area_id, status, rating_status, stars"
    f" ON unit WHEN {CHANGED} BEGIN "
    f"UPDATE unit_tally SET n = n - 1 WHERE {OLD_MATCH}; "
    f"INSERT INTO unit_tally ({KEY}, n) VALUES ({NEW}, 1) "
    f"ON CONFLICT ({KEY}) DO UPDATE SET n = n + 1; END",
    "INSERT INTO gram_position (n) WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL"
    " SELECT n + 1 FROM s WHERE n < 200) SELECT n FROM s",
    *[
        "INSERT OR IGNORE INTO unit_gram (gram, unit_id) " + g
        for g in _grams("unit", SQLITE_TEST, source=", unit")
    ],
    "CREATE TRIGGER unit_gram_insert AFTER INSERT ON unit BEGIN "
    + "".join(
        f"INSERT OR IGNORE INTO unit_gram (gram, unit_id) {g}; " for g in _grams("new", SQLITE_TEST)
    )
    + "END",
    "CREATE TRIGGER unit_gram_delete AFTER DELETE ON unit BEGIN "
    + _old_grams(SQLITE_TEST)
    + "; END",
    "CREATE TRIGGER unit_gram_update AFTER UPDATE OF address ON unit BEGIN "
    + _old_grams(SQLITE_TEST)
    + "; "
    + "".join(
        f"INSERT OR IGNORE INTO unit_gram (gram, unit_id) {g}; " for g in _grams("new", SQLITE_TEST)
    )
    + "END",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS unit_gram_update",
    "DROP TRIGGER IF EXISTS unit_gram_delete",
    "DROP TRIGGER IF EXISTS unit_gram_insert",
    "DROP TRIGGER IF EXISTS unit_tally_update",
    "DROP TRIGGER IF EXISTS unit_tally_delete",
    "DROP TRIGGER IF EXISTS unit_tally_insert",
]

PG_UP = [
    f"INSERT INTO unit_tally ({KEY}, n) SELECT area_id, status, rating_status,"
    f" coalesce(stars, -1), count(*) FROM unit GROUP BY area_id, status, rating_status,"
    f" coalesce(stars, -1)",
    "CREATE FUNCTION unit_tally_keep() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    "IF TG_OP IN ('UPDATE', 'DELETE') THEN "
    f"UPDATE unit_tally SET n = n - 1 WHERE {OLD_MATCH}; END IF; "
    "IF TG_OP IN ('UPDATE', 'INSERT') THEN "
    f"INSERT INTO unit_tally ({KEY}, n) VALUES ({NEW}, 1) "
    f"ON CONFLICT ({KEY}) DO UPDATE SET n = unit_tally.n + 1; END IF; "
    "RETURN NULL; END $$",
    "CREATE TRIGGER unit_tally_insert_delete AFTER INSERT OR DELETE ON unit"
    " FOR EACH ROW EXECUTE FUNCTION unit_tally_keep()",
    "CREATE TRIGGER unit_tally_update AFTER UPDATE OF area_id, status, rating_status, stars"
    f" ON unit FOR EACH ROW WHEN ({CHANGED.replace('IS NOT', 'IS DISTINCT FROM')})"
    " EXECUTE FUNCTION unit_tally_keep()",
    "INSERT INTO gram_position (n) SELECT generate_series(1, 200)",
    *[
        f"INSERT INTO unit_gram (gram, unit_id) {g} ON CONFLICT DO NOTHING"
        for g in _grams("unit", PG_TEST, source=", unit")
    ],
    "CREATE FUNCTION unit_gram_keep() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    "IF TG_OP IN ('UPDATE', 'DELETE') THEN "
    + _old_grams(PG_TEST).replace("old.", "OLD.")
    + "; END IF; IF TG_OP IN ('UPDATE', 'INSERT') THEN "
    + "".join(
        f"INSERT INTO unit_gram (gram, unit_id) {g} ON CONFLICT DO NOTHING; "
        for g in _grams("NEW", PG_TEST)
    )
    + "END IF; RETURN NULL; END $$",
    "CREATE TRIGGER unit_gram_insert_delete AFTER INSERT OR DELETE ON unit"
    " FOR EACH ROW EXECUTE FUNCTION unit_gram_keep()",
    "CREATE TRIGGER unit_gram_update AFTER UPDATE OF address ON unit"
    " FOR EACH ROW EXECUTE FUNCTION unit_gram_keep()",
]
PG_DOWN = [
    "DROP TRIGGER IF EXISTS unit_gram_update ON unit",
    "DROP TRIGGER IF EXISTS unit_gram_insert_delete ON unit",
    "DROP FUNCTION IF EXISTS unit_gram_keep()",
    "DROP TRIGGER IF EXISTS unit_tally_update ON unit",
    "DROP TRIGGER IF EXISTS unit_tally_insert_delete ON unit",
    "DROP FUNCTION IF EXISTS unit_tally_keep()",
]


def upgrade() -> None:
    op.create_table(
        "unit_tally",
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("rating_status", sa.String(length=16), nullable=False),
        sa.Column("stars", sa.Integer(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "area_id", "status", "rating_status", "stars", name="pk_unit_tally"
        ),
    )
    op.create_table(
        "gram_position",
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("n", name="pk_gram_position"),
    )
    op.create_table(
        "unit_gram",
        sa.Column("gram", sa.String(length=2), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("gram", "unit_id", name="pk_unit_gram"),
        sqlite_with_rowid=False,
    )
    op.drop_index("ix_unit_address", table_name="unit")
    for name, columns in INDEXES:
        op.create_index(name, "unit", columns)
    for statement in SQLITE_UP if op.get_bind().dialect.name == "sqlite" else PG_UP:
        op.execute(statement)


def downgrade() -> None:
    for statement in SQLITE_DOWN if op.get_bind().dialect.name == "sqlite" else PG_DOWN:
        op.execute(statement)
    for name, _columns in reversed(INDEXES):
        op.drop_index(name, table_name="unit")
    op.create_index("ix_unit_address", "unit", ["address"])
    op.drop_table("unit_gram")
    op.drop_table("gram_position")
    op.drop_table("unit_tally")
