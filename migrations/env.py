"""Alembic environment: the app's metadata, batch mode for SQLite, one connection per run."""

from alembic import context
from sqlalchemy import create_engine

import rentals.models  # noqa: F401  (registers every table)
from rentals.modelbase import metadata

config = context.config


def run_migrations() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = create_engine(config.get_main_option("sqlalchemy.url"))
    with engine.begin() as conn:
        _run(conn)
    engine.dispose()


def _render_item(type_, obj, autogen_context):  # type: ignore[no-untyped-def]
    """Write our UTC column as a plain DateTime, so migrations never import app code."""
    if type_ == "type" and obj.__class__.__name__ == "UTCDateTime":
        return "sa.DateTime(timezone=True)"
    return False


def _run(connection) -> None:  # type: ignore[no-untyped-def]
    if connection.dialect.name == "sqlite":
        # A batch migration drops a table and renames its copy into place; in between,
        # SQLite's modern RENAME re-checks every trigger and fails on the dashboard's
        # triggers on ``task``, whose bodies read ``unit``. The legacy RENAME leaves trigger
        # bodies alone, and they name the table that is back in place afterwards.
        connection.exec_driver_sql("PRAGMA legacy_alter_table = ON")
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=True,
        compare_type=True,
        render_item=_render_item,
    )
    with context.begin_transaction():
        context.run_migrations()
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("PRAGMA legacy_alter_table = OFF")


run_migrations()
