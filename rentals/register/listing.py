"""The register's list at any depth: keyset pages, kept totals, search routed to an index.

A page is read from an index in the list's order: the first pages by number (OFFSET
within ``PAGE_WINDOW`` pages of either end), every other page from a cursor, the key of
the row before it (``after``) or after it (``before``), so a link stays on the same
rows when units are added and no page costs an OFFSET scan. Totals come from
``unit_tally`` (kept by triggers) when the filters are area, community, status and
rating state; with a search term they are counted up to ``COUNT_CAP`` and estimated
beyond it, and the page marks them so ("约").

Search terms are routed to an index: an 11-digit number is a phone, four digits the
tail of an identity number, anything else a unit-code prefix, a landlord-name prefix or
an address substring (trigram index for three characters or more, ``unit_gram`` for
one or two). A substring found in many units is matched row by row along the list's
own index instead, which finds a page of them after a few hundred rows.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, case, column, func, or_, text, tuple_
from sqlalchemy.orm import aliased
from sqlmodel import Session, select

from rentals.auth.access import area_scope, covering_unit_scope
from rentals.auth.models import Role, User
from rentals.register.models import Area, Community, Person, Tenancy, Unit, UnitGram, UnitTally

#: Pages within this many of either end may be asked for by number (an OFFSET of at
#: most 5,000 index entries); deeper pages are reached by cursor.
PAGE_WINDOW = 100
#: A search's matches are counted up to this many; beyond, the total is an estimate.
COUNT_CAP = 2000
#: Rows of the filtered scope (in id order) a search's share is estimated on.
SAMPLE = 2000
#: An address substring with more index hits than this is matched along the list.
HITS_CAP = 2000
#: Terms that look like unit codes only search the code index.
CODE_LIKE = re.compile(r"[A-Za-z0-9][A-Za-z0-9\-_/]*")
#: Short terms made of code characters only, which ``unit_gram`` does not hold (the
#: migration's GRAM test); those not code-like ("_", "-1") are matched along the list.
GRAMLESS = re.compile(r"[A-Za-z0-9\-_/]+")
#: Public rating states in the order the register shows their counts.
STAR_COLUMNS = ("three", "two", "one", "not_rated", "under_review", "not_yet_rated")


@dataclass(frozen=True)
class _Segment:
    """Part of a sort order with no NULL in its key: stars sort NULLs (not yet rated)
    first when ascending on both engines, as a segment of their own."""

    where: Any
    columns: tuple[Any, ...]


#: Sort keys in ascending order, each walked on an index ``(column, code)`` or
#: ``(filter column, column, code)`` (migration lists_1401). The area sort uses the
#: area's id, not its name, so a page never has to join before it can skip rows.
SORTS: dict[str, tuple[_Segment, ...]] = {
    "code": (_Segment(None, (Unit.code,)),),
    "address": (_Segment(None, (Unit.address, Unit.code)),),
    "area": (_Segment(None, (Unit.area_id, Unit.code)),),
    "stars": (
        _Segment(Unit.stars.is_(None), (Unit.code,)),  # type: ignore[union-attr]
        _Segment(Unit.stars.is_not(None), (Unit.stars, Unit.code)),  # type: ignore[union-attr]
    ),
}


@dataclass(frozen=True)
class UnitFilter:
    q: str = ""
    area_id: int | None = None
    community_id: int | None = None
    status: str | None = None
    rating_status: str | None = None
    sort: str = "code"
    descending: bool = False
    #: A page number (OFFSET near either end), or with a cursor only its label.
    page: int = 1
    per_page: int = 50
    #: Cursor: the page starts after this row's key, or ends before it.
    after: str = ""
    before: str = ""
    #: The last page (for an estimated total, whose page count is unknown).
    last: bool = False


@dataclass
class AreaCounts:
    #: The row's name: an area's, or a community's when the rows are communities.
    area: str
    counts: dict[str, int] = field(default_factory=dict)
    #: A community's row: the id its link filters the register by.
    community_id: int | None = None

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass
class UnitPage:
    rows: list[dict[str, Any]]
    total: int
    page: int
    per_page: int
    filters: UnitFilter = field(default_factory=UnitFilter)
    #: Star counts over the user's scope (or the chosen community), per area, or per
    #: community when it spans several; staff only.
    area_counts: list[AreaCounts] = field(default_factory=list)
    #: False: ``total`` is an estimate (a search with many matches), shown as "约".
    exact: bool = True
    #: Cursors of the pages before and after this one, "" when there is none.
    prev_cursor: str = ""
    next_cursor: str = ""
    #: The page number asked for was too deep to be read by number.
    too_deep: bool = False

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


# -- search -------------------------------------------------------------------------------


def _prefix(col: Any, term: str) -> Any:
    """Prefix match that both engines serve from a plain b-tree index."""
    return (col >= term) & (col < term + "\uffff")


def _person_match(term: str) -> Any | None:
    """People matching a phone number or identity-number tail, or None for other terms."""
    digits = re.sub(r"[\s\-]", "", term)
    if re.fullmatch(r"(\+?86)?1\d{10}", digits):
        return Person.phone == "+86" + digits[-11:]
    if re.fullmatch(r"\d{3}[\dXx]", digits):
        return Person.id_tail == digits.upper()
    if re.fullmatch(r"\d{17}[\dXx]", digits):
        return Person.id_number == digits.upper()
    return None


def _capped(session: Session, stmt: Any, cap: int) -> int:
    """How many rows ``stmt`` (a select of one column) yields, counting at most cap + 1."""
    return session.exec(select(func.count()).select_from(stmt.limit(cap + 1).subquery())).one()


def _fts_hits(term: str) -> Any:
    """The rowid column of the units whose address holds ``term`` (SQLite's trigram FTS)."""
    quoted = '"' + term.replace('"', '""') + '"'
    fts = text("SELECT rowid FROM unit_fts WHERE unit_fts MATCH :q").bindparams(q=quoted)
    return fts.columns(column("rowid")).subquery().c.rowid


def _address_match(session: Session, term: str) -> tuple[Any, bool]:
    """(condition, common): units whose address contains ``term``, through the index of
    its hits when they are few, else (common) a plain LIKE tested along the list's own
    index, which meets a page of them soon."""
    dialect = session.get_bind().dialect.name
    if len(term) <= 2 and GRAMLESS.fullmatch(term):
        return Unit.address.contains(term, autoescape=True), True
    if len(term) <= 2:
        hits: Any = select(UnitGram.unit_id).where(UnitGram.gram == term)
    elif dialect == "sqlite":
        # The term's end first: a phrase's match reads the doclist of every trigram in it,
        # and a city's street names are in a great many addresses (幸福路 in every one:
        # 20 ms for 幸福路996巷 at 10^6 units, 1.5 ms for 996巷). Its hits, when few, are
        # candidates the whole term is then looked for in.
        if len(term) >= 5:
            tail = list(session.scalars(select(_fts_hits(term[-4:])).limit(HITS_CAP + 1)))
            if len(tail) <= HITS_CAP:
                return and_(
                    Unit.id.in_(tail),  # type: ignore[union-attr]
                    Unit.address.contains(term, autoescape=True),
                ), False
        hits = select(_fts_hits(term))
    else:  # PostgreSQL: the trigram index serves the LIKE itself.
        return Unit.address.contains(term, autoescape=True), False
    # The hits are read once, as ids (at most HITS_CAP + 1 of them): as a subquery the
    # index of hits was searched again by the page and again by its count.
    ids = list(session.scalars(select(hits.subquery().c[0]).limit(HITS_CAP + 1)))
    if len(ids) > HITS_CAP:
        return Unit.address.contains(term, autoescape=True), True
    return Unit.id.in_(ids), False  # type: ignore[union-attr]


def _search(session: Session, term: str) -> tuple[Any, bool]:
    """(condition, common) for a search term; common: its matches are many."""
    person_cond = _person_match(term)
    if person_cond is not None:
        people = select(Person.id).where(person_cond)
        tenants = select(Tenancy.unit_id).where(
            Tenancy.moved_out.is_(None), Tenancy.person_id.in_(people)
        )
        return or_(Unit.landlord_id.in_(people), Unit.id.in_(tenants)), False
    if CODE_LIKE.fullmatch(term):
        return _prefix(Unit.code, term.upper()), False
    landlords = select(Person.id).where(_prefix(Person.name, term))
    address, common = _address_match(session, term)
    return or_(_prefix(Unit.code, term.upper()), Unit.landlord_id.in_(landlords), address), common


def in_community(community_id: int) -> Any:
    """SQL condition on ``Unit``: the unit lies in one of the community's areas."""
    return Unit.area_id.in_(select(Area.id).where(Area.community_id == community_id))


def _filter_conditions(session: Session, user: User, flt: UnitFilter) -> list[Any]:
    # No scope at all for a viewer who sees every area (``covering_unit_scope``): with
    # ``area_id IN (every area)`` SQLite reads every unit through the area index and sorts
    # them all for one page (130 ms at 10^6 units) instead of walking the sort's index.
    conditions = [covering_unit_scope(session, user)]
    if flt.area_id:
        conditions.append(Unit.area_id == flt.area_id)
    if flt.community_id:
        conditions.append(in_community(flt.community_id))
    if flt.status:
        conditions.append(Unit.status == flt.status)
    if flt.rating_status:
        conditions.append(Unit.rating_status == flt.rating_status)
    return conditions


def unit_conditions(session: Session, user: User, flt: UnitFilter) -> list[Any]:
    """SQL conditions on ``Unit`` for the register's search and filters within ``user``'s
    scope: the page and the API's cursor list both filter through this."""
    return _conditions(session, user, flt)[0]


def _conditions(session: Session, user: User, flt: UnitFilter) -> tuple[list[Any], bool]:
    conditions, common = _filter_conditions(session, user, flt), False
    if flt.q.strip():
        cond, common = _search(session, flt.q.strip())
        conditions.append(cond)
    return conditions, common


# -- totals ---------------------------------------------------------------------------------


def _tally_conditions(user: User, flt: UnitFilter) -> list[Any]:
    """The filters (not the search) as conditions on ``UnitTally``; the scope by area."""
    conditions: list[Any] = []
    if user.role != Role.ADMIN:
        conditions.append(UnitTally.area_id.in_(select(Area.id).where(area_scope(user))))
    if flt.area_id:
        conditions.append(UnitTally.area_id == flt.area_id)
    if flt.community_id:
        conditions.append(
            UnitTally.area_id.in_(select(Area.id).where(Area.community_id == flt.community_id))
        )
    if flt.status:
        conditions.append(UnitTally.status == flt.status)
    if flt.rating_status:
        conditions.append(UnitTally.rating_status == flt.rating_status)
    return conditions


def _total(
    session: Session, user: User, flt: UnitFilter, conditions: list[Any], common: bool
) -> tuple[int, bool]:
    """(total, exact) for the page: kept counts for staff's filters, a count for a
    landlord's few units, for a search a count up to COUNT_CAP and beyond it an estimate
    (straight away for a term known to be common)."""
    if user.role == Role.LANDLORD:
        return session.exec(select(func.count()).select_from(Unit).where(*conditions)).one(), True
    kept = session.exec(
        select(func.coalesce(func.sum(UnitTally.n), 0)).where(*_tally_conditions(user, flt))
    ).one()
    if not flt.q.strip():
        return int(kept), True
    if common:
        estimate = _estimate(session, user, flt, conditions, kept)
        if estimate > 2 * COUNT_CAP:
            return estimate, False
    found = _capped(session, select(Unit.id).where(*conditions), COUNT_CAP)
    if found <= COUNT_CAP:
        return found, True
    return _estimate(session, user, flt, conditions, kept), False


def _estimate(
    session: Session, user: User, flt: UnitFilter, conditions: list[Any], kept: int
) -> int:
    """Matches estimated from their share among the first SAMPLE units of the filtered
    scope; never below COUNT_CAP + 1 (the count got that far)."""
    sample = (
        select(Unit.id)
        .where(*_filter_conditions(session, user, flt))
        .order_by(Unit.id)
        .limit(SAMPLE)
    )
    sampled, matched = session.exec(
        select(func.count(), func.coalesce(func.sum(case((and_(*conditions), 1), else_=0)), 0))
        .select_from(Unit)
        .where(Unit.id.in_(sample))  # type: ignore[union-attr]
    ).one()
    estimate = round(kept * matched / sampled) if sampled else 0
    return max(estimate, COUNT_CAP + 1)


# -- keyset pages ---------------------------------------------------------------------------


def encode_cursor(segment: int, key: tuple[Any, ...]) -> str:
    raw = json.dumps([segment, *key], ensure_ascii=False, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(token: str, segments: tuple[_Segment, ...]) -> tuple[int, tuple[Any, ...]] | None:
    """(segment, key) of a cursor, or None for anything that is not one of this sort's
    (a stale or hand-made link then opens the first page)."""
    if not token or len(token) > 600:
        return None
    try:
        value = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    except (binascii.Error, ValueError):
        return None
    if not isinstance(value, list) or not value or not isinstance(value[0], int):
        return None
    segment, key = value[0], tuple(value[1:])
    if not 0 <= segment < len(segments) or len(key) != len(segments[segment].columns):
        return None
    for col, part in zip(segments[segment].columns, key, strict=True):
        wanted = int if col.key in ("area_id", "stars") else str
        if type(part) is not wanted or (wanted is str and len(part) > 200):
            return None
    return segment, key


def _walk(
    session: Session,
    conditions: list[Any],
    segments: tuple[_Segment, ...],
    *,
    descending: bool,
    start: tuple[int, tuple[Any, ...]] | None,
    offset: int,
    limit: int,
) -> list[tuple[int, int, tuple[Any, ...]]]:
    """Up to ``limit`` (unit id, segment, key) in the order given, after ``start`` and
    ``offset`` rows, each segment read on its index in turn."""
    order = list(range(len(segments)))
    if descending:
        order.reverse()
    if start is not None:
        order = order[order.index(start[0]) :]
    found: list[tuple[int, int, tuple[Any, ...]]] = []
    for index in order:
        seg = segments[index]
        where = list(conditions) + ([seg.where] if seg.where is not None else [])
        if start is not None and index == start[0]:
            cols, key = seg.columns, start[1]
            left = tuple_(*cols) if len(cols) > 1 else cols[0]
            right = tuple_(*key) if len(cols) > 1 else key[0]
            where.append(left < right if descending else left > right)
        order_by = [c.desc() for c in seg.columns] if descending else list(seg.columns)
        stmt = select(Unit.id, *seg.columns).where(*where).order_by(*order_by)
        rows = session.exec(stmt.offset(offset).limit(limit - len(found))).all()
        found.extend((row[0], index, tuple(row[1:])) for row in rows)
        if len(found) >= limit:
            break
        if rows or not offset:
            offset = 0
        else:  # this whole segment lay inside the offset: skip past it
            offset -= _capped(session, select(Unit.id).where(*where), offset)
    return found


def unit_page(session: Session, user: User, flt: UnitFilter) -> UnitPage:
    conditions, common = _conditions(session, user, flt)
    total, exact = _total(session, user, flt, conditions, common)
    segments = SORTS.get(flt.sort, SORTS["code"])
    n = flt.per_page
    pages = max(1, -(-total // n))
    after = decode_cursor(flt.after, segments)
    before = None if after else decode_cursor(flt.before, segments)
    page, too_deep, backward = max(1, flt.page), False, False
    start, offset, limit = after or before, 0, n + 1
    if start is not None:
        backward, page = before is not None, min(page, pages)
    elif flt.last and not exact:
        backward, page = True, pages
    else:
        page = min(pages if flt.last else page, pages) if exact else page
        if page > PAGE_WINDOW and exact and page > pages - PAGE_WINDOW:
            # Near the end: read backwards; the last page holds what is left over.
            backward = True
            offset = total - min(page * n, total)
            limit = min(page * n, total) - (page - 1) * n + 1
        else:
            if page > PAGE_WINDOW:
                page, too_deep = PAGE_WINDOW, True
            offset = (page - 1) * n
    found = _walk(
        session,
        conditions,
        segments,
        descending=flt.descending != backward,
        start=start,
        offset=offset,
        limit=limit,
    )
    more = len(found) > limit - 1
    found = found[: limit - 1]
    if not backward:
        has_prev, has_next = start is not None or page > 1, more
    else:
        found.reverse()
        if start is not None:
            has_prev, has_next = more, True
        elif not exact:
            has_prev, has_next = more, False
        else:
            has_prev, has_next = page > 1, page < pages
    return UnitPage(
        rows=_rows(session, [f[0] for f in found]),
        total=total,
        page=page,
        per_page=n,
        filters=flt,
        area_counts=star_counts_by_area(session, user, flt.community_id)
        if user.role != Role.LANDLORD
        else [],
        exact=exact,
        prev_cursor=encode_cursor(found[0][1], found[0][2]) if found and has_prev else "",
        next_cursor=encode_cursor(found[-1][1], found[-1][2]) if found and has_next else "",
        too_deep=too_deep,
    )


#: The columns a list row shows: plain rows, not ORM objects (a page of entities cost
#: more than every query of the page together).
ROW_COLUMNS = (
    Unit.id,
    Unit.code,
    Unit.address,
    Unit.area_id,
    Unit.status,
    Unit.rating_status,
    Unit.stars,
    Unit.landlord_id,
)


def _rows(session: Session, ids: list[int]) -> list[dict[str, Any]]:
    """The shown units (``unit``: a row with the columns above) with their area and
    landlord names, in the order of ``ids``."""
    if not ids:
        return []
    landlord = aliased(Person)
    stmt = (
        select(*ROW_COLUMNS, Area.name, landlord.name)
        .join(Area, Area.id == Unit.area_id)
        .outerjoin(landlord, landlord.id == Unit.landlord_id)
        .where(Unit.id.in_(ids))  # type: ignore[union-attr]
    )
    by_id = {
        row[0]: {"unit": row, "area": row[-2], "landlord": row[-1]} for row in session.exec(stmt)
    }
    return [by_id[i] for i in ids if i in by_id]


def star_counts_by_area(
    session: Session, user: User, community_id: int | None = None
) -> list[AreaCounts]:
    """Units per public rating state within ``user``'s scope (of ``community_id`` only
    when given), from the kept ``unit_tally`` (a few rows per area, never a count over the
    units): a row per area, or a row per community when the scope spans several (a city's
    400 areas made the register page a 120 KB table; a community's row links to its
    areas). A last row sums them when there is more than one."""
    conditions = [
        *_tally_conditions(user, UnitFilter(community_id=community_id)),
        UnitTally.n > 0,
    ]

    # Grouped in SQL to the rows shown (400 areas' tally rows read into Python were two
    # thirds of a city's register page): by community first, by area if there is one.
    def grouped(key: Any, name: Any) -> list[Any]:
        return session.exec(
            select(key, name, UnitTally.rating_status, func.sum(UnitTally.n))
            .select_from(UnitTally)
            .join(Area, Area.id == UnitTally.area_id)
            .join(Community, Community.id == Area.community_id)
            .where(*conditions)
            .group_by(key, name, UnitTally.rating_status)
            .order_by(name, key)
        ).all()

    found = grouped(Community.id, Community.name)
    several = len({row[0] for row in found}) > 1
    if not several:
        found = grouped(Area.id, Area.name)
    rows: dict[int, AreaCounts] = {}
    total = AreaCounts("", dict.fromkeys(STAR_COLUMNS, 0))
    for row_key, row_name, status, n in found:
        row = rows.get(row_key)
        if row is None:
            row = rows[row_key] = AreaCounts(
                row_name, dict.fromkeys(STAR_COLUMNS, 0), row_key if several else None
            )
        row.counts[status] = row.counts.get(status, 0) + int(n)
        total.counts[status] = total.counts.get(status, 0) + int(n)
    result = list(rows.values())
    if len(result) > 1:
        result.append(total)
    return result


def active_star_counts(session: Session, user: User | None = None) -> dict[int | None, int]:
    """Active units by current stars (None = not yet rated, 0 = not rated) in ``user``'s
    scope (everything without one), from the kept ``unit_tally``."""
    conditions = [UnitTally.status == "active", UnitTally.n > 0]
    if user is not None:
        conditions += _tally_conditions(user, UnitFilter())
    rows = session.exec(
        select(UnitTally.stars, func.sum(UnitTally.n)).where(*conditions).group_by(UnitTally.stars)
    ).all()
    return {(None if stars < 0 else stars): int(n) for stars, n in rows}
