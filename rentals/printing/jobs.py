"""Big prints run on the app's queue (``rentals.queue``): the page enqueues a job of kind
"print", ``rentals worker`` renders it, and the PDF is kept with the job in the
database, so any web node shows the job and serves the file.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from rentals import clock, db, queue
from rentals.queue.models import JobBlob

#: Bytes read from the database per piece of a download.
CHUNK = 1024 * 1024
_DATES = ("start", "end", "printed")


def start(what: str, params: dict[str, Any], *, owner_id: int) -> str:
    """Queue ``what`` ("plaques", "roster" or "notices") in the request's unit of work;
    return the job id (the job runs once the request has committed)."""
    plain = {k: v.isoformat() if isinstance(v, date) else v for k, v in params.items()}
    job = queue.enqueue(
        db.session(), kind="print", params={"what": what, **plain}, owner_id=owner_id
    )
    return job.id


@queue.handler("print")
def run(work: queue.JobRun) -> dict[str, Any]:
    from rentals.auth.models import User
    from rentals.printing import documents

    params = dict(work.job.params)
    what = params.pop("what")
    for key in _DATES:
        if isinstance(params.get(key), str):
            params[key] = date.fromisoformat(params[key])
    session = work.session
    if what == "plaques":
        work.write()  # issuing plaques writes: the whole job is one write transaction
        actor = session.get(User, work.job.owner_id)
        result = documents.print_plaques(
            session, actor=actor, now=clock.now(), progress=work.progress, **params
        )
    elif what == "notices":
        result = documents.print_notices(session, progress=work.progress, **params)
    else:
        result = documents.print_roster(session, progress=work.progress, **params)
    if not result.pdf:
        raise queue.JobFailed(_l("没有可发牌的出租房。"))
    work.keep_file(f"{what}.pdf", "application/pdf", result.pdf)
    return {"what": what, "pages": result.pages}


def pdf_chunks(job_id: str, size: int) -> Iterator[bytes]:
    """The job's PDF piece by piece, each read in a short session of its own (the
    request's unit of work has ended when a streamed body is sent)."""
    factory = current_app.extensions["rentals.db"][1]

    def pieces() -> Iterator[bytes]:
        for offset in range(0, size, CHUNK):
            with factory() as session:
                data = session.execute(
                    select(func.substr(JobBlob.data, offset + 1, CHUNK)).where(
                        JobBlob.job_id == job_id, JobBlob.role == "result"
                    )
                ).scalar_one_or_none()
            if not data:
                return
            yield bytes(data)

    return pieces()
