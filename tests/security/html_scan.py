"""Reading rendered pages: the POST forms they hold, and anything that would run as script."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit


@dataclass
class FormField:
    name: str
    kind: str  # input type, "select" or "textarea"
    value: str = ""
    options: list[str] = field(default_factory=list)
    checked: bool = False


@dataclass
class FormSpec:
    action: str  # path, no query
    query: str
    fields: dict[str, FormField] = field(default_factory=dict)

    def defaults(self) -> dict[str, str]:
        """What a browser would submit untouched (first option of selects, checked boxes)."""
        data: dict[str, str] = {}
        for f in self.fields.values():
            if f.kind in {"checkbox", "radio"}:
                if f.checked:
                    data[f.name] = f.value or "y"
            elif f.kind == "select":
                data[f.name] = f.value or (f.options[0] if f.options else "")
            elif f.kind not in {"submit", "button", "file"}:
                data[f.name] = f.value
        return data


class _Parser(HTMLParser):
    def __init__(self, page_url: str) -> None:
        super().__init__(convert_charrefs=True)
        self.page_url = page_url
        self.forms: list[FormSpec] = []
        self.current: FormSpec | None = None
        self.select: FormField | None = None
        self.textarea: FormField | None = None
        self.problems: list[str] = []
        self.in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: (v or "") for k, v in attrs}
        for name, value in a.items():
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=...> event-handler attribute")
            if name in {"href", "src", "action", "formaction"} and value.strip().lower().startswith(
                "javascript:"
            ):
                self.problems.append(f"<{tag} {name}={value!r}> javascript: URL")
        if tag == "script":
            self.in_script = True
            if not a.get("src"):
                self.problems.append("<script> without src (inline script)")
        if tag == "form" and a.get("method", "get").lower() == "post":
            target = urljoin(self.page_url, a.get("action") or self.page_url)
            parts = urlsplit(target)
            self.current = FormSpec(parts.path, parts.query)
            self.forms.append(self.current)
        if self.current is None:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text").lower()
            self.current.fields[name] = FormField(
                name, kind, a.get("value", ""), checked="checked" in a
            )
        elif tag == "select" and name:
            self.select = FormField(name, "select")
            self.current.fields[name] = self.select
        elif tag == "option" and self.select is not None:
            value = a.get("value", "")
            self.select.options.append(value)
            if "selected" in a:
                self.select.value = value
        elif tag == "textarea" and name:
            self.textarea = FormField(name, "textarea")
            self.current.fields[name] = self.textarea

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.current = None
        elif tag == "select":
            self.select = None
        elif tag == "textarea":
            self.textarea = None
        elif tag == "script":
            self.in_script = False

    def handle_data(self, data: str) -> None:
        if self.in_script and data.strip():
            self.problems.append("<script> with inline code")
        if self.textarea is not None:
            self.textarea.value += data


def parse(html: str, page_url: str) -> _Parser:
    parser = _Parser(page_url)
    parser.feed(html)
    parser.close()
    return parser


def post_forms(html: str, page_url: str) -> list[FormSpec]:
    return parse(html, page_url).forms


def script_problems(html: str, page_url: str = "/") -> list[str]:
    """Everything in the page that could run script despite the CSP (should be none)."""
    return parse(html, page_url).problems
