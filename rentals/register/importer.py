"""Import the paper ledger (台账): plan every change first, then apply all of it or nothing.

The plan compares the file with the register (loaded in a few ``IN`` queries, not one
query per row) and says, row by row, what would be created, updated or left unchanged.
A dry run stops there. Applying goes through the register services, so the audit
trail records every change, inside a savepoint: any error rolls the whole file back.
Natural keys: units by code, people by identity number, tenancies by (unit, person,
moved in); an open tenancy of the same person in the same unit is "unchanged".
A blank optional cell keeps what the register already holds.
"""

from __future__ import annotations

from sqlmodel import Session

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

__all__ = ["Change", "ImportKind", "ImportReport", "RowError", "run_import"]

_PLANNERS: dict[ImportKind, tuple[type[Planner], tuple[Column, ...]]] = {
    ImportKind.UNITS: (UnitPlanner, UNIT_COLUMNS),
    ImportKind.TENANTS: (TenantPlanner, TENANT_COLUMNS),
}


def run_import(
    session: Session, *, actor: User | None, kind: ImportKind | str, data: bytes, apply: bool
) -> ImportReport:
    """Plan (and with ``apply``, write) one ledger file. Errors leave the register untouched.

    The caller commits; when the report has errors nothing was flushed either.
    """
    kind = ImportKind(kind)
    report = ImportReport(kind=kind)
    planner_cls, columns = _PLANNERS[kind]
    try:
        sheet = read_ledger(data, columns)
    except LedgerError as err:
        report.errors.append(RowError(0, "", err.message))
        return report
    report.rows = len(sheet.rows)
    report.notices.extend(sheet.notices)
    planner = planner_cls(session, sheet, columns, report)
    with session.no_autoflush:
        planner.plan()
    report.errors.sort(key=lambda e: e.row)
    report.changes.sort(key=lambda c: c.row)
    if report.errors or not apply:
        return report
    if not report.changed:
        report.applied = True
        return report
    try:
        # Services flush what they need (new rows, for their ids); without autoflush the
        # audit rows wait for the next of those flushes instead of costing one each.
        with session.begin_nested(), session.no_autoflush:
            planner.apply(actor)
            if report.errors:
                raise Abort
    except Abort:
        report.errors.sort(key=lambda e: e.row)
        return report
    report.applied = True
    return report
