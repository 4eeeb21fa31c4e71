"""Rectification notices (整改通知书): one page per order.

Rectification orders do not exist yet; the inspections issue will build a ``Notice``
from each order (hazard, the rule it breaks, deadline, unit, landlord) and call
``render_notices``.  Until then the notice is printed from this plain dataclass.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import date

from rentals.printing import render

TEMPLATE = "print/notice.html"


@dataclass(frozen=True)
class Notice:
    number: str
    unit_code: str
    address: str
    landlord_name: str
    hazard: str
    rule: str
    deadline: date
    inspector: str
    issuer: str
    issued: date


def render_notice(notice: Notice, *, printed: date) -> bytes:
    return render.render_pdf(
        TEMPLATE, {**asdict(notice), "printed": printed}, locale=("zh_Hans_CN", "bo")
    )


def render_notices(notices: Sequence[Notice], *, printed: date) -> bytes:
    """Several notices in one PDF (one document each, joined: page counters restart)."""
    return render.join_pdfs([render_notice(n, printed=printed) for n in notices])
