"""The manager's lists at a city's size: the community first, then its areas; the
workload per community; links built from one prefix still open their pages.

``AREA_LIST_MAX`` is lowered to 2 so three areas make a "city"; the expected rows are
worked by hand from the arrangement below, not from the product's queries.
"""

from __future__ import annotations

import re

import pytest
from sqlmodel import select

from rentals import clock
from rentals.auth.models import Role
from rentals.register import queries as register_queries
from rentals.tasks import queries as task_queries
from rentals.tasks.models import Task
from tests import factories
from tests.conftest import csrf_token, login


@pytest.fixture
def city(app, session, world, monkeypatch):  # type: ignore[no-untyped-def]
    """world's community (甲区 unit_a, 乙区 unit_b) and a second one (丙区 with unit_c),
    a manager of both, an inspector of 丙区; at most two areas are listed at once."""
    monkeypatch.setattr(register_queries, "AREA_LIST_MAX", 2)
    with app.app_context():
        second = factories.make_community(session, "第二社区")
        area_c = factories.make_area(session, second, "丙区")
        unit_c = factories.make_unit(session, area_c, factories.make_person(session))
        first_id = world.area_a.community_id
        from rentals.register.models import Community

        first = session.get(Community, first_id)
        boss = factories.make_user(session, Role.MANAGER, communities=(first, second))
        inspector_c = factories.make_user(session, Role.INSPECTOR, areas=(area_c,))
        session.commit()
    return {
        "first": first_id,
        "second": second.id,
        "area_c": area_c,
        "unit_c": unit_c,
        "boss": boss,
        "inspector_c": inspector_c,
    }


def _option_tags(html: str, name: str) -> list[str]:
    select = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', html, re.S)
    assert select, f"no select {name}"
    return re.findall(r"<option([^>]*)>", select.group(1))


def _options(html: str, name: str) -> list[str]:
    return [re.search(r'value="([^"]*)"', tag).group(1) for tag in _option_tags(html, name)]  # type: ignore[union-attr]


def _selected(html: str, name: str) -> list[str]:
    return [
        re.search(r'value="([^"]*)"', tag).group(1)  # type: ignore[union-attr]
        for tag in _option_tags(html, name)
        if re.search(r"\bselected\b", tag)
    ]


def test_register_asks_for_the_community_before_listing_a_citys_areas(client, city, world):
    assert login(client, city["boss"].username).status_code == 302
    html = client.get("/units").get_data(as_text=True)
    assert _options(html, "community") == ["", str(city["first"]), str(city["second"])]
    assert 'id="area-needs-community"' in html
    assert _options(html, "area") == ["", ""]  # "all" and the disabled prompt
    html = client.get("/units", query_string={"community": city["second"]}).get_data(as_text=True)
    assert 'name="area"' not in html  # its only area needs no choice
    assert city["unit_c"].code in html and world.unit_a.code not in html
    html = client.get("/units", query_string={"community": city["first"]}).get_data(as_text=True)
    assert _options(html, "area") == ["", str(world.area_b.id), str(world.area_a.id)]
    assert world.unit_a.code in html and city["unit_c"].code not in html


def test_an_area_alone_selects_its_community_and_a_changed_community_drops_it(client, city, world):
    assert login(client, city["boss"].username).status_code == 302
    html = client.get("/units", query_string={"area": world.area_b.id}).get_data(as_text=True)
    assert _selected(html, "community") == [str(city["first"])]
    assert _selected(html, "area") == [str(world.area_b.id)]
    assert world.unit_b.code in html and world.unit_a.code not in html
    # The community was changed to the second after 乙区 had been chosen: its units show.
    html = client.get(
        "/units", query_string={"community": city["second"], "area": world.area_b.id}
    ).get_data(as_text=True)
    assert city["unit_c"].code in html and world.unit_b.code not in html
    # A small scope lists every area at once, grouped by community, as before.
    html = login_client_as(client, world, "manager").get("/units").get_data(as_text=True)
    assert 'id="area-needs-community"' not in html
    assert _options(html, "area") == ["", str(world.area_b.id), str(world.area_a.id)]


def login_client_as(client, world, key):  # type: ignore[no-untyped-def]
    client.post("/logout", data={"csrf_token": csrf_token(client, "/units")})
    assert login(client, world.users[key].username).status_code == 302
    return client


def test_register_row_links_open_the_unit_files(login_as, world):
    client = login_as("manager")
    html = client.get("/units").get_data(as_text=True)
    links = re.findall(r'<td><a href="([^"]+)">(T-\d+)</a></td>', html)
    assert sorted(code for _href, code in links) == sorted([world.unit_a.code, world.unit_b.code])
    for href, code in links:
        assert href == f"/units/{code}"
        page = client.get(href)
        assert page.status_code == 200 and code in page.get_data(as_text=True)


def _task(session, unit, due, status="open", inspector=None, key="W"):  # type: ignore[no-untyped-def]
    task = Task(
        unit_id=unit.id,
        period_key=f"{key}-{due.isoformat()}-{status}",
        start=due,
        due=due,
        status=status,
        inspector_id=inspector.id if inspector else None,
    )
    session.add(task)
    return task


def test_board_filters_by_community_and_its_links_open_the_reassignment(
    client, city, world, session
):
    today = clock.today()
    monday, _sunday = task_queries.week_of(today)
    _task(session, world.unit_a, monday)
    _task(session, city["unit_c"], monday, inspector=city["inspector_c"])
    _task(session, city["unit_c"], monday, status="done", inspector=city["inspector_c"])
    session.commit()
    assert login(client, city["boss"].username).status_code == 302
    html = client.get("/tasks/board").get_data(as_text=True)
    assert 'data-count="due">3<' in html and 'id="area-needs-community"' in html
    html = client.get("/tasks/board", query_string={"community": city["second"]}).get_data(
        as_text=True
    )
    assert 'data-count="due">2<' in html and 'data-count="done">1<' in html
    assert city["unit_c"].code in html and world.unit_a.code not in html
    assert 'name="area"' not in html  # the community's only area
    reassign = re.findall(r'href="(/tasks/(\d+)/reassign)"', html)
    open_task = session.exec(
        select(Task).where(Task.unit_id == city["unit_c"].id, Task.status == "open")
    ).one()
    assert [int(t) for _h, t in reassign] == [open_task.id]
    assert client.get(reassign[0][0]).status_code == 200
    unit_links = re.findall(r'<a href="(/units/[^"]+)">', html)
    assert f"/units/{city['unit_c'].code}" in unit_links


def test_workload_of_several_communities_is_a_row_each_with_a_total(client, city, world, session):
    today = clock.today()
    start, _end = task_queries.week_of(today)
    ins_a, ins_b = world.users["inspector_a"], world.users["inspector_b"]
    ins_c = city["inspector_c"]
    _task(session, world.unit_a, today, inspector=ins_a, key="A1")
    _task(session, world.unit_a, today, inspector=ins_a, key="A2")
    _task(session, world.unit_b, today, inspector=ins_b, key="B1")
    _task(session, city["unit_c"], start, status="done", inspector=ins_c, key="C1")
    session.commit()
    assert login(client, city["boss"].username).status_code == 302
    html = client.get("/tasks/workload").get_data(as_text=True)
    table = html[html.index('id="workload-communities"') :]
    rows = re.findall(
        r"<tr(?: class=\"total\"[^>]*)?><th scope=\"row\">"
        r"(?:<a href=\"([^\"]+)\">)?([^<]+)(?:</a>)?</th>"
        r"<td>(\d+)</td>\s*<td>(\d+)</td><td>(\d+)</td><td>(\d+)</td></tr>",
        table,
    )
    by_name = {name: tuple(int(x) for x in figures) for _href, name, *figures in rows}
    first_name = next(n for n in by_name if n not in ("第二社区", "全部社区"))
    # inspectors, live, overdue, done this week
    assert by_name[first_name] == (2, 3, 0, 0)
    assert by_name["第二社区"] == (1, 0, 0, 1)
    assert by_name["全部社区"] == (3, 3, 0, 1)
    link = next(href for href, name, *_f in rows if name == "第二社区")
    html = client.get(link.replace("&amp;", "&")).get_data(as_text=True)
    assert 'id="workload"' in html and "workload-communities" not in html
    assert html.count('<th scope="row">测试inspector</th>') == 1  # ins_c only


def test_print_page_lists_the_chosen_communitys_areas_and_keeps_them_on_a_refusal(
    client, city, world
):
    assert login(client, city["boss"].username).status_code == 302
    html = client.get("/print").get_data(as_text=True)
    assert 'id="print-community"' in html
    assert _options(html, "r-area") == [""] and _options(html, "n-area") == [""]
    assert _options(html, "p-area") == [""]  # every area at once stays possible
    html = client.get("/print", query_string={"community": city["first"]}).get_data(as_text=True)
    assert _options(html, "r-area") == ["乙区", "甲区"]
    assert f'action="/print/roster?community={city["first"]}"' in html
    token = csrf_token(client, "/print")
    refused = client.post(
        f"/print/roster?community={city['first']}",
        data={"r-csrf_token": token, "r-area": "乙区"},  # no dates
    )
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert _options(page, "r-area") == ["乙区", "甲区"] and _selected(page, "r-area") == ["乙区"]
