"""Factories and PDF readers for the printing tests (Task and Rating rows made directly
until the planner and rating services land)."""

from __future__ import annotations

import io
import subprocess
from datetime import UTC, date, datetime
from pathlib import Path

from pypdf import PdfReader
from sqlmodel import Session

from rentals.inspections.models import Inspection
from rentals.ratings.models import Rating, ScorecardVersion
from rentals.register.models import Unit
from rentals.tasks.models import Task
from scoring import default_scorecard_text

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "printing"
NOW = datetime(2027, 2, 20, 2, 0, tzinfo=UTC)


def rate(session: Session, unit: Unit, status: str, stars: int) -> Unit:
    unit.rating_status = status
    unit.stars = stars
    session.add(unit)
    session.flush()
    return unit


def make_task(
    session: Session,
    unit: Unit,
    due: date,
    *,
    inspector_id: int | None = None,
    key: str | None = None,
    status: str = "open",
) -> Task:
    task = Task(
        unit_id=unit.id,
        period_key=key or due.isoformat(),
        start=due,
        due=due,
        status=status,
        inspector_id=inspector_id,
    )
    session.add(task)
    session.flush()
    return task


def make_rating(
    session: Session,
    unit: Unit,
    *,
    stars: int,
    status: str,
    failed: tuple[str, ...] = (),
    vetoes: tuple[str, ...] = (),
) -> Rating:
    card = session.get(ScorecardVersion, 1) or ScorecardVersion(
        id=1, version=1, title="默认", source=default_scorecard_text(), active_from=date(2026, 1, 1)
    )
    session.add(card)
    session.flush()
    n = session.exec(__import__("sqlmodel").select(Inspection)).all()
    inspection = Inspection(
        unit_id=unit.id, scorecard_version_id=card.id, client_key=f"k{unit.id}-{len(n)}"
    )
    session.add(inspection)
    session.flush()
    items = [
        {"code": c, "category": c[0], "answer": "not_met", "points": 5, "points_earned": 0}
        for c in failed
    ]
    rating = Rating(
        unit_id=unit.id,
        inspection_id=inspection.id,
        scorecard_version_id=card.id,
        score=60,
        stars=stars,
        status=status,
        breakdown={"items": items, "vetoes": list(vetoes)},
    )
    session.add(rating)
    rate(session, unit, status, stars)
    return rating


def pages(pdf: bytes) -> int:
    return len(PdfReader(io.BytesIO(pdf)).pages)


def text(pdf: bytes, page: int | None = None) -> str:
    """pdftotext of the whole PDF or one page (1-based)."""
    args = ["pdftotext", "-layout"]
    if page:
        args += ["-f", str(page), "-l", str(page)]
    return subprocess.run(
        [*args, "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()


def keep_png(pdf: bytes, name: str) -> Path:
    """Page 1 as PNG in test-artifacts/ (gitignored), for people to look at."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    target = ARTIFACTS / name
    subprocess.run(
        ["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile", "-", str(target)],
        input=pdf,
        check=True,
    )
    return target.with_suffix(".png")


def roster_rows(n: int) -> list[dict]:
    """``n`` plain roster sources (ZX-0000, ZX-0001, ...), for tests that need no database."""
    return [
        {
            "unit_code": f"ZX-{i:04d}",
            "address": f"扎细路{i}号",
            "landlord_name": "次仁",
            "landlord_phone": "+8613900001234",
            "stars": 2,
            "rating_status": "two",
            "due": date(2027, 2, 14),
            "last_inspection": None,
            "open_orders": None,
        }
        for i in range(n)
    ]
