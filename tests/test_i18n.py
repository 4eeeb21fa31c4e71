"""Chinese by default; Tibetan and English on request; odd locale spellings never 500."""

import json
import re
from html.parser import HTMLParser

import pytest

from rentals.i18n import normalise_locale


@pytest.mark.parametrize(
    ("tag", "locale"),
    [
        ("zh", "zh_Hans_CN"),
        ("zh-Hans", "zh_Hans_CN"),
        ("zh_CN", "zh_Hans_CN"),
        ("ZH-hans-cn", "zh_Hans_CN"),
        ("bo", "bo"),
        ("bo-CN", "bo"),
        ("en-GB", "en"),
        ("fr", None),
        ("", None),
        ("../../etc", None),
    ],
)
def test_locale_spellings_are_normalised(tag, locale):
    assert normalise_locale(tag) == locale


def test_chinese_is_the_default(client):
    html = client.get("/login").get_data(as_text=True)
    assert 'lang="zh-Hans"' in html and "登录" in html


@pytest.mark.parametrize(
    ("lang", "text", "html_lang"), [("en", "Sign in", "en"), ("bo", "ནང་འཛུལ།", "bo")]
)
def test_lang_parameter_switches_and_is_remembered(client, lang, text, html_lang):
    html = client.get(f"/login?lang={lang}").get_data(as_text=True)
    assert f'lang="{html_lang}"' in html and text in html
    assert text in client.get("/login").get_data(as_text=True)


def test_browser_language_is_used_when_nothing_was_chosen(client):
    html = client.get("/login", headers={"Accept-Language": "bo-CN,bo;q=0.9"}).get_data(
        as_text=True
    )
    assert 'lang="bo"' in html


@pytest.mark.parametrize("value", ["zh-Hans", "xx", "'; DROP TABLE", "zh-Hans-CN-x-private"])
def test_unexpected_values_fall_back_without_error(client, value):
    response = client.get("/login", query_string={"lang": value})
    assert response.status_code == 200
    response = client.get("/login", headers={"Accept-Language": value})
    assert response.status_code == 200


# --- No Chinese from the catalogue on a Tibetan or English page -------------------------
#
# Every GET page each role may open (the routes table of the security suite, filled with
# the matrix world's objects) is rendered in bo and in en. Its visible text (and the texts
# given to inspect.js, alt/title/placeholder/aria-label) may hold CJK only inside user
# data (the database's own strings: addresses, names, notes) or inside an element marked
# as another language (the 中文 language link). Anything else came from the Chinese
# catalogue, or from Chinese punctuation written into a template around a message.

CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")
TIBETAN = re.compile(r"[\u0f00-\u0fff]")
SHOWN_ATTRS = ("alt", "title", "placeholder", "aria-label", "data-texts", "value")
PAGE_ROLES = ("inspector_a", "landlord_a", "manager", "admin")
#: Pages that are not for reading (files, feeds) or need a finished job to exist.
NOT_PAGES = {"tasks.feed_ics", "static", "inspections.service_worker"}


class _Text(HTMLParser):
    """The page's shown text, without subtrees marked in another language."""

    def __init__(self, page_lang: str) -> None:
        super().__init__(convert_charrefs=True)
        self.page_lang, self.stack, self.out = page_lang, [], []
        self.skip = 0  # depth inside <script>/<style>

    def handle_starttag(self, tag, attrs):  # type: ignore[no-untyped-def]
        attrs = dict(attrs)
        lang = attrs.get("lang")
        other = bool(lang) and not lang.startswith(self.page_lang) and tag != "html"
        if tag not in VOID:
            self.stack.append((tag, other))
        if tag in ("script", "style"):
            self.skip += 1
        if not self._other() and not other:
            self.out.extend(attrs[a] or "" for a in SHOWN_ATTRS if a in attrs)

    def handle_endtag(self, tag):  # type: ignore[no-untyped-def]
        if tag in ("script", "style"):
            self.skip = max(0, self.skip - 1)
        while self.stack:
            if self.stack.pop()[0] == tag:
                break

    def _other(self) -> bool:
        return any(other for _tag, other in self.stack)

    def handle_data(self, data):  # type: ignore[no-untyped-def]
        if not self.skip and not self._other():
            self.out.append(data)


VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}


def shown_text(html: str, page_lang: str) -> str:
    parser = _Text(page_lang)
    parser.feed(html)
    return "\n".join(parser.out)


def _user_data(session) -> list[str]:  # type: ignore[no-untyped-def]
    """Every string stored in the database that holds CJK (longest first)."""
    from sqlalchemy import text

    from rentals.modelbase import SQLModel

    found: set[str] = set()
    for table in SQLModel.metadata.sorted_tables:
        for row in session.execute(text(f'SELECT * FROM "{table.name}"')):
            for value in row:
                if isinstance(value, dict | list):
                    value = json.dumps(value, ensure_ascii=False)
                if not isinstance(value, str):
                    continue
                # The value, and each quoted string inside it (JSON columns, the source
                # text of a scorecard version, whose item texts the pages show).
                values = [value, *re.findall(r'"((?:[^"\\]|\\.)*)"', value)]
                found.update(v for v in values if CJK.search(v))
    return sorted(found, key=len, reverse=True)


def foreign_text(text: str, page_lang: str, user_data: list[str]) -> list[str]:
    for value in user_data:
        text = text.replace(value, " ")
    script = CJK if page_lang in ("bo", "en") else None
    lines = [line.strip() for line in text.splitlines()]
    out = [line for line in lines if script and script.search(line)]
    if page_lang == "en":
        out += [line for line in lines if TIBETAN.search(line)]
    return out


def test_the_scan_finds_chinese_outside_user_data():
    html = (
        '<html lang="bo"><body><p>བཀྲ་ཤིས།（3 分）</p><a lang="zh-Hans">中文</a>'
        '<p>拉萨市城关区</p><img alt="照片"><script>var a = "下一步";</script></body></html>'
    )
    text = shown_text(html, "bo")
    # Punctuation around a message and an untranslated alt text are caught; the language
    # link marked lang="zh-Hans", the address from the database and script code are not.
    assert foreign_text(text, "bo", ["拉萨市城关区"]) == ["བཀྲ་ཤིས།（3 分）", "照片"]


def _page_urls(app, world, session):  # type: ignore[no-untyped-def]
    from tests.security.matrix import build_url, routes
    from tests.security.routes import EXPECTATIONS, ROLE_OF

    pages: dict[str, list[tuple[str, str]]] = {role: [] for role in PAGE_ROLES}
    for rule in routes(app):
        exp = EXPECTATIONS.get(rule.endpoint)
        if exp is None or "GET" not in (rule.methods or ()) or rule.endpoint in NOT_PAGES:
            continue
        url = build_url(app, rule, world, session)
        for role in PAGE_ROLES:
            if exp.roles is None or ROLE_OF[role] in exp.roles:
                pages[role].append((rule.endpoint, url))
    return pages


@pytest.mark.parametrize("lang", ["bo", "en"])
def test_no_page_of_any_role_shows_text_from_another_catalogue(app, world, session, lang):
    from tests.security.matrix import own_context, signed_in_client

    pages = _page_urls(app, world, session)
    session.commit()
    user_data = _user_data(session)
    problems: dict[str, list[str]] = {}
    seen = 0
    for role, urls in pages.items():
        client = signed_in_client(app, world, role)
        for endpoint, url in urls:
            with own_context(app):
                sep = "&" if "?" in url else "?"
                response = client.get(f"{url}{sep}lang={lang}")
            if response.status_code != 200 or response.mimetype != "text/html":
                continue
            seen += 1
            text = shown_text(response.get_data(as_text=True), lang)
            for line in foreign_text(text, lang, user_data):
                problems.setdefault(endpoint, []).append(f"{role} {url}: {line[:80]!r}")
    assert seen > 30, seen  # the walk really rendered the pages of every role
    lines = [line for found in problems.values() for line in found]
    assert not lines, "\n".join([f"{len(lines)} lines:", *lines])


def test_a_language_asked_by_header_is_not_remembered(client):
    """The service worker's way to keep a page in each language (X-Rentals-Lang)."""
    client.get("/login?lang=en")
    html = client.get("/login", headers={"X-Rentals-Lang": "bo"}).get_data(as_text=True)
    assert 'lang="bo"' in html and "ནང་འཛུལ།" in html
    assert 'lang="en"' in client.get("/login").get_data(as_text=True)
    bad = client.get("/login", headers={"X-Rentals-Lang": "../xx"}).get_data(as_text=True)
    assert 'lang="en"' in bad
