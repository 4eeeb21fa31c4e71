"""Big prints run in the background: a thread with its own unit of work writes the PDF
and a small JSON status file into ``instance/prints/``; a page polls the status.

A thread is enough for one office; the render itself fans out to worker processes.
"""

from __future__ import annotations

import json
import logging
import secrets
import threading
from pathlib import Path
from typing import Any

from flask import Flask, current_app

from rentals import clock, db

log = logging.getLogger(__name__)


def prints_dir(app: Flask | None = None) -> Path:
    folder = Path((app or current_app).instance_path) / "prints"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def latest_plaque_batch() -> dict[str, Any] | None:
    """The newest weekly batch of changed plaques prepared by the scheduler
    (``prints/scheduled/plaques-<Monday>.json``: week, prepared, unit codes), or None."""
    found = sorted((prints_dir() / "scheduled").glob("plaques-*.json"))
    if not found:
        return None
    try:
        return json.loads(found[-1].read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _write(folder: Path, job_id: str, status: dict[str, Any]) -> None:
    tmp = folder / f"{job_id}.json.tmp"
    tmp.write_text(json.dumps(status), encoding="utf-8")
    tmp.replace(folder / f"{job_id}.json")


def status(job_id: str) -> dict[str, Any] | None:
    if not job_id.isalnum():
        return None
    path = prints_dir() / f"{job_id}.json"
    if not path.is_file():
        return None
    return json.loads(path.read_text(encoding="utf-8"))


def pdf_path(job_id: str) -> Path:
    return prints_dir() / f"{job_id}.pdf"


def start(kind: str, params: dict[str, Any], *, owner_id: int) -> str:
    """Start ``kind`` ("plaques", "roster" or "notices") in a thread; return the job id."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    job_id = secrets.token_hex(8)
    folder = prints_dir(app)
    _write(
        folder, job_id, {"state": "running", "done": 0, "total": 1, "owner": owner_id, "kind": kind}
    )
    thread = threading.Thread(
        target=_run,
        args=(app, job_id, kind, params, owner_id),
        daemon=True,
        name=f"print-{job_id}",
    )
    thread.start()
    return job_id


def _run(app: Flask, job_id: str, kind: str, params: dict[str, Any], owner_id: int) -> None:
    from rentals.auth.models import User
    from rentals.printing import documents

    folder = prints_dir(app)

    def progress(done: int, total: int) -> None:
        _write(
            folder,
            job_id,
            {"state": "running", "done": done, "total": total, "owner": owner_id, "kind": kind},
        )

    try:
        with app.app_context(), db.unit_of_work() as session:
            if kind == "plaques":
                actor = session.get(User, owner_id)
                result = documents.print_plaques(
                    session, actor=actor, now=clock.now(), progress=progress, **params
                )
            elif kind == "notices":
                result = documents.print_notices(session, progress=progress, **params)
            else:
                result = documents.print_roster(session, progress=progress, **params)
            (folder / f"{job_id}.pdf").write_bytes(result.pdf)
    except Exception:
        log.exception("Print job %s failed", job_id)
        _write(
            folder,
            job_id,
            {"state": "failed", "done": 0, "total": 1, "owner": owner_id, "kind": kind},
        )
        return
    _write(
        folder,
        job_id,
        {
            "state": "done",
            "done": 1,
            "total": 1,
            "owner": owner_id,
            "kind": kind,
            "pages": result.pages,
        },
    )
