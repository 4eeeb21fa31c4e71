"""Keeping ``dashboard_task`` costs the first plan little on PostgreSQL: grouped counts.

PostgreSQL: the row trigger becomes three statement-level triggers with transition tables
(``REFERENCING NEW TABLE`` / ``OLD TABLE``), each counting its whole statement in one
grouped upsert, for every writer: the planner's INSERT … SELECT of two million tasks costs
one join of its rows to ``unit`` instead of two million PL/pgSQL calls, lookups and upserts.

SQLite keeps its row triggers (it has no others): measured at 10⁵ units they cost about a
tenth of the planner's insert, and the same rows counted in one grouped upsert after it
cost as much, so nothing is gained by muting them (docs/decisions.md).

Revision ID: dashboard_1602_task_counts
Revises: dashboard_1201_aggregates
Create Date: 2026-12-07
"""

from collections.abc import Sequence

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
    if op.get_bind().dialect.name == "sqlite":
        return
    for verb in ("insert", "update", "delete"):
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
    if op.get_bind().dialect.name == "sqlite":
        return
    _row_triggers().drop_task_triggers()
    create_task_triggers()


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        return
    drop_task_triggers()
    _row_triggers().create_task_triggers()
