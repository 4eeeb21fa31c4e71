"""Large ledgers are applied by the worker: the page keeps the file with a queued job
and shows the job's page; the worker re-checks the whole file against the register as
it is then and writes it in the import's batches (other writers get through between
them). Re-running it after a crash writes only what was missing (natural keys)."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from sqlmodel import Session

from rentals import queue
from rentals.auth.models import User
from rentals.register.import_plan import ImportReport
from rentals.register.importer import BATCH_SIZE, batch_commits, run_import

#: Row errors kept on the job (the page shows as many as the synchronous import does).
KEPT_ERRORS = 500


def enqueue_apply(
    session: Session,
    *,
    actor: User,
    kind: str,
    data: bytes,
    filename: str,
    community: int | None,
    rows: int,
) -> str:
    """Queue the apply of a checked-size ledger; return the job id."""
    job = queue.enqueue(
        session,
        kind="import",
        params={"kind": kind, "community": community, "rows": rows},
        owner_id=actor.id,
        input_file=(filename[:200] or "ledger", "application/octet-stream", data),
    )
    return job.id


def summary(report: ImportReport) -> dict[str, Any]:
    """The report as plain JSON: counts by subject and action, notices, first errors."""
    return {
        "kind": report.kind.value,
        "rows": report.rows,
        "batches": report.batches,
        "applied": report.applied,
        "counts": {subject: dict(c) for subject, c in report.counts().items()},
        "notices": [queue.portable(n) for n in report.notices],
        "warnings": len(report.warnings),
        "errors": [
            {"row": e.row, "column": e.column, "message": queue.portable(e.message)}
            for e in report.errors[:KEPT_ERRORS]
        ],
        "error_count": len(report.errors),
    }


@queue.handler("import")
def run(work: queue.JobRun) -> dict[str, Any]:
    params = work.job.params
    session = work.session
    data = work.input()
    actor = session.get(User, work.job.owner_id)
    commit = batch_commits(session)
    written = [0]

    def next_transaction() -> None:
        commit()
        work.progress(written[0] * BATCH_SIZE, max(int(params.get("rows") or 1), 1))
        written[0] += 1

    report = run_import(
        session,
        actor=actor,
        kind=params["kind"],
        data=data,
        apply=True,
        community=params.get("community"),
        next_transaction=next_transaction,
    )
    if not report.ok:
        raise queue.JobFailed(
            _l("文件有错误，没有写入任何内容")
            if not report.batches
            else _l("写入中途出错，部分已写入"),
            result=summary(report),
        )
    return summary(report)
