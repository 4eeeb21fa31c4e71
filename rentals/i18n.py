"""Locale choice: Simplified Chinese by default, Tibetan and English on request.

Messages are written in Chinese in the code (the default locale needs no catalog, so an
untranslated string still shows correct Chinese); Tibetan and English are catalogs.
Every spelling a browser or a link may send is normalised to one of three locales,
because Flask-Babel raises on unknown forms such as ``zh-Hans``.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, has_request_context, request, session
from flask_babel import get_locale

LOCALES = ("zh_Hans_CN", "bo", "en")
DEFAULT_LOCALE = "zh_Hans_CN"
#: BCP 47 tags for the ``lang`` attribute of pages and documents.
HTML_LANG = {"zh_Hans_CN": "zh-Hans", "bo": "bo", "en": "en"}
LANGUAGE_NAMES = {"zh_Hans_CN": "中文", "bo": "བོད་ཡིག", "en": "English"}


def normalise_locale(value: str | None) -> str | None:
    """Map any spelling (``zh``, ``zh-CN``, ``zh_Hans``, ``bo-CN``, ``en-GB``) to a locale."""
    if not value:
        return None
    tag = value.strip().replace("_", "-").lower()
    if tag.startswith("zh"):
        return "zh_Hans_CN"
    if tag.startswith("bo"):
        return "bo"
    if tag.startswith("en"):
        return "en"
    return None


def select_locale() -> str:
    """``?lang=`` (remembered in the session), then the browser's languages, then Chinese.

    The ``X-Rentals-Lang`` header asks for one answer in a language without remembering
    it: the service worker keeps the day's pages in every language that way, while the
    inspector's own choice stays as it was.
    """
    if not has_request_context():  # CLI commands and jobs: messages in the default locale
        return DEFAULT_LOCALE
    if request.path.startswith("/api/") and request.endpoint != "api.docs":
        return _api_locale()
    chosen = normalise_locale(request.args.get("lang"))
    if chosen:
        session["lang"] = chosen
        return chosen
    once = normalise_locale(request.headers.get("X-Rentals-Lang"))
    if once:
        return once
    remembered = normalise_locale(session.get("lang"))
    if remembered:
        return remembered
    for tag, _quality in request.accept_languages:
        found = normalise_locale(tag)
        if found:
            return found
    return DEFAULT_LOCALE


def _api_locale() -> str:
    """The JSON API's language: Accept-Language, else the language the token was made in
    (``rentals.api.auth`` notes it before any message is translated), else Chinese;
    remembered nowhere (an API answer sets no cookie)."""
    from flask import g

    for tag, _quality in request.accept_languages:
        found = normalise_locale(tag)
        if found:
            return found
    return normalise_locale(g.get("api_token_locale")) or DEFAULT_LOCALE


def html_lang() -> str:
    return HTML_LANG.get(str(get_locale()), "zh-Hans")


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(
        get_locale=get_locale, html_lang=html_lang, LANGUAGE_NAMES=LANGUAGE_NAMES
    )
    # Templates translate hundreds of messages a page; Flask-Babel's callables look the
    # domain, the locale and its catalogue up again for each one. These look the catalogue
    # up once per request and locale (``force_locale`` swaps the locale object, which
    # starts a new lookup).
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: _translations().ugettext(s),
        ngettext=lambda s, p, n: _translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: _translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: _translations().unpgettext(c, s, p, n),
    )


def _translations() -> Any:
    """The current request's catalogue (Flask-Babel's ``get_translations``), kept on ``g``
    with the locale object it was looked up for."""
    from flask import g
    from flask_babel import get_translations

    if not g:
        return get_translations()
    kept = g.get("_rentals_translations")
    ctx = g.get("_flask_babel")
    locale = getattr(ctx, "babel_locale", None)
    if kept is not None and locale is not None and kept[0] is locale:
        return kept[1]
    found = get_translations()
    locale = getattr(g.get("_flask_babel"), "babel_locale", None)
    if locale is not None:
        g._rentals_translations = (locale, found)
    return found
