"""How a batch of plaques becomes one PDF: shared backgrounds, a light front page per unit.

Of the twenty-odd boxes on a plaque only five belong to the unit (code, address,
valid-until date, QR code, serial); the colour, frame, stars, rating name in two
scripts, labels and issuer are the same on every plaque of that rating in that
community.  So the background is rendered once per (size, rating, community, issuer)
and kept for the life of the process, the fronts are rendered in chunks on every core
(about a third of the cost of a whole plaque page, and one font instead of three), and
``render.join_pdfs`` lays each front over its background without re-rendering it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

from rentals.printing import fields, render
from rentals.printing.plaques import PLAQUE_FIELDS

BACK = "print/plaque_back.html"
FRONT = "print/plaque_front.html"
LOCALE = ("zh_Hans_CN", "bo")
#: What a background shows (its cache key) and what each front page shows.
BACK_FIELDS = (
    "colour",
    "long_name",
    "stars_count",
    "rating_stars_zh",
    "rating_kind_zh",
    "rating_stars_bo",
    "rating_kind_bo",
    "community",
    "community_bo",
    "issuer",
    "preview",
)
FRONT_FIELDS = (
    "colour",
    "preview",
    "unit_code",
    "address",
    "long_address",
    "valid_until",
    "serial",
    "qr_url",
    "qr_png",
)
_SOURCES = ("plaque_back.html", "plaques.css", "plaque_back.css", "print.css")


def render_plaques(
    contexts: Sequence[dict[str, Any]],
    *,
    workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> bytes:
    """One PDF of the plaques of ``contexts`` (chunks made by ``plaques.plaque_context``,
    all of one size), one page a plaque in the order given."""
    size = contexts[0]["size"]
    if any(c["size"] != size for c in contexts):
        raise ValueError("plaques of one document share one size")
    keys: dict[tuple[Any, ...], int] = {}
    which: list[int] = []
    fronts = []
    for context in contexts:
        fronts.append(
            {"size": size, "plaques": [{k: p[k] for k in FRONT_FIELDS} for p in context["plaques"]]}
        )
        for plaque in context["plaques"]:
            key = tuple(plaque[k] for k in BACK_FIELDS)
            which.append(keys.setdefault(key, len(keys)))
    stamp = _stamp()
    backgrounds = [background(size, key, stamp) for key in keys]
    parts = render.render_parts(FRONT, fronts, locale=LOCALE, workers=workers, progress=progress)
    return render.join_pdfs(parts, backgrounds=backgrounds, which=which)


@functools.lru_cache(maxsize=64)
def background(size: str, key: tuple[Any, ...], stamp: tuple[float, ...]) -> bytes:
    """The one-page background PDF for ``key`` (values of BACK_FIELDS); ``stamp`` (the
    templates' modification times) keeps an edited template from being served stale."""
    context = {
        "size": size,
        "backs": [dict(zip(BACK_FIELDS, key, strict=True))],
        "labels": fields.labels(PLAQUE_FIELDS),
    }
    return render.render_pdf(BACK, context, locale=LOCALE)


def _stamp() -> tuple[float, ...]:
    return tuple((render.TEMPLATES / "print" / name).stat().st_mtime for name in _SOURCES)
