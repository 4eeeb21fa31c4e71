"""Rendering of a blacklist edition (黑榜公示) to PDF; the rules and the stored editions
live in ``rentals.incentives.blacklist``."""

from __future__ import annotations

from datetime import date
from io import BytesIO
from typing import Any

from pypdf import PdfReader

from rentals.printing import render

TEMPLATE = "print/blacklist.html"


def _for_template(data: dict[str, Any]) -> dict[str, Any]:
    ctx = dict(data)
    ctx["published"] = date.fromisoformat(data["published"])
    return ctx


def render_blacklist(data: dict[str, Any]) -> bytes:
    """PDF of an edition's data (pages counted by a first pass for the footer)."""
    ctx = _for_template(data)
    pdf = render.render_pdf(TEMPLATE, ctx, locale=("zh_Hans_CN", "bo"))
    pages = len(PdfReader(BytesIO(pdf)).pages)
    return render.render_pdf(
        TEMPLATE, {**ctx, "total_pages": str(pages)}, locale=("zh_Hans_CN", "bo")
    )
