"""A ledger as a community office writes it, not as the product exports it (issue 13).

The XLSX below is built cell by cell the way a hand-kept office spreadsheet is: a title
row above the headers, headers with stray spaces and full-width brackets, the field's
own words for house types, full-width digits, phones and a serial date kept as number
cells, dates in five spellings, Tibetan names in Tibetan script, an extra column and
blank rows at the end. It goes in through the CLI (``import-units`` then
``import-tenants``) into an empty register with one community; every expectation below
is written by hand (identity numbers are checked by the test's own MOD 11-2), not taken
from the product's functions.
"""

from __future__ import annotations

import io
from datetime import date, datetime
from decimal import Decimal

import xlsxwriter
from sqlmodel import func, select

from rentals.audit.models import AuditEvent
from rentals.cli import main
from rentals.register.models import Area, Person, Tenancy, Unit
from tests import factories


def _id(body: str) -> str:
    """A valid number from 17 digits, by the test's own GB 11643 check (factories.id_check)."""
    return body + factories.id_check(body)


def _full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


# Landlords: name as written, identity number (as typed into the cell), phone cell.
DORJE = ("བཀྲ་ཤིས་རྡོ་རྗེ", _id("54010219700101001"))
LHAMO = ("次仁拉姆", _id("54012119820315002"))
YANG = ("杨建国", _id("51010419650720003"))
# Phones: 13989007919 kept by the spreadsheet as a number cell; the others as text.
DORJE_PHONE, LHAMO_PHONE, YANG_PHONE = 13989007919, "１３８ ８９０１ ２３４５", "139-0891-0003"

UNIT_TITLE = "扎细社区出租房屋登记台账（2025年3月）"
UNIT_HEADER = [
    " 序号 ",
    "出租房编号",
    "片区",
    "房屋地址",
    "房屋类型",
    "房间数（间）",
    "面积（㎡）",
    "房东姓名",
    "房东身份证号码（18位）",
    "房东联系电话",
    "备注",
]
# (code, area, address, type as written, rooms, area m², landlord, expected type, label)
UNITS = [
    ("ZX-001", "一组", "扎细北路1号", "院落", 3, 120, DORJE, "house", "院落"),
    ("ZX-002", "一组", "扎细北路3号", "单间", 1, 18.5, DORJE, "room", ""),
    ("ZX-003", "二组", "扎细南路2号", "楼房", 2, 65, LHAMO, "apartment", "楼房"),
    ("ZX-004", "二组", "扎细南路4号", "自建房", 5, 200, LHAMO, "house", "自建房"),
    ("ZX-005", "三组", "娘热路7号", "单元房", 3, 88, YANG, "apartment", "单元房"),
    ("ZX-006", "三组", "娘热路9号", "藏式碉楼", 4, 150, YANG, "other", "藏式碉楼"),
]
PHONES = {DORJE: DORJE_PHONE, LHAMO: LHAMO_PHONE, YANG: YANG_PHONE}
E164 = {DORJE: "+8613989007919", LHAMO: "+8613889012345", YANG: "+8613908910003"}

TENANT_TITLE = "流动人口（租户）登记表"
TENANT_HEADER = [
    "出租房编号",
    "租户姓名",
    "公民身份号码",
    "联系电话",
    "入住时间",
    "是否居住登记",
    "备注",
]
# Excel serial 45734 is 2025-03-18 (days since 1899-12-30): 45658 = 2025-01-01, + 76.
TENANTS = [
    ("ZX-001", "ཚེ་རིང་སྒྲོལ་མ", _id("54010219950505001"), 13800000001, date(2025, 3, 18), "是"),
    ("ZX-002", "པདྨ", _id("54010219960606002"), "13800000002", 45734, "否"),
    ("ZX-003", "次旦", _id("63212319900909003"), "", "2025-03-18", "是"),
    ("ZX-004", "央金", _id("54012219881111004"), "13800000004", "2025/3/18", "否"),
    ("ZX-005", "格桑", _id("54010219920202005"), "13800000005", "2025.3.18", "是"),
    ("ZX-006", "王芳", _id("41010519931230006"), "13800000006", "2025年3月18日", "是"),
]
TENANT_DATE_CELLS = {"2025年3月18日": "２０２５年３月１８日"}  # the last written full-width


def _xlsx(title: str, header: list[str], rows: list[list[object]]) -> bytes:
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    sheet = book.add_worksheet("台账")
    date_format = book.add_format({"num_format": "yyyy年m月d日"})
    sheet.merge_range(0, 0, 0, len(header) - 1, title)
    for c, name in enumerate(header):
        sheet.write_string(1, c, name)
    for r, row in enumerate(rows, start=2):
        for c, value in enumerate(row):
            if isinstance(value, str):
                sheet.write_string(r, c, value)
            elif isinstance(value, date):
                sheet.write_datetime(
                    r, c, datetime(value.year, value.month, value.day), date_format
                )
            elif value is not None:
                sheet.write_number(r, c, value)
    # Blank rows at the end, as left by someone clearing old entries.
    for r in range(len(rows) + 2, len(rows) + 6):
        sheet.write_blank(r, 0, None, book.add_format({"border": 1}))
    book.close()
    return out.getvalue()


def units_ledger(wrong_check_in: str | None = None) -> bytes:
    rows: list[list[object]] = []
    for n, (code, area, address, kind, rooms, size, landlord, _t, _l) in enumerate(UNITS, 1):
        name, number = landlord
        if code == wrong_check_in:
            number = number[:17] + ("0" if number[17] != "0" else "1")
        if code == "ZX-003":  # typed on a full-width keyboard, lower-case x would fold too
            number = _full_width(number)
        rows.append(
            [n, code, area, address, kind, rooms, size, name, number, PHONES[landlord], "无"]
        )
    return _xlsx(UNIT_TITLE, UNIT_HEADER, rows)


def tenants_ledger() -> bytes:
    rows: list[list[object]] = []
    for code, name, number, phone, moved_in, registered in TENANTS:
        cell = TENANT_DATE_CELLS.get(moved_in, moved_in) if isinstance(moved_in, str) else moved_in
        rows.append([code, name, number, phone, cell, registered, ""])
    return _xlsx(TENANT_TITLE, TENANT_HEADER, rows)


def _audit(session) -> int:  # type: ignore[no-untyped-def]
    return session.exec(select(func.count()).select_from(AuditEvent)).one()


def test_an_offices_ledger_lands_whole_and_a_reimport_changes_nothing(
    app, session, tmp_path
) -> None:
    community = factories.make_community(session, "扎细社区")
    session.commit()
    units_path = tmp_path / "出租房屋台账.xlsx"
    units_path.write_bytes(units_ledger())
    tenants_path = tmp_path / "租户台账.xlsx"
    tenants_path.write_bytes(tenants_ledger())
    runner = app.test_cli_runner()

    dry = runner.invoke(main, ["import-units", str(units_path)])
    assert dry.exit_code == 0, dry.output
    assert "areas: 3 created" in dry.output
    assert "row 8, 房屋类型:" in dry.output and "藏式碉楼" in dry.output  # the warning
    assert "备注" in dry.output and "序号" in dry.output  # extra columns, ignored with a notice
    session.expire_all()
    assert session.exec(select(func.count()).select_from(Unit)).one() == 0

    applied = runner.invoke(main, ["import-units", str(units_path), "--apply"])
    assert applied.exit_code == 0, applied.output
    tenants = runner.invoke(main, ["import-tenants", str(tenants_path), "--apply"])
    assert tenants.exit_code == 0, tenants.output
    session.expire_all()

    areas = {a.name: a for a in session.exec(select(Area))}
    assert set(areas) == {"一组", "二组", "三组"}
    assert {a.community_id for a in areas.values()} == {community.id}
    units = {u.code: u for u in session.exec(select(Unit))}
    assert set(units) == {u[0] for u in UNITS}
    people = {p.id_number: p for p in session.exec(select(Person))}
    for code, area, address, _k, rooms, size, landlord, kind, label in UNITS:
        unit = units[code]
        assert unit.area_id == areas[area].id
        assert unit.address == address
        assert (unit.unit_type, unit.type_label) == (kind, label)
        assert unit.rooms == rooms
        assert unit.floor_area == Decimal(str(size))
        owner = people[landlord[1]]
        assert unit.landlord_id == owner.id
        assert (owner.name, owner.phone) == (landlord[0], E164[landlord])
    for code, name, number, phone, _moved_in, registered in TENANTS:
        person = people[number]
        assert person.name == name
        assert person.phone == (f"+86{int(phone)}" if phone else None)
        tenancy = session.exec(select(Tenancy).where(Tenancy.person_id == person.id)).one()
        assert tenancy.unit_id == units[code].id
        assert tenancy.moved_in == date(2025, 3, 18)  # every spelling of the same day
        assert tenancy.registered is (registered == "是")
    assert len(people) == 3 + len(TENANTS)

    before = _audit(session)
    again_units = runner.invoke(main, ["import-units", str(units_path), "--apply"])
    again_tenants = runner.invoke(main, ["import-tenants", str(tenants_path), "--apply"])
    assert again_units.exit_code == 0 and again_tenants.exit_code == 0
    assert "units: 0 created, 0 updated, 6 unchanged" in again_units.output
    assert "areas:" not in again_units.output
    assert "tenancies: 0 created, 0 updated, 6 unchanged" in again_tenants.output
    session.expire_all()
    assert _audit(session) == before
    assert session.exec(select(func.count()).select_from(Area)).one() == 3


def test_one_wrong_check_character_writes_nothing_and_names_row_and_column(
    app, session, tmp_path
) -> None:
    factories.make_community(session, "扎细社区")
    session.commit()
    path = tmp_path / "台账.xlsx"
    path.write_bytes(units_ledger(wrong_check_in="ZX-005"))
    before = _audit(session)
    result = app.test_cli_runner().invoke(main, ["import-units", str(path), "--apply"])
    assert result.exit_code == 1
    # Row 7 of the sheet: title row 1, header row 2, ZX-005 is the fifth data row.
    assert "row 7, 房东身份证号码（18位）:" in result.output
    assert "校验位" in result.output
    assert "nothing was written" in result.output
    session.expire_all()
    assert session.exec(select(func.count()).select_from(Unit)).one() == 0
    assert session.exec(select(func.count()).select_from(Area)).one() == 0
    assert session.exec(select(func.count()).select_from(Person)).one() == 0
    assert _audit(session) == before


def test_several_communities_need_one_chosen_for_new_areas(app, session, tmp_path) -> None:
    factories.make_community(session, "扎细社区")
    nyangre = factories.make_community(session, "娘热社区")
    session.commit()
    path = tmp_path / "台账.xlsx"
    path.write_bytes(units_ledger())
    runner = app.test_cli_runner()
    refused = runner.invoke(main, ["import-units", str(path), "--apply"])
    assert refused.exit_code == 1
    assert "请先选择社区" in refused.output
    unknown = runner.invoke(main, ["import-units", str(path), "--community", "没有的社区"])
    assert unknown.exit_code == 1 and "没有的社区" in unknown.output
    chosen = runner.invoke(main, ["import-units", str(path), "--apply", "--community", "娘热社区"])
    assert chosen.exit_code == 0, chosen.output
    session.expire_all()
    areas = session.exec(select(Area)).all()
    assert len(areas) == 3
    assert {a.community_id for a in areas} == {nyangre.id}
