"""Dashboard aggregates: counts per area kept as rows change, and each unit's last inspection.

``dashboard_units`` (active units by state), ``dashboard_month`` (events per area and month
or day) and ``dashboard_task`` (tasks per area, inspector, due date) are kept by
``rentals.dashboard.aggregates``; ``dashboard_task`` by triggers on ``task`` (the planner
writes tasks below the ORM). ``unit.last_inspection_id``/``last_inspected_on`` make "stale"
an indexed count. The tables start empty: run ``rentals dashboard rebuild`` once after
upgrading a database that holds data.

On SQLite a later batch migration that rebuilds ``task`` drops these triggers with the old
table: recreate them in that migration (``create_task_triggers``).

Revision ID: dashboard_1201_aggregates
Revises: 0001_foundation
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "dashboard_1201_aggregates"
down_revision: str | Sequence[str] | None = "0001_foundation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KEY = "area_id, inspector_id, due, done"


def create_task_triggers() -> None:
    if op.get_bind().dialect.name == "sqlite":
        add_new = (
            "INSERT INTO dashboard_task (area_id, inspector_id, due, done, n) "
            f"SELECT u.area_id, coalesce(NEW.inspector_id, 0), NEW.due, NEW.status = 'done', 1 "
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
            f"CREATE TRIGGER trg_dashboard_task_insert AFTER INSERT ON task BEGIN {add_new} END"
        )
        op.execute(
            "CREATE TRIGGER trg_dashboard_task_update AFTER UPDATE OF status, inspector_id, due, "
            f"unit_id ON task BEGIN {take_old} {add_new} END"
        )
        op.execute(
            f"CREATE TRIGGER trg_dashboard_task_delete AFTER DELETE ON task BEGIN {take_old} END"
        )
        return
    op.execute(
        """CREATE FUNCTION dashboard_task_count() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE a integer;
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.status <> 'cancelled' THEN
    SELECT area_id INTO a FROM unit WHERE id = OLD.unit_id AND status = 'active';
    IF FOUND THEN
      UPDATE dashboard_task SET n = n - 1 WHERE area_id = a
        AND inspector_id = coalesce(OLD.inspector_id, 0) AND due = OLD.due
        AND done = (OLD.status = 'done');
    END IF;
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.status <> 'cancelled' THEN
    SELECT area_id INTO a FROM unit WHERE id = NEW.unit_id AND status = 'active';
    IF FOUND THEN
      INSERT INTO dashboard_task (area_id, inspector_id, due, done, n)
        VALUES (a, coalesce(NEW.inspector_id, 0), NEW.due, NEW.status = 'done', 1)
        ON CONFLICT (area_id, inspector_id, due, done) DO UPDATE SET n = dashboard_task.n + 1;
    END IF;
  END IF;
  RETURN NULL;
END $$"""
    )
    op.execute(
        "CREATE TRIGGER trg_dashboard_task AFTER INSERT OR DELETE OR UPDATE OF status, "
        "inspector_id, due, unit_id ON task FOR EACH ROW EXECUTE FUNCTION dashboard_task_count()"
    )


def drop_task_triggers() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for verb in ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS trg_dashboard_task_{verb}")
        return
    op.execute("DROP TRIGGER IF EXISTS trg_dashboard_task ON task")
    op.execute("DROP FUNCTION IF EXISTS dashboard_task_count()")


def upgrade() -> None:
    op.create_table(
        "dashboard_units",
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.Column("rating_status", sa.String(length=16), nullable=False),
        sa.Column("stars", sa.Integer(), nullable=False),
        sa.Column("inspected", sa.Boolean(), nullable=False),
        sa.Column("fire", sa.Boolean(), nullable=False),
        sa.Column("registered", sa.Boolean(), nullable=False),
        sa.Column("units", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "area_id",
            "rating_status",
            "stars",
            "inspected",
            "fire",
            "registered",
            name=op.f("pk_dashboard_units"),
        ),
    )
    op.create_table(
        "dashboard_month",
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("metric", sa.String(length=24), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("area_id", "day", "metric", name=op.f("pk_dashboard_month")),
    )
    op.create_table(
        "dashboard_task",
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.Column("inspector_id", sa.Integer(), nullable=False),
        sa.Column("due", sa.Date(), nullable=False),
        sa.Column("done", sa.Boolean(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "area_id", "inspector_id", "due", "done", name=op.f("pk_dashboard_task")
        ),
    )
    with op.batch_alter_table("unit") as batch_op:
        batch_op.add_column(sa.Column("last_inspection_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("last_inspected_on", sa.Date(), nullable=True))
        batch_op.create_index("ix_unit_stale", ["status", "stars", "last_inspected_on"])
        batch_op.create_index(
            "ix_unit_area_stale", ["area_id", "status", "stars", "last_inspected_on"]
        )
    op.create_index("ix_inspection_visited_at", "inspection", ["visited_at", "id"])
    create_task_triggers()


def downgrade() -> None:
    drop_task_triggers()
    op.drop_index("ix_inspection_visited_at", table_name="inspection")
    with op.batch_alter_table("unit") as batch_op:
        batch_op.drop_index("ix_unit_area_stale")
        batch_op.drop_index("ix_unit_stale")
        batch_op.drop_column("last_inspected_on")
        batch_op.drop_column("last_inspection_id")
    op.drop_table("dashboard_task")
    op.drop_table("dashboard_month")
    op.drop_table("dashboard_units")
