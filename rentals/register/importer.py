"""Import the paper ledger (台账): plan every change first, then apply all of it or nothing.

The plan compares the file with the register (loaded in a few ``IN`` queries, not one
query per row) and says, row by row, what would be created, updated or left unchanged.
A dry run stops there. Applying goes through the register services, so the audit
trail records every change.

Every row is validated before the first write, so a file with one bad row writes
nothing. Given ``next_transaction`` (the page and the CLI pass one), the writes go in
batches of ``batch_size`` rows, each its own short transaction, so that on SQLite other
writers get the lock between batches (issue 14.6); otherwise everything goes in one
savepoint of the caller's transaction. Natural keys make every write an upsert: units by
code, people by identity number, tenancies by (unit, person, moved in), areas by name in
their community; an open tenancy of the same person in the same unit is "unchanged". So
a re-import changes nothing, and one after a crash mid-apply writes what was missing.
A blank optional cell keeps what the register already holds.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from flask_babel import lazy_gettext as _l
from sqlmodel import Session, select

from rentals import db
from rentals.auth.models import User
from rentals.register.import_plan import Abort, Change, ImportKind, ImportReport, Planner, RowError
from rentals.register.import_tenants import TenantPlanner
from rentals.register.import_units import UnitPlanner
from rentals.register.ledger import (
    TENANT_COLUMNS,
    UNIT_COLUMNS,
    Column,
    LedgerError,
    read_ledger,
)
from rentals.register.models import Community

__all__ = [
    "Change",
    "ImportKind",
    "ImportReport",
    "RowError",
    "batch_commits",
    "resolve_community",
    "run_import",
]

_PLANNERS: dict[ImportKind, tuple[type[Planner], tuple[Column, ...]]] = {
    ImportKind.UNITS: (UnitPlanner, UNIT_COLUMNS),
    ImportKind.TENANTS: (TenantPlanner, TENANT_COLUMNS),
}
#: Rows written per transaction when the caller lets the import commit between batches.
BATCH_SIZE = 1000
#: Seconds the lock is left free between batches on SQLite. A writer waiting for it
#: retries at most every 100 ms (SQLite's busy handler), so a shorter gap could be
#: missed and the import would take the lock straight back.
SQLITE_PAUSE = 0.12


def batch_commits(session: Session) -> Callable[[], None]:
    """For the edges (page, CLI): ``run_import``'s ``next_transaction``. Commits, lets the
    next transaction begin as a writer, and on SQLite leaves the lock free a moment."""
    sqlite = session.get_bind().dialect.name == "sqlite"

    def next_transaction() -> None:
        session.commit()
        db.write_intent.set(True)
        if sqlite:
            time.sleep(SQLITE_PAUSE)

    return next_transaction


def resolve_community(session: Session, name_or_id: str | int | None) -> Community | None:
    """The community a ledger's new areas go to: the one named (by name or id), or the
    only one there is; None when there are several and none was named.
    Raises ``LedgerError`` when the named one does not exist."""
    if name_or_id not in (None, ""):
        query = select(Community).where(
            Community.id == int(name_or_id)
            if isinstance(name_or_id, int) or str(name_or_id).isdigit()
            else Community.name == str(name_or_id).strip()
        )
        found = session.exec(query).first()
        if found is None:
            raise LedgerError(_l("社区「%(name)s」不存在。", name=str(name_or_id)[:100]))
        return found
    first_two = session.exec(select(Community).limit(2)).all()
    return first_two[0] if len(first_two) == 1 else None


def run_import(
    session: Session,
    *,
    actor: User | None,
    kind: ImportKind | str,
    data: bytes,
    apply: bool,
    community: str | int | None = None,
    next_transaction: Callable[[], None] | None = None,
    batch_size: int = BATCH_SIZE,
) -> ImportReport:
    """Plan (and with ``apply``, write) one ledger file. Errors found by the plan leave the
    register untouched.

    Without ``next_transaction`` the caller commits (and when the report has errors
    nothing was flushed). With it, the import calls it once after the plan and once after
    each batch: it must commit and let the next transaction begin as a writer.
    """
    kind = ImportKind(kind)
    report = ImportReport(kind=kind)
    planner_cls, columns = _PLANNERS[kind]
    try:
        chosen = resolve_community(session, community)
        sheet = read_ledger(data, columns)
    except LedgerError as err:
        report.errors.append(RowError(0, "", err.message))
        return report
    report.rows = len(sheet.rows)
    report.notices.extend(sheet.notices)
    planner = planner_cls(session, sheet, columns, report, community=chosen)
    with session.no_autoflush:
        planner.plan()
    report.errors.sort(key=lambda e: e.row)
    report.warnings.sort(key=lambda e: e.row)
    report.changes.sort(key=lambda c: c.row)
    if report.errors or not apply:
        return report
    if not report.changed:
        report.applied = True
        return report
    if next_transaction is None:
        batches = [None]
    else:
        next_transaction()
        batches = list(planner.batches(batch_size))
    for batch in batches:
        try:
            # Services flush what they need (new rows, for their ids); without autoflush
            # the audit rows wait for the next of those flushes instead of costing one each.
            with session.begin_nested(), session.no_autoflush:
                planner.apply(actor, batch)
                if report.errors:
                    raise Abort
        except Abort:
            report.errors.sort(key=lambda e: e.row)
            if report.batches:
                report.notices.append(
                    _l(
                        "写入中途出错：前 %(n)s 批已写入。改正后重新导入同一文件即可补全，"
                        "已写入的行不会重复。",
                        n=report.batches,
                    )
                )
            return report
        if next_transaction is not None:
            next_transaction()
        report.batches += 1
    report.applied = True
    return report
