"""What-if over a city: the same re-assessment as the page, run by ``rentals worker``.

Above ``WHATIF_INLINE_UNITS`` units the page queues a job instead of answering in the
request. The worker streams the rows (``what_if`` with a sink), writes every unit that
would change or needs a new inspection to a CSV kept with the job in the database (any
web node serves it), and keeps the counts and the first ``SAMPLE`` rows of each list as
the job's result, which is all the page reads. The job is read-only, so a retry after a
crash simply runs again.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlmodel import Session, func, select

from rentals import queue
from rentals.queue.models import Job
from rentals.ratings.models import ScorecardVersion
from rentals.ratings.whatif import Change, WhatIf, WhatIfRow, what_if
from rentals.register.ledger import escape_formula
from rentals.register.models import Unit

KIND = "whatif"
#: Rows of each list the job keeps for the page; the CSV holds them all.
SAMPLE = 200
#: The lists the page offers for a queued run (unchanged units are only counted).
LISTS: dict[str, frozenset[Change]] = {
    "changed": frozenset({Change.GAIN, Change.LOSE}),
    "gain": frozenset({Change.GAIN}),
    "lose": frozenset({Change.LOSE}),
    "needs": frozenset({Change.NEEDS_INSPECTION}),
}
CSV_HEADERS = ("编号", "区域", "现在星级", "现在得分", "新版星级", "新版得分", "变化")
#: Progress is written every this many units.
PROGRESS_EVERY = 10_000


def register_size(session: Session) -> int:
    """Units a what-if would read (not withdrawn): decides page or queue."""
    return session.exec(
        select(func.count()).select_from(Unit).where(Unit.status != "withdrawn")
    ).one()


def start(session: Session, *, draft: ScorecardVersion, owner_id: int) -> str:
    job = queue.enqueue(session, kind=KIND, params={"version": draft.version}, owner_id=owner_id)
    return job.id


def latest(session: Session, *, version: int, owner_id: int) -> Job | None:
    """The owner's newest what-if job for ``version`` (a manager sees their own runs)."""
    recent = session.exec(
        select(Job)
        .where(Job.kind == KIND, Job.owner_id == owner_id)
        .order_by(Job.created_at.desc())
        .limit(50)
    )
    return next((j for j in recent if j.params.get("version") == version), None)


def _plain(row: WhatIfRow) -> dict[str, Any]:
    return {
        "unit_code": row.unit_code,
        "area": row.area,
        "stars_now": row.stars_now,
        "score_now": str(row.score_now),
        "stars_draft": row.stars_draft,
        "score_draft": None if row.score_draft is None else str(row.score_draft),
        "change": row.change.value,
    }


def report_of(result: dict[str, Any]) -> WhatIf:
    """A finished job's summary as the report the page shows (no rows)."""
    report = WhatIf(
        version=int(result["version"]),
        added_items=tuple(result["added_items"]),
        removed_items=tuple(result["removed_items"]),
        dropped_vetoes=tuple(result["dropped_vetoes"]),
    )
    report.counts.update({Change(k): int(v) for k, v in result["counts"].items()})
    return report


@queue.handler(KIND)
def run(work: queue.JobRun) -> dict[str, Any]:
    session = work.session
    version = int(work.job.params["version"])
    draft = session.exec(
        select(ScorecardVersion).where(ScorecardVersion.version == version)
    ).first()
    if draft is None:
        raise queue.JobFailed(_l("评分表第 %(v)s 版不存在。", v=version))
    total = register_size(session)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_HEADERS)
    samples: dict[str, list[dict[str, Any]]] = {name: [] for name in LISTS}
    seen = [0]

    def sink(row: WhatIfRow) -> None:
        seen[0] += 1
        if seen[0] % PROGRESS_EVERY == 0:
            work.progress(seen[0], total)
        if row.change == Change.SAME:
            return
        writer.writerow(
            [
                escape_formula(row.unit_code),
                escape_formula(row.area),
                row.stars_now,
                row.score_now,
                "" if row.stars_draft is None else row.stars_draft,
                "" if row.score_draft is None else row.score_draft,
                row.change.value,
            ]
        )
        for name, changes in LISTS.items():
            if row.change in changes and len(samples[name]) < SAMPLE:
                samples[name].append(_plain(row))

    report = what_if(session, draft=draft, sink=sink)
    work.keep_file(f"what-if-v{version}.csv", "text/csv", buffer.getvalue().encode("utf-8-sig"))
    return {
        "version": version,
        "counts": {k.value: v for k, v in report.counts.items()},
        "added_items": list(report.added_items),
        "removed_items": list(report.removed_items),
        "dropped_vetoes": list(report.dropped_vetoes),
        "samples": samples,
    }
