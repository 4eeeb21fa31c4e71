"""Uploading a new version of the measures catalogue or of the points rules (a manager's
page, ``rentals incentives upload``), checked like a scorecard upload.

Rules, as this module keeps them:

- The text is measured (64 KB), then parsed and checked key by key by the readers' own
  parsers (``catalogue.parse_catalogue``, ``points_rules.parse_rules``); every problem is
  reported with its line.
- A version comes after every version there is: a higher number, and an ``active_from``
  neither in the past nor before the start of any other version, at most 366 days ahead.
  So versions take effect in number order, and no past day changes its version: entries
  already written and measures already proposed keep theirs.
- Stored versions are rows (``incentive_version``), never changed or deleted; the readers
  take them with the shipped files and choose the one in force by date.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlmodel import Session, select

from rentals import audit
from rentals.errors import InvalidInput
from rentals.incentives.catalogue import (
    MAX_SOURCE_BYTES,
    Catalogue,
    CatalogueError,
    catalogues,
    parse_catalogue,
)
from rentals.incentives.measures import _folder as measures_folder
from rentals.incentives.models import IncentiveVersion
from rentals.incentives.points import _folder as points_folder
from rentals.incentives.points_rules import PointsRules, parse_rules, rules_versions

KINDS = ("measures", "points")
#: The array of tables each kind's body is made of.
BODY = {"measures": "measures", "points": "rules"}
MAX_SCHEDULE_DAYS = 366
_TOML_LINE = re.compile(r"at line (\d+)")
_ROW = re.compile(r"^(?:measures|rules)\[(\d+)\]")
_KEY = re.compile(r"^(version|active_from|title)\b")


@dataclass(frozen=True)
class Problem:
    #: 1-based line of the text it concerns (None: the file as a whole).
    line: int | None
    text: str


class VersionRejected(InvalidInput):
    """The text cannot be a version; ``problems`` lists every problem with its line."""

    def __init__(self, message: Any, problems: list[Problem]) -> None:
        super().__init__(message, field="source")
        self.problems = problems


def _lines_of(text: str, body: str) -> tuple[list[int], dict[str, int]]:
    """Line of each ``[[body]]`` header, and of each top-level key or table."""
    headers, keys = [], {}
    in_body = False
    for n, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if line == f"[[{body}]]":
            headers.append(n)
            in_body = True
        elif line.startswith("["):
            in_body = False
            keys.setdefault(line.strip("[] "), n)
        elif not in_body and "=" in line and not line.startswith("#"):
            keys.setdefault(line.split("=", 1)[0].strip(), n)
    return headers, keys


def locate(text: str, kind: str, problems: list[str]) -> list[Problem]:
    """Each parser problem with the line it concerns."""
    headers, keys = _lines_of(text, BODY[kind])
    located = []
    for problem in problems:
        line: int | None = None
        if found := _TOML_LINE.search(problem):
            line = int(found.group(1))
        elif found := _ROW.match(problem):
            n = int(found.group(1))
            line = headers[n - 1] if 0 < n <= len(headers) else None
        elif found := _KEY.match(problem):
            line = keys.get(found.group(1))
        located.append(Problem(line, problem))
    return located


def known_versions(session: Session, kind: str) -> list[Catalogue] | list[PointsRules]:
    """Every usable version of ``kind`` the readers see (shipped, stored, an instance
    folder's), by number."""
    if kind == "measures":
        return catalogues(measures_folder(), session)
    return rules_versions(points_folder(), session)


def upload_version(
    session: Session, *, actor: Any, kind: str, text: str, today: date
) -> IncentiveVersion:
    """Check ``text`` and store it as a new version of ``kind`` (see the module's rules)."""
    if kind not in KINDS:
        raise InvalidInput(_l("请选择要上传的文件种类。"), field="kind")
    text = (text or "").replace("\r\n", "\n").lstrip("\ufeff")
    if not text.strip():
        raise InvalidInput(_l("请上传文件或粘贴内容。"), field="source")
    if len(text.encode("utf-8")) > MAX_SOURCE_BYTES:
        raise InvalidInput(_l("文件过大，最多 %(n)s 字节。", n=MAX_SOURCE_BYTES), field="source")
    parser = parse_catalogue if kind == "measures" else parse_rules
    try:
        parsed = parser(text)
    except CatalogueError as err:
        raise VersionRejected(
            _l("文件有错误，没有保存。"), locate(text, kind, err.problems)
        ) from None
    versions = known_versions(session, kind)
    newest = max((v.version for v in versions), default=0)
    if parsed.version <= newest:
        raise InvalidInput(
            _l("版本号必须大于已有的所有版本（目前最大为 %(newest)s）。", newest=newest),
            field="source",
        )
    if parsed.active_from < today:
        raise InvalidInput(_l("启用日期不能早于今天。"), field="source")
    latest = max((v.active_from for v in versions), default=None)
    if latest is not None and parsed.active_from < latest:
        raise InvalidInput(
            _l("启用日期不能早于已有版本的启用日期（%(day)s）。", day=latest.isoformat()),
            field="source",
        )
    if parsed.active_from > today + timedelta(days=MAX_SCHEDULE_DAYS):
        raise InvalidInput(
            _l("启用日期最多只能在 %(n)s 天以后。", n=MAX_SCHEDULE_DAYS), field="source"
        )
    row = IncentiveVersion(
        kind=kind,
        version=parsed.version,
        active_from=parsed.active_from,
        title=parsed.title[:300],
        source=text,
        created_by=getattr(actor, "id", None),
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor,
        f"incentives.{kind}_uploaded",
        row,
        {"version": parsed.version, "active_from": parsed.active_from.isoformat()},
    )
    return row


def stored(session: Session, kind: str, version: int) -> IncentiveVersion | None:
    return session.exec(
        select(IncentiveVersion).where(
            IncentiveVersion.kind == kind, IncentiveVersion.version == version
        )
    ).first()


@dataclass(frozen=True)
class VersionLine:
    kind: str
    version: int
    active_from: date
    title: str
    #: "shipped" or "uploaded".
    origin: str
    in_force: bool


def version_lines(session: Session, *, today: date) -> list[VersionLine]:
    """Every version of both kinds, newest first, marking the one in force today."""
    uploaded = {
        (kind, version)
        for kind, version in session.exec(select(IncentiveVersion.kind, IncentiveVersion.version))
    }
    lines = []
    for kind in KINDS:
        versions = known_versions(session, kind)
        started = [v for v in versions if v.active_from <= today]
        current = (started or list(versions))[-1] if versions else None
        for v in reversed(versions):
            lines.append(
                VersionLine(
                    kind,
                    v.version,
                    v.active_from,
                    v.title,
                    "uploaded" if (kind, v.version) in uploaded else "shipped",
                    v is current,
                )
            )
    return lines


def source_of(session: Session, kind: str, version: int) -> str | None:
    """The text of a version, shipped or uploaded (old versions stay readable)."""
    row = stored(session, kind, version)
    if row is not None:
        return row.source
    from rentals.incentives.catalogue import sources

    prefix = "measures-" if kind == "measures" else "points-"
    parser = parse_catalogue if kind == "measures" else parse_rules
    for _name, text in sources(prefix, None, kind):
        try:
            if parser(text).version == version:
                return text
        except CatalogueError:
            continue
    return None
