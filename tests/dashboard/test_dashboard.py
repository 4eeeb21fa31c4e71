"""The dashboard's figures against counts worked out by hand from a seeded year of visits;
every figure's link opens a list of exactly that many rows, which exports to CSV and XLSX."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from html import unescape

import pytest

from tests.conftest import login
from tests.dashboard import seed as seeding

FIGURE = re.compile(r'data-figure="([^"]+)">(?:<a href="([^"]+)"[^>]*>)?(\d+)')


def _figures(html: str) -> dict[str, tuple[int, str]]:
    return {name: (int(n), unescape(url)) for name, url, n in FIGURE.findall(html)}


def _page(client, url: str) -> str:  # type: ignore[no-untyped-def]
    response = client.get(url)
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    return response.get_data(as_text=True)


def _list_rows(html: str) -> list[str]:
    body = html.split('id="dashboard-list"', 1)
    if len(body) == 1:
        return []
    return re.findall(r'<tr><th scope="row"><a href="/units/([^"]+)"', body[1])


def _xlsx_rows(data: bytes) -> list[list[str]]:
    """Cell texts of the first sheet (inline or shared strings), row by row."""
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        sheet = book.read("xl/worksheets/sheet1.xml").decode()
        shared = []
        if "xl/sharedStrings.xml" in book.namelist():
            shared = re.findall(r"<t[^>]*>([^<]*)</t>", book.read("xl/sharedStrings.xml").decode())
    rows = []
    for row in re.findall(r"<row [^>]*>(.*?)</row>", sheet):
        cells = []
        for attrs, inner in re.findall(r"<c ([^>]*)>(.*?)</c>", row):
            text = re.search(r"<t[^>]*>([^<]*)</t>", inner)
            value = re.search(r"<v>([^<]*)</v>", inner)
            if 't="s"' in attrs and value:
                cells.append(unescape(shared[int(value.group(1))]))
            elif text:
                cells.append(unescape(text.group(1)))
            elif value:
                cells.append(value.group(1))
        rows.append(cells)
    return rows


def test_figures_match_the_seeded_year(client, seeded):  # type: ignore[no-untyped-def]
    login(client, seeded.users["manager"].username)
    html = _page(client, f"/dashboard/?month={seeding.MONTH}")
    figures = _figures(html)
    want = seeding.expected(seeded)
    for name, value in want.items():
        if name.startswith("orders-"):
            continue
        assert figures[name][0] == value, name
    # The data has something in every interesting figure, so equality means something.
    for name in ("rising", "falling", "tasks-overdue", "visits-refused", "rates-stale"):
        assert want[name] > 0, name
    # Incidents: seven logged in January 2027 by hand, less the retracted one and the one
    # at the vacant unit; one of the five had a resident as the victim.
    assert (want["incidents-all"], want["incidents-victim"]) == (5, 1)
    assert want["rates-fire"] < want["rates-inspected"]
    # The work figure is shown with its formula.
    assert re.search(r"= \d+ \+ 2×\d+ \+ 4×\d+", html)
    # Orders by hazard: F1 has three open (two overdue), S3 one open, M1 one overdue.
    table = html.split('id="orders-by-item"', 1)[1].split("</table>", 1)[0]
    rows = re.findall(
        r'<th scope="row">(\w+)</th>\s*<td><a[^>]*>(\d+)</a></td>\s*<td><a[^>]*>(\d+)', table
    )
    assert rows == [("F1", "3", "2"), ("M1", "1", "1"), ("S3", "1", "0")]


def test_the_month_by_month_table_follows_the_newest_rating_at_each_month_end(client, seeded):  # type: ignore[no-untyped-def]
    login(client, seeded.users["manager"].username)
    html = _page(client, f"/dashboard/?month={seeding.MONTH}")
    table = html.split('id="star-history"', 1)[1].split("</table>", 1)[0]
    states = ("three", "two", "one", "not_rated", "under_review", "not_yet_rated")
    got = []
    for cells in re.findall(r"<tr><th scope=\"row\">[\d-]+</th>(.*?)</tr>", table, re.S):
        numbers = [int(n) for n in re.findall(r"<td>(\d+)</td>", cells)]
        got.append({s: n for s, n in zip(states, numbers, strict=True) if n})
    assert got == seeding.history(seeded)
    assert len({tuple(sorted(g.items())) for g in got}) > 3  # it moves month by month


def test_every_figure_links_to_a_list_of_that_many_rows_and_its_exports(client, seeded):  # type: ignore[no-untyped-def]
    login(client, seeded.users["manager"].username)
    html = _page(client, f"/dashboard/?month={seeding.MONTH}")
    links = re.findall(r'<a href="(/dashboard/list/[^"]+)" class="figure-link">(\d+)</a>', html)
    assert len(links) >= 25
    for url, n in links:
        url = unescape(url)
        listing = _page(client, url)
        assert f'data-total="{n}"' in listing, url
        assert len(_list_rows(listing)) == int(n), url
        sep = "&" if "?" in url else "?"
        text = client.get(f"{url}{sep}format=csv").data.decode("utf-8-sig")
        assert len(list(csv.reader(io.StringIO(text)))) == int(n) + 1, url
    xlsx = client.get(f"/dashboard/list/stars/two?month={seeding.MONTH}&format=xlsx")
    assert xlsx.status_code == 200 and xlsx.mimetype.endswith("spreadsheetml.sheet")
    want = seeding.expected(seeded)["stars-two"]
    assert len(_xlsx_rows(xlsx.data)) == want + 1


def test_exports_carry_the_rows_with_formulas_as_text(client, seeded):  # type: ignore[no-untyped-def]
    login(client, seeded.users["manager"].username)
    unit = seeded.units["S"][0]
    state = seeding.state(
        seeding._newest(seeded.visits, [unit], seeding.TODAY).get(unit.id)  # noqa: SLF001
    )
    url = f"/dashboard/list/stars/{state}?month={seeding.MONTH}&area={seeded.areas['S'].id}"
    rows = list(csv.reader(io.StringIO(client.get(url + "&format=csv").data.decode("utf-8-sig"))))
    assert rows[0] == ["编号", "区域", "地址", "评定", "星级"]
    mine = next(r for r in rows if r[0] == unit.code)
    assert mine[1] == "测南区" and mine[2] == "'=1+2"
    sheet = _xlsx_rows(client.get(url + "&format=xlsx").data)
    assert sheet[0] == rows[0]
    mine_x = next(r for r in sheet if r and r[0] == unit.code)
    assert mine_x[:3] == [unit.code, "测南区", "'=1+2"]
    assert [r[0] for r in sheet[1:]] == [r[0] for r in rows[1:]]


def test_an_inspector_sees_the_figures_of_their_area_only(client, seeded):  # type: ignore[no-untyped-def]
    login(client, seeded.users["inspector_S"].username)
    html = _page(client, f"/dashboard/?month={seeding.MONTH}")
    figures = _figures(html)
    want = seeding.expected(seeded, ("S",))
    for name in ("units", "stars-three", "stars-two", "tasks-due", "rates-fire", "rates-stale"):
        assert figures[name][0] == want[name], name
    listing = _page(client, f"/dashboard/list/rates/inspected?month={seeding.MONTH}")
    codes = set(_list_rows(listing))
    assert codes and codes <= {u.code for u in seeded.units["S"]}
    # Asking for another area by its id shows nothing of it.
    other = _figures(
        _page(client, f"/dashboard/?month={seeding.MONTH}&area={seeded.areas['N'].id}")
    )
    assert other["units"][0] == 0


def test_the_community_and_area_filters_narrow_every_figure(client, seeded):  # type: ignore[no-untyped-def]
    login(client, seeded.users["manager"].username)
    community = seeded.areas["X"].community_id
    figures = _figures(_page(client, f"/dashboard/?month={seeding.MONTH}&community={community}"))
    want = seeding.expected(seeded, ("X",))
    for name, value in want.items():
        if not name.startswith("orders-"):
            assert figures[name][0] == value, name
    figures = _figures(
        _page(client, f"/dashboard/?month={seeding.MONTH}&area={seeded.areas['N'].id}")
    )
    want = seeding.expected(seeded, ("N",))
    for name, value in want.items():
        if not name.startswith("orders-"):
            assert figures[name][0] == value, name


def test_landlords_and_visitors_are_kept_out(client, seeded):  # type: ignore[no-untyped-def]
    assert client.get("/dashboard/").status_code == 302
    login(client, seeded.users["landlord"].username)
    assert client.get("/dashboard/").status_code == 403
    assert client.get("/dashboard/list/stars/two").status_code == 403


@pytest.mark.parametrize(
    "url",
    [
        "/dashboard/?month=2027-13",
        "/dashboard/?month=2027-1",
        "/dashboard/?month=%00",
        "/dashboard/?area=abc",
        "/dashboard/?community=99999999999999",
        "/dashboard/list/stars/two?item=" + "x" * 40,
        "/dashboard/list/tasks/due?after=2027-13-01~1",
        "/dashboard/list/tasks/due?after=abc",
        "/dashboard/list/visits/recent?after=2027-01-01T00:00:00~1",
        "/dashboard/list/stars/two?after=" + "x" * 80,
    ],
)
def test_malformed_filters_get_a_clear_error(client, seeded, url):  # type: ignore[no-untyped-def]
    login(client, seeded.users["manager"].username)
    response = client.get(url)
    assert response.status_code in (400, 422), url
    assert "无效" in response.get_data(as_text=True)


def test_unknown_lists_are_404(client, seeded):  # type: ignore[no-untyped-def]
    login(client, seeded.users["manager"].username)
    assert client.get("/dashboard/list/stars/gold").status_code == 404
    assert client.get("/dashboard/list/users/all").status_code == 404


def test_incidents_per_month_and_per_area_match_the_seeded_rows(client, seeded):  # type: ignore[no-untyped-def]
    login(client, seeded.users["manager"].username)
    html = _page(client, f"/dashboard/?month={seeding.MONTH}")
    figures = _figures(html)
    by_month = seeding.incidents_by_month(seeded)
    assert by_month["2027-01"] == 5 and by_month["2026-12"] == 1 and by_month["2026-02"] == 1
    assert sum(by_month.values()) == 8  # the one of January 2026 is outside the twelve months
    for month, n in by_month.items():
        count, url = figures[f"incidents-month-{month}"]
        assert count == n, month
        assert f'data-total="{n}"' in _page(client, url), month
    by_area = seeding.incidents_by_area(seeded)
    assert by_area == {"S": 3, "N": 1, "X": 1}
    for key, area in seeded.areas.items():
        count, url = figures[f"incidents-area-{area.id}"]
        assert count == by_area[key], key
        listing = _page(client, url)
        assert len(_list_rows(listing)) == by_area[key]
        assert set(_list_rows(listing)) <= {u.code for u in seeded.units[key]}
    # An inspector sees their own area's incidents only.
    other = client.application.test_client()
    login(other, seeded.users["inspector_N"].username)
    mine = _figures(_page(other, f"/dashboard/?month={seeding.MONTH}"))
    assert mine["incidents-all"][0] == by_area["N"]
    assert f"incidents-area-{seeded.areas['S'].id}" not in mine


def test_lists_page_by_keyset_without_gaps_or_repeats(client, seeded, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr("rentals.dashboard.views.PER_PAGE", 4)
    login(client, seeded.users["manager"].username)
    for kind_detail in ("tasks/due", "stars/two", "visits/recent", "incidents/all"):
        url = f"/dashboard/list/{kind_detail}?month={seeding.MONTH}"
        whole = list(
            csv.reader(io.StringIO(client.get(url + "&format=csv").data.decode("utf-8-sig")))
        )
        seen: list[str] = []
        pages = 0
        while url:
            html = _page(client, url)
            seen.extend(_list_rows(html))
            pages += 1
            nxt = re.search(r'<a href="([^"]+)" rel="next">', html)
            url = unescape(nxt.group(1)) if nxt else ""
        assert seen == [r[0] for r in whole[1:]], kind_detail
        assert pages == max(1, -(-len(seen) // 4)), kind_detail


def test_task_lists_read_in_due_order_give_the_same_rows(client, seeded, monkeypatch):  # type: ignore[no-untyped-def]
    """A scope holding much of the city reads its tasks in due order (``figures.narrow`` is
    false), a small one from its units: the same rows in the same order, as many as the
    figure says, with and without a filter."""
    login(client, seeded.users["manager"].username)
    for query in ("", f"&area={seeded.areas['N'].id}"):
        html = _page(client, f"/dashboard/?month={seeding.MONTH}{query}")
        links = re.findall(
            r'<a href="(/dashboard/list/tasks/[^"]+)" class="figure-link">(\d+)</a>', html
        )
        assert len(links) >= 3
        narrow = {unescape(url): _list_rows(_page(client, unescape(url))) for url, _n in links}
        monkeypatch.setattr("rentals.dashboard.figures.NARROW", 0)
        for url, n in links:
            rows = _list_rows(_page(client, unescape(url)))
            assert rows == narrow[unescape(url)] and len(rows) == int(n), url
        monkeypatch.undo()
