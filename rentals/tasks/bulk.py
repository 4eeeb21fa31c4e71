"""Loading an empty ``task`` table in bulk: the first plan of a city.

The standard technique (PostgreSQL manual, "Populating a Database"; SQLite likewise): build
the secondary indexes after the rows are in, check the foreign keys once for the whole
table, count the dashboard's rows once. ``deferred_upkeep`` captures, inside the caller's
transaction, the definitions of what ``task`` keeps up row by row from the catalogue
(``sqlite_master.sql``; ``pg_get_indexdef``, ``pg_get_constraintdef``,
``pg_get_triggerdef``), so they keep one home, the migrations; drops them; lets the caller
insert; then creates them again from the captured text and counts the new rows into
``dashboard_task`` with the rebuild's own statement (``dashboard.aggregates.count_tasks``).

Kept in place: the primary key and the unique key (unit, kind, period key) that every
later plan's ``ON CONFLICT`` relies on (the load itself needs no arbiter: the table is
empty and held, and a duplicate would fail the whole load), and any trigger on ``task`` that is
not the dashboard's (its work is not replaced here). SQLite cannot drop a foreign key
without rebuilding the table; its checks are a primary-key probe a row and stay.

Both engines have transactional DDL, and the whole load runs in a savepoint: an error
anywhere rolls the drops back with the rows, so the schema is as it was (a caller that
catches the error and commits does not commit a table without its indexes).

The caller must hold the planner's lock (``services._planner_lock``) and must have found
``task`` empty under it; on PostgreSQL this takes ``task`` (and, by dropping their foreign
keys' triggers, ``unit`` and ``user``) exclusively until the transaction ends, so pages that
read them wait for the first plan to commit.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.engine import Connection

log = logging.getLogger(__name__)

TABLE = "task"
#: The dashboard's triggers on ``task`` (migrations dashboard_1201 and dashboard_1602): the
#: only ones whose work ``deferred_upkeep`` does itself afterwards.
DASHBOARD_TRIGGERS = "trg_dashboard_task%"
#: SQLite: the page cache during the load, in KiB (see ``_sort_memory``).
SQLITE_CACHE_KIB = 128 * 1024
#: PostgreSQL: what dropping and re-adding the indexes, triggers and foreign keys of
#: ``task`` locks (the foreign keys' own triggers live on ``unit`` and ``user``).
LOCKS = 'LOCK TABLE "user", unit, task IN ACCESS EXCLUSIVE MODE'


@dataclass(frozen=True)
class Upkeep:
    """One thing ``task`` keeps up per row: how to drop it and how to create it again."""

    kind: str  # "index", "foreign key", "trigger"
    name: str
    drop: str
    create: str


def _sqlite(conn: Connection) -> list[Upkeep]:
    rows = conn.execute(
        text(
            "SELECT type, name, sql FROM sqlite_master WHERE tbl_name = :table "
            "AND sql IS NOT NULL AND (type = 'index' OR (type = 'trigger' AND name LIKE :trg)) "
            "ORDER BY type, name"
        ),
        {"table": TABLE, "trg": DASHBOARD_TRIGGERS},
    ).all()
    quote = conn.dialect.identifier_preparer.quote
    return [
        Upkeep(kind, name, f"DROP {kind.upper()} {quote(name)}", sql) for kind, name, sql in rows
    ]


def _postgresql(conn: Connection) -> list[Upkeep]:
    quote = conn.dialect.identifier_preparer.quote
    table = quote(TABLE)
    out: list[Upkeep] = []
    # Secondary indexes: every index of the table that backs no constraint (the primary
    # and unique keys stay).
    for name, sql in conn.execute(
        text(
            "SELECT c.relname, pg_get_indexdef(x.indexrelid) FROM pg_index x "
            "JOIN pg_class c ON c.oid = x.indexrelid "
            "WHERE x.indrelid = to_regclass(:table) "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = x.indexrelid) "
            "ORDER BY c.relname"
        ),
        {"table": TABLE},
    ):
        out.append(Upkeep("index", name, f"DROP INDEX {quote(name)}", sql))
    for name, sql in conn.execute(
        text(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = to_regclass(:table) AND contype = 'f' ORDER BY conname"
        ),
        {"table": TABLE},
    ):
        out.append(
            Upkeep(
                "foreign key",
                name,
                f"ALTER TABLE {table} DROP CONSTRAINT {quote(name)}",
                f"ALTER TABLE {table} ADD CONSTRAINT {quote(name)} {sql}",
            )
        )
    for name, sql in conn.execute(
        text(
            "SELECT tgname, pg_get_triggerdef(oid) FROM pg_trigger "
            "WHERE tgrelid = to_regclass(:table) AND NOT tgisinternal AND tgname LIKE :trg "
            "ORDER BY tgname"
        ),
        {"table": TABLE, "trg": DASHBOARD_TRIGGERS},
    ):
        out.append(Upkeep("trigger", name, f"DROP TRIGGER {quote(name)} ON {table}", sql))
    return out


def upkeep(conn: Connection) -> list[Upkeep]:
    """What ``task`` keeps up per row and ``deferred_upkeep`` defers, from the catalogue."""
    return _sqlite(conn) if conn.dialect.name == "sqlite" else _postgresql(conn)


def is_empty(conn: Connection) -> bool:
    return conn.exec_driver_sql(f"SELECT 1 FROM {TABLE} LIMIT 1").first() is None  # noqa: S608


def lock_if_empty(conn: Connection) -> bool:
    """Whether ``task`` is empty, asked again once the locks the drops need are held.

    SQLite: the planner's transaction began IMMEDIATE and holds the database's write lock
    already. PostgreSQL: the tables the drops lock, taken in one order (``user`` and
    ``unit`` before ``task``: a page reads its user first) before any drop, so that the
    first plan waits for the pages already reading them instead of deadlocking with one;
    a row another writer committed before the lock was granted makes the answer False."""
    if not is_empty(conn):
        return False
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(LOCKS)
    return is_empty(conn)


@contextlib.contextmanager
def deferred_upkeep(conn: Connection) -> Iterator[None]:
    """Run the body with ``task``'s secondary indexes, dashboard triggers and (PostgreSQL)
    foreign keys dropped, then restore them and count every task into ``dashboard_task``.

    Only for a ``task`` that ``lock_if_empty`` found empty: every row in it afterwards
    is one the body inserted, and the dashboard counts the whole table once."""
    from rentals.dashboard.aggregates import count_tasks

    with _sort_memory(conn), conn.begin_nested():
        kept = upkeep(conn)
        started = time.perf_counter()
        for item in kept:
            conn.exec_driver_sql(item.drop)
        yield
        loaded = time.perf_counter()
        for item in kept:
            began = time.perf_counter()
            conn.exec_driver_sql(item.create)
            log.debug(
                "first plan: %s %s in %.2fs", item.kind, item.name, time.perf_counter() - began
            )
        indexed = time.perf_counter()
        count_tasks(conn)
        if conn.dialect.name == "postgresql":
            # The statistics still say `task` is empty: without them PostgreSQL read a
            # unit's tasks by walking the whole due-date index (250 ms a unit file at 10⁶
            # instead of 1). A sample, so well under a second however large the load.
            conn.exec_driver_sql("ANALYZE task")
        log.info(
            "first plan: %s deferred; load %.2fs, recreate %.2fs, dashboard counts %.2fs",
            ", ".join(f"{item.kind} {item.name}" for item in kept),
            loaded - started,
            indexed - loaded,
            time.perf_counter() - indexed,
        )


@contextlib.contextmanager
def _sort_memory(conn: Connection) -> Iterator[None]:
    """SQLite: a page cache of ``SQLITE_CACHE_KIB`` for the load, the previous one after.

    SQLite sizes its sorter's runs by the page cache (2 MiB by default), so building an
    index of two million tasks at 10⁶ units would merge runs from temporary files; the
    cache is per connection and not transactional, so it is put back whatever happens."""
    if conn.dialect.name != "sqlite":
        yield
        return
    before = conn.exec_driver_sql("PRAGMA cache_size").scalar_one()
    conn.exec_driver_sql(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB:d}")
    try:
        yield
    finally:
        conn.exec_driver_sql(f"PRAGMA cache_size = {int(before):d}")
