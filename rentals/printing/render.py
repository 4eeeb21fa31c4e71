"""The one way to make a PDF: a named template, plain values, an explicit locale.

Templates live in ``templates/print/`` and are rendered by a Jinja environment of their
own (no request, no app: CLI commands and worker processes render the same way), with
the gettext catalog of the document's locale rather than whatever locale is active.
Resources are fetched only from our static files, our print stylesheet, the pre-subset
font and ``data:`` URIs; ``file:`` and outside URLs are refused.
"""

from __future__ import annotations

import functools
import logging
import mimetypes
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import jinja2
from babel.support import NullTranslations, Translations

from rentals.printing import fonts

log = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "templates"
#: Base URL of every document; the fetcher maps its paths to the folders below.
BASE_URL = "https://print.rentals.invalid/"
_MOUNTS = {
    "static": ROOT / "rentals" / "static",
    "print": TEMPLATES / "print",
}
HTML_LANG = {"zh_Hans_CN": "zh-Hans", "bo": "bo", "en": "en"}

#: Types a context may hold: templates cannot reach the database through them.
_PLAIN = (str, int, float, bool, Decimal, date, datetime, type(None))


@functools.cache
def _fetcher_class() -> type:
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class _Fetcher(URLFetcher):
        """Serves our own files and data: URIs; everything else raises ValueError."""

        def __init__(self) -> None:
            super().__init__(allowed_protocols={"data", "https"}, allow_redirects=False)

        def fetch(self, url: str, headers: Any = None) -> Any:
            path = resolve(url)
            if path is None:
                return super().fetch(url, headers)  # data: only (checked by resolve)
            mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": mime})

    return _Fetcher


def resolve(url: str) -> Path | None:
    """The local file a document URL names, None for a data: URI; ValueError otherwise."""
    if url.startswith("data:"):
        return None
    if not url.startswith(BASE_URL):
        raise ValueError(f"refused to fetch {url[:80]!r}: only our own files may be used")
    parts = urlsplit(url)
    mount, _sep, rest = unquote(parts.path).lstrip("/").partition("/")
    folder = fonts.font_dir() if mount == "fonts" else _MOUNTS.get(mount)
    if folder is None or not rest:
        raise ValueError(f"refused to fetch {url[:80]!r}: unknown location")
    base = folder.resolve()
    path = (base / rest).resolve()
    if not path.is_relative_to(base) or not path.is_file():
        raise ValueError(f"refused to fetch {url[:80]!r}: no such file")
    return path


def url_fetcher() -> Any:
    """A fresh fetcher (WeasyPrint keeps per-request state on it)."""
    return _fetcher_class()()


@functools.cache
def font_config() -> Any:
    """One FontConfiguration per process: building one costs 20-30 ms a document."""
    import atexit

    from weasyprint.text.fonts import FontConfiguration

    # Drop it before interpreter shutdown, when its __del__ could no longer call Pango.
    atexit.register(font_config.cache_clear)
    return FontConfiguration()


#: Stylesheets of each document besides print.css (parsed once per process, see below).
DOCUMENT_CSS = {
    "print/plaque_back.html": ("plaques.css", "plaque_back.css"),
    "print/plaque_front.html": ("plaques.css", "plaque_front.css"),
    "print/roster_back.html": ("lists.css",),
    "print/roster_front.html": ("lists.css",),
    "print/blacklist.html": ("lists.css",),
    "print/notice.html": ("notice.css",),
    "print/landlord_logins.html": ("lists.css",),
}


@functools.cache
def _font_face_css() -> str:
    """``@font-face`` rules for the pre-subset font, when it was built."""
    rules = []
    for weight, path in sorted(fonts.subset_fonts().items()):
        rules.append(
            f"@font-face {{ font-family: '{fonts.SUBSET_FAMILY}'; font-weight: {weight};"
            f" src: url({BASE_URL}fonts/{path.name}); }}"
        )
    if not rules:
        log.info("Pre-subset CJK font not built; using the system font (slower).")
    return "\n".join(rules)


@functools.cache
def _stylesheet(name: str, mtime: float) -> Any:
    """A parsed stylesheet: parsing print CSS costs more than laying out a plaque."""
    from weasyprint import CSS

    text = (TEMPLATES / "print" / name).read_text(encoding="utf-8")
    if name == "print.css":
        text = _font_face_css() + "\n" + text
    return CSS(string=text, base_url=BASE_URL, font_config=font_config(), url_fetcher=url_fetcher())


@functools.cache
def _document_class() -> type:
    """``weasyprint.HTML`` with our short user-agent stylesheet (templates/print/ua.css).

    WeasyPrint matches every rule of its HTML5 stylesheet against every element; ours
    covers only the elements our print templates use (10-20 % off a big document).
    """
    from weasyprint import CSS, HTML

    ua = CSS(
        string=(TEMPLATES / "print" / "ua.css").read_text(encoding="utf-8"),
        base_url=BASE_URL,
        url_fetcher=url_fetcher(),
    )

    class _HTML(HTML):
        def _ua_stylesheets(self, forms: bool = False) -> list[Any]:
            return [ua]

    return _HTML


def stylesheets(template: str) -> list[Any]:
    names = ("print.css", *DOCUMENT_CSS.get(template, ()))
    return [_stylesheet(n, (TEMPLATES / "print" / n).stat().st_mtime) for n in names]


@functools.cache
def _translations(locale: str) -> NullTranslations:
    return Translations.load(str(ROOT / "rentals" / "translations"), [locale])


@functools.cache
def environment(locale: str) -> jinja2.Environment:
    """A Jinja environment bound to one locale's catalog (documents never follow the request)."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.policies["ext.i18n.trimmed"] = True
    env.install_gettext_translations(_translations(locale), newstyle=True)  # type: ignore[attr-defined]
    env.filters["iso_date"] = lambda v: v.isoformat() if v else ""
    return env


def check_plain(value: Any, where: str = "context") -> None:
    """Refuse ORM rows and other live objects in a document context."""
    if isinstance(value, _PLAIN):
        return
    if isinstance(value, Mapping):
        for key, item in value.items():
            check_plain(item, f"{where}.{key}")
        return
    if isinstance(value, list | tuple):
        for i, item in enumerate(value):
            check_plain(item, f"{where}[{i}]")
        return
    raise TypeError(f"{where} holds {type(value).__name__}: give documents plain values only")


def render_html(template: str, context: Mapping[str, Any], *, locale: str | Sequence[str]) -> str:
    """The HTML of a document (``locale`` is one locale or a pair such as ("zh_Hans_CN", "bo"))."""
    locales = (locale,) if isinstance(locale, str) else tuple(locale)
    check_plain(dict(context))
    env = environment(locales[0])
    return env.get_template(template).render(
        **context, locales=locales, lang=HTML_LANG.get(locales[0], "zh-Hans")
    )


def render_pdf(template: str, context: Mapping[str, Any], *, locale: str | Sequence[str]) -> bytes:
    """PDF bytes of ``templates/<template>`` rendered with ``context`` in ``locale``."""
    fonts.check()
    html = render_html(template, context, locale=locale)
    document = _document_class()(string=html, base_url=BASE_URL, url_fetcher=url_fetcher())
    return document.write_pdf(stylesheets=stylesheets(template), font_config=font_config())


def _render_chunk(args: tuple[str, Mapping[str, Any], str | Sequence[str]]) -> bytes:
    template, context, locale = args
    return render_pdf(template, context, locale=locale)


def join_pdfs(
    parts: Sequence[bytes], *, backgrounds: Sequence[bytes] = (), which: Sequence[int] = ()
) -> bytes:
    """One PDF from several, pages in order (pypdf).

    With ``backgrounds`` (PDFs whose pages, in order, are the backgrounds 0, 1, ...; of
    the same size as the pages), page ``i`` is drawn over background ``which[i]``: each
    background is embedded once, as a form XObject that every page showing it draws
    first (see :func:`_underlay`).
    """
    import io

    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for part in parts:  # add_page: a third of the time of append (no outline, no names)
        for page in PdfReader(io.BytesIO(part)).pages:
            writer.add_page(page)
    if backgrounds:
        _underlay(writer, [page for pdf in backgrounds for page in _pages(pdf)], which)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _underlay(writer: Any, backgrounds: Sequence[Any], which: Sequence[int]) -> None:
    """Draw ``backgrounds[which[i]]`` under page ``i`` of ``writer``.

    A page of a batch differs from the next only in a few values: rendering what they
    share once and referring to it from every page costs a prefix of a dozen bytes a
    page instead of laying out and drawing the same text again (the front pages are
    transparent).  Nothing is parsed or rewritten: the page's content stream becomes
    ``[prefix, content]``, the prefix being ``q /RentalsBgN Do Q``.
    """
    from pypdf.generic import (
        ArrayObject,
        DecodedStreamObject,
        DictionaryObject,
        NameObject,
        StreamObject,
    )

    if len(which) != len(writer.pages):
        raise ValueError(f"{len(which)} backgrounds chosen for {len(writer.pages)} pages")
    names, prefixes = {}, []
    for i, page in enumerate(backgrounds):
        contents = page["/Contents"].get_object()
        if isinstance(contents, StreamObject):  # WeasyPrint's one stream, kept as encoded
            form = contents.clone(writer)
        else:
            form = DecodedStreamObject()
            form.set_data(page.get_contents().get_data())
        form[NameObject("/Type")] = NameObject("/XObject")
        form[NameObject("/Subtype")] = NameObject("/Form")
        form[NameObject("/BBox")] = ArrayObject(page.mediabox)
        form[NameObject("/Resources")] = page["/Resources"].get_object().clone(writer)
        names[NameObject(f"/RentalsBg{i}")] = writer._add_object(form)
        prefix = DecodedStreamObject()
        prefix.set_data(f"q /RentalsBg{i} Do Q\n".encode())
        prefixes.append(writer._add_object(prefix))
    for page, index in zip(writer.pages, which, strict=True):
        if _size(backgrounds[index]) != _size(page):
            raise ValueError("a background and its page differ in size")
        resources = page[NameObject("/Resources")].get_object()
        if "/XObject" not in resources:
            resources[NameObject("/XObject")] = DictionaryObject()
        resources["/XObject"].get_object().update(names)
        contents = page.raw_get("/Contents")
        rest = list(contents) if isinstance(contents, ArrayObject) else [contents]
        page[NameObject("/Contents")] = ArrayObject([prefixes[index], *rest])


@functools.lru_cache(maxsize=64)
def _pages(pdf: bytes) -> list[Any]:
    """The pages of ``pdf``, parsed once: backgrounds come back again and again (the
    reader keeps the objects it has resolved, so their next copy is not parsed again)."""
    import io

    from pypdf import PdfReader

    return list(PdfReader(io.BytesIO(pdf)).pages)


def _size(page: Any) -> tuple[int, int]:
    return round(page.mediabox.width), round(page.mediabox.height)


def render_parts(
    template: str,
    contexts: Sequence[Mapping[str, Any]],
    *,
    locale: str | Sequence[str],
    workers: int | None = None,
    progress: Any = None,
) -> list[bytes]:
    """The PDFs of page-sized chunks of one document, rendered on every core.

    Each context must lay out to whole pages on its own (the builders split at page
    boundaries and pass the page offset). ``progress(done, total)`` is called per chunk.
    """
    if len(contexts) == 1:
        parts = [render_pdf(template, contexts[0], locale=locale)]
        if progress:
            progress(1, 1)
        return parts
    import multiprocessing
    import os
    from concurrent.futures import ProcessPoolExecutor

    fonts.check()
    for context in contexts:
        check_plain(dict(context))
    workers = workers or os.cpu_count() or 1
    jobs = [(template, dict(c), locale) for c in contexts]
    parts = []
    if workers <= 1:
        for job in jobs:
            parts.append(_render_chunk(job))
            if progress:
                progress(len(parts), len(jobs))
        return parts
    # fork: workers inherit the warm WeasyPrint import, parsed stylesheets and fonts.
    ctx = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=min(workers, len(jobs)), mp_context=ctx) as pool:
        for part in pool.map(_render_chunk, jobs):
            parts.append(part)
            if progress:
                progress(len(parts), len(jobs))
    return parts


def render_pdf_chunks(
    template: str,
    contexts: Sequence[Mapping[str, Any]],
    *,
    locale: str | Sequence[str],
    workers: int | None = None,
    progress: Any = None,
) -> bytes:
    """One document rendered in chunks (:func:`render_parts`) and joined."""
    parts = render_parts(template, contexts, locale=locale, workers=workers, progress=progress)
    return parts[0] if len(parts) == 1 else join_pdfs(parts)
