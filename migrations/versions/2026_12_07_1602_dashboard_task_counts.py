"""Keeping ``dashboard_task`` costs the first plan little: grouped counts, not one a row.

PostgreSQL: the row trigger becomes three statement-level triggers with transition tables
(``REFERENCING NEW TABLE`` / ``OLD TABLE``), each counting its whole statement in one
grouped upsert, for every writer: the planner's INSERT … SELECT of two million tasks costs
one join of its rows to ``unit`` instead of two million lookups and upserts.

SQLite has row triggers only: the insert trigger skips its row while
``dashboard_task_mute`` holds a row, which only the set-based planner writes, inside its
own transaction, around its INSERT … SELECT; it then adds the rows it inserted in one
grouped upsert (``rentals.tasks.services._plan_fresh``) and empties the table again, so
the flag is never seen by another connection nor outlives the statement.

A later SQLite batch rebuild of ``task`` drops these triggers with the old table:
recreate them there (``create_task_triggers`` of this file).

Revision ID: dashboard_1602_task_counts
Revises: dashboard_1201_aggregates
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "dashboard_1602_task_counts"
down_revision: str | Sequence[str] | None = "dashboard_1201_aggregates"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KEY = "area_id, inspector_id, due, done"


def _grouped(rows: str, sign: str) -> str:
    """A transition table's rows counted per kept key (active units, tasks not cancelled)."""
    return (
        f"SELECT u.area_id, coalesce(t.inspector_id, 0) AS inspector_id, t.due, "  # noqa: S608
        f"t.status = 'done' AS done, {sign}count(*) AS n "
        f"FROM {rows} t JOIN unit u ON u.id = t.unit_id AND u.status = 'active' "
        "WHERE t.status <> 'cancelled' GROUP BY 1, 2, 3, 4"
    )


def _upsert(source: str) -> str:
    return (
        f"INSERT INTO dashboard_task ({KEY}, n) SELECT {KEY}, n FROM ({source}) d "  # noqa: S608
        f"WHERE n <> 0 ON CONFLICT ({KEY}) DO UPDATE SET n = dashboard_task.n + excluded.n;"
    )


def create_task_triggers() -> None:
    if op.get_bind().dialect.name == "sqlite":
        add_new = (
            "INSERT INTO dashboard_task (area_id, inspector_id, due, done, n) "  # noqa: S608
            "SELECT u.area_id, coalesce(NEW.inspector_id, 0), NEW.due, NEW.status = 'done', 1 "
            "FROM unit u WHERE u.id = NEW.unit_id AND u.status = 'active' "
            "AND NEW.status != 'cancelled' "
            f"ON CONFLICT ({KEY}) DO UPDATE SET n = n + 1;"
        )
        take_old = (
            "UPDATE dashboard_task SET n = n - 1 WHERE OLD.status != 'cancelled' "
            "AND area_id = (SELECT u.area_id FROM unit u WHERE u.id = OLD.unit_id "
            "AND u.status = 'active') AND inspector_id = coalesce(OLD.inspector_id, 0) "
            "AND due = OLD.due AND done = (OLD.status = 'done');"
        )
        op.execute(
            "CREATE TRIGGER trg_dashboard_task_insert AFTER INSERT ON task "  # noqa: S608
            "WHEN NOT EXISTS (SELECT 1 FROM dashboard_task_mute) "
            f"BEGIN {add_new} END"
        )
        op.execute(
            "CREATE TRIGGER trg_dashboard_task_update AFTER UPDATE OF status, inspector_id, due, "
            f"unit_id ON task BEGIN {take_old} {add_new} END"
        )
        op.execute(
            f"CREATE TRIGGER trg_dashboard_task_delete AFTER DELETE ON task BEGIN {take_old} END"
        )
        return
    bodies = {
        "insert": _upsert(_grouped("new_rows", "")),
        "delete": _upsert(_grouped("old_rows", "-")),
        "update": _upsert(
            f"SELECT {KEY}, sum(n) AS n FROM ({_grouped('new_rows', '')} UNION ALL "  # noqa: S608
            f"{_grouped('old_rows', '-')}) c GROUP BY 1, 2, 3, 4"
        ),
    }
    tables = {
        "insert": "NEW TABLE AS new_rows",
        "delete": "OLD TABLE AS old_rows",
        "update": "OLD TABLE AS old_rows NEW TABLE AS new_rows",
    }
    for verb, body in bodies.items():
        op.execute(
            f"CREATE FUNCTION dashboard_task_{verb}d() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN {body} RETURN NULL; END $$"
        )
        op.execute(
            f"CREATE TRIGGER trg_dashboard_task_{verb} AFTER {verb.upper()} ON task "
            f"REFERENCING {tables[verb]} FOR EACH STATEMENT "
            f"EXECUTE FUNCTION dashboard_task_{verb}d()"
        )


def drop_task_triggers() -> None:
    for verb in ("insert", "update", "delete"):
        if op.get_bind().dialect.name == "sqlite":
            op.execute(f"DROP TRIGGER IF EXISTS trg_dashboard_task_{verb}")
        else:
            op.execute(f"DROP TRIGGER IF EXISTS trg_dashboard_task_{verb} ON task")
            op.execute(f"DROP FUNCTION IF EXISTS dashboard_task_{verb}d()")


def _row_triggers():  # type: ignore[no-untyped-def]
    """The earlier revision's trigger functions (its row triggers, for a downgrade)."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).with_name("2026_12_07_1201_dashboard_aggregates.py")
    spec = importlib.util.spec_from_file_location("dashboard_1201", path)
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def upgrade() -> None:
    op.create_table(
        "dashboard_task_mute",
        sa.Column("writer", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("writer", name=op.f("pk_dashboard_task_mute")),
    )
    _row_triggers().drop_task_triggers()
    create_task_triggers()


def downgrade() -> None:
    drop_task_triggers()
    _row_triggers().create_task_triggers()
    op.drop_table("dashboard_task_mute")
