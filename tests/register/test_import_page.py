"""The upload page: managers only, CSRF, preview first, apply by re-upload, 4xx on errors."""

from __future__ import annotations

import io

import pytest
from sqlmodel import select

from rentals.register.models import Area, Unit
from tests import factories
from tests.conftest import csrf_token
from tests.register.ledgers import UNIT_HEADERS, csv_bytes, fixture

URL = "/units/import"


def _post(client, data: bytes, *, kind: str = "units", apply: bool = False, token=None):  # type: ignore[no-untyped-def]
    form = {
        "kind": kind,
        "file": (io.BytesIO(data), "台账.csv"),
        "csrf_token": token if token is not None else csrf_token(client, URL),
    }
    if apply:
        form["apply"] = "y"
    return client.post(URL, data=form, content_type="multipart/form-data")


def _unit(session, code: str):  # type: ignore[no-untyped-def]
    session.expire_all()
    return session.exec(select(Unit).where(Unit.code == code)).first()


@pytest.mark.parametrize("role", ["inspector_a", "landlord_a"])
def test_page_is_for_office_roles_only(login_as, role) -> None:
    client = login_as(role)
    assert client.get(URL).status_code == 403


def test_anonymous_goes_to_login(client, world) -> None:
    response = client.get(URL)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_nav_links_to_the_import_page(login_as) -> None:
    html = login_as("manager").get("/units").get_data(as_text=True)
    assert 'href="/units/import"' in html
    assert 'href="/units/export.xlsx"' in html


def test_post_without_csrf_is_rejected_and_writes_nothing(login_as, session) -> None:
    client = login_as("manager")
    response = _post(client, fixture("units_good.csv"), apply=True, token="")
    assert response.status_code == 400
    assert _unit(session, "ZX-N-001") is None


def test_preview_then_apply(login_as, session) -> None:
    client = login_as("admin")
    preview = _post(client, fixture("units_good.csv"))
    assert preview.status_code == 200
    html = preview.get_data(as_text=True)
    assert "预览（尚未写入）" in html and "ZX-N-006" in html
    assert _unit(session, "ZX-N-001") is None

    applied = _post(client, fixture("units_good.csv"), apply=True)
    assert applied.status_code == 200
    assert "已写入" in applied.get_data(as_text=True)
    assert _unit(session, "ZX-N-001") is not None

    again = _post(client, fixture("units_good.csv"), apply=True)
    assert "没有需要写入的变动" in again.get_data(as_text=True)


def test_file_with_errors_answers_422_and_lists_row_and_column(login_as, session) -> None:
    client = login_as("manager")
    rows = [
        UNIT_HEADERS,
        ["OK-1", "甲区", "路1号", "", "", "", "", "", ""],
        # Wrong check character: 54010219900101123 takes 3 (weighted sum 185, mod 11 = 9).
        ["OK-2", "甲区", "路2号", "", "", "", "次仁", "540102199001011230", ""],
    ]
    response = _post(client, csv_bytes(rows), apply=True)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "没有写入任何内容" in html
    assert "<td>3</td><td>房东身份证号</td>" in html
    assert _unit(session, "OK-1") is None


def test_personal_numbers_are_masked_in_the_preview(login_as) -> None:
    client = login_as("manager")
    html = _post(client, fixture("units_good.csv")).get_data(as_text=True)
    assert "540102197511200123" not in html
    assert "540102********0123" in html


def _post_to(client, data: bytes, community_id: int, *, apply: bool) -> object:  # type: ignore[no-untyped-def]
    form = {
        "kind": "units",
        "community": str(community_id),
        "file": (io.BytesIO(data), "台账.csv"),
        "csrf_token": csrf_token(client, URL),
    }
    if apply:
        form["apply"] = "y"
    return client.post(URL, data=form, content_type="multipart/form-data")


def test_one_community_needs_no_choice_and_new_areas_are_created(login_as, session) -> None:
    client = login_as("manager")
    assert 'name="community"' not in client.get(URL).get_data(as_text=True)
    rows = [UNIT_HEADERS, ["NEW-1", "新建片区", "新路1号", "院落", "2", "", "", "", ""]]
    preview = _post(client, csv_bytes(rows))
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200
    assert "新建片区" in html and "区域" in html
    assert _unit(session, "NEW-1") is None
    applied = _post(client, csv_bytes(rows), apply=True)
    assert applied.status_code == 200
    unit = _unit(session, "NEW-1")
    assert unit is not None and (unit.unit_type, unit.type_label) == ("house", "院落")
    area = session.get(Area, unit.area_id)
    assert area is not None and area.name == "新建片区"


def test_several_communities_offer_a_choice_and_areas_go_to_the_chosen_one(
    login_as, session, world
) -> None:
    other = factories.make_community(session, "娘热社区")
    session.commit()
    client = login_as("admin")  # a manager is offered only the communities they belong to
    page = client.get(URL).get_data(as_text=True)
    assert 'name="community"' in page and "娘热社区" in page
    rows = [UNIT_HEADERS, ["NR-1", "娘热一组", "娘热路1号", "商住", "2", "", "", "", ""]]
    applied = _post_to(client, csv_bytes(rows), other.id, apply=True)
    assert applied.status_code == 200, applied.get_data(as_text=True)
    unit = _unit(session, "NR-1")
    assert unit is not None and (unit.unit_type, unit.type_label) == ("other", "商住")
    area = session.get(Area, unit.area_id)
    assert area is not None and area.community_id == other.id


def test_unknown_house_type_is_a_warning_on_the_page_not_a_refusal(login_as, session) -> None:
    client = login_as("manager")
    rows = [UNIT_HEADERS, ["W-1", "甲区", "路1号", "铁皮房", "", "", "", "", ""]]
    response = _post(client, csv_bytes(rows), apply=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "import-warnings" in html and "铁皮房" in html
    unit = _unit(session, "W-1")
    assert unit is not None and (unit.unit_type, unit.type_label) == ("other", "铁皮房")


def test_editing_an_imported_unit_keeps_the_ledgers_word_for_its_type(login_as, session) -> None:
    client = login_as("manager")
    rows = [UNIT_HEADERS, ["K-1", "甲区", "路1号", "平房", "2", "", "", "", ""]]
    assert _post(client, csv_bytes(rows), apply=True).status_code == 200
    unit = _unit(session, "K-1")
    path = "/units/K-1/edit"
    form = {
        "code": "K-1",
        "area_id": str(unit.area_id),
        "address": "路1号改",
        "street": "",
        "house_number": "",
        "unit_type": "house",
        "rooms": "2",
        "floor_area": "",
        "status": "active",
        "landlord_id_number": "",
        "csrf_token": csrf_token(client, path),
    }
    assert client.post(path, data=form).status_code == 302
    assert (_unit(session, "K-1").type_label, _unit(session, "K-1").address) == ("平房", "路1号改")
    form.update(unit_type="room", csrf_token=csrf_token(client, path))
    assert client.post(path, data=form).status_code == 302
    assert (_unit(session, "K-1").unit_type, _unit(session, "K-1").type_label) == ("room", "")
