"""Every page of every role at 360 px, in the three languages: touch targets of at least
44×44 px (links inside running text excepted), no readable text under 14 px, no page wider
than the screen, and no text inserted by our script from another language's catalogue.

The pages are found by walking, per role, the links the role's own pages offer (menu,
lists, unit files, one checklist), up to a bound: the list grows with the product.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.browser.conftest import sign_in

ROLES = {"police": "inspector", "manager": "manager", "admin": "admin", "13989007919": "landlord"}
LANGS = ("zh", "bo", "en")
#: Not pages to read: files, feeds, photos, the session's end.
SKIP = ("/static/", "/photos/", "/logout", ".csv", ".xlsx", ".ics", ".pdf", "/signatures/", "/feed")
MAX_PAGES = 40
#: One page per kind of address is enough (a hundred unit files look alike).
KINDS = (
    ("/units/", "/inspect"),
    ("/units/", "/incidents/new"),
    ("/units/", ""),
    ("/inspections/", ""),
    ("/my/units/", ""),
    ("/p/", ""),
    ("/scorecards/", ""),
    ("/print/jobs/", ""),
    ("/tasks/", ""),
    ("/dashboard/list/", ""),
)

#: In the page: every problem, as text (the measuring rules live there, once).
MEASURE = (Path(__file__).parent / "measure.js").read_text(encoding="utf-8")


def _kind(path: str) -> str:
    for prefix, suffix in KINDS:
        if path.startswith(prefix) and path.endswith(suffix):
            return prefix + "*" + suffix
    return path


def _walk(page, base: str) -> list[str]:  # type: ignore[no-untyped-def]
    """The role's pages: breadth first from its home, one address per kind."""
    queue, found, kinds = [base + "/"], [], set()
    while queue and len(found) < MAX_PAGES:
        url = queue.pop(0)
        response = page.goto(url)
        if (
            response is None
            or response.status != 200
            or "text/html" not in response.headers.get("content-type", "")
        ):
            continue
        here = page.url.split("#")[0]
        if here in found:
            continue
        found.append(here)
        for href in page.eval_on_selector_all(
            # getAttribute: an SVG link's .href is an object, not a string.
            "a[href]",
            "els => els.map(e => new URL(e.getAttribute('href'), document.baseURI).href)",
        ):
            parts = urlsplit(href)
            if not href.startswith(base) or any(s in href for s in SKIP) or "lang=" in href:
                continue
            kind = _kind(parts.path) + ("?" if parts.query else "")
            if kind in kinds:
                continue
            kinds.add(kind)
            queue.append(href.split("#")[0])
    return found


@pytest.mark.parametrize("username", list(ROLES))
def test_every_page_fits_a_thumb_at_360_px_in_every_language(page, live_server, username):
    sign_in(page, live_server, username)
    page.wait_for_load_state()
    pages = _walk(page, live_server)
    assert len(pages) >= 3, pages
    problems = []
    for lang in LANGS:
        for url in pages:
            sep = "&" if "?" in url else "?"
            page.goto(f"{url}{sep}lang={lang}")
            page.wait_for_load_state()
            problems += [
                f"[{ROLES[username]} {lang}] {url[len(live_server) :]}: {p}"
                for p in page.evaluate(MEASURE)
            ]
    page.goto(f"{live_server}/?lang=zh")
    print(f"\n{ROLES[username]}: {len(pages)} pages × 3 languages")
    assert not problems, "\n".join([f"{len(problems)} problems:", *problems[:80]])
