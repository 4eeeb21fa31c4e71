"""The inspector's lists as plain values: each row's links and texts built once per page.

A hundred due visits cost about 300 ``url_for`` calls and 430 message look-ups when the
template built them row by row. Here each kind of link is one ``url_for``
(``templating.row_link``) and each message is looked up once per page.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import gettext

from rentals.inspections.queries import UnitSummary
from rentals.templating import OUTCOME_LABELS, local_datetime, row_link


@dataclass(frozen=True)
class UnitRow:
    """One unit on the inspector's home: due visit or search hit."""

    code: str
    address: str
    rating_status: str
    stars: int | None
    #: The checklist (with its task when there is one).
    checklist: str
    #: The unit file (kept offline with the checklist).
    file: str
    #: The task's due date (ISO) or "" for a search hit.
    due: str
    overdue: bool
    follow_up: bool
    #: "上次 …：92.0 分 · 不符合 F1", or that there is no visit yet.
    last: str
    #: "整改 2 项未完成", or "" when none is open.
    orders: str


class _Texts:
    """The messages of a row, each looked up once."""

    def __init__(self) -> None:
        self.last = gettext("上次 %(d)s：")
        self.points = gettext("分")
        self.not_met = gettext("不符合")
        self.none = gettext("尚无检查记录")
        self.orders = gettext("整改 %(n)s 项未完成")
        self.outcomes = {key: str(label) for key, label in OUTCOME_LABELS.items()}


def _last(texts: _Texts, summary: UnitSummary | None) -> str:
    visit = summary.last if summary else None
    if visit is None:
        return texts.none
    head = texts.last % {"d": local_datetime(visit.visited_at)}
    if visit.outcome != "completed":
        return head + texts.outcomes.get(visit.outcome, visit.outcome)
    if visit.score is None:
        return head
    text = f"{head}{visit.score} {texts.points}"
    if visit.lost:
        text += f" · {texts.not_met} {' '.join(visit.lost)}"
    return text


def unit_rows(
    due: Sequence[Any],
    found: Iterable[Any],
    summary: dict[int, UnitSummary],
    today: date,
) -> tuple[list[UnitRow], list[UnitRow]]:
    """Rows of the due visits (``DueTask``-like: ``task``, ``unit``, ``overdue``) and of
    the search hits (units)."""
    texts = _Texts()
    checklist = row_link("inspections.checklist")
    unit_file = row_link("register.unit")

    def row(unit: Any, task: Any = None, overdue: bool = False) -> UnitRow:
        s = summary.get(unit.id)
        link = checklist(unit.code)
        return UnitRow(
            code=unit.code,
            address=unit.address,
            rating_status=unit.rating_status,
            stars=unit.stars,
            checklist=f"{link}?task={task.id}" if task is not None else link,
            file=unit_file(unit.code),
            due=task.due.isoformat() if task is not None else "",
            overdue=overdue,
            follow_up=task is not None and task.kind == "follow_up",
            last=_last(texts, s),
            orders=texts.orders % {"n": s.open_orders} if s and s.open_orders else "",
        )

    return [row(d.unit, d.task, d.overdue) for d in due], [row(u) for u in found]
