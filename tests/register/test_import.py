"""Importing the paper ledger: all or nothing, idempotent, tolerant of real-world files."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import func, select

from rentals.audit.models import AuditEvent
from rentals.register.importer import ImportKind, run_import
from rentals.register.models import Person, Tenancy, Unit
from tests import factories
from tests.register.ledgers import (
    TENANT_HEADERS,
    UNIT_HEADERS,
    csv_bytes,
    fixture,
    xlsx_bytes,
)

ID_A = factories.valid_id_number(501, birth="19800101")
ID_B = factories.valid_id_number(502, birth="19810202")


def _audit_count(session) -> int:  # type: ignore[no-untyped-def]
    return session.exec(select(func.count()).select_from(AuditEvent)).one()


def _units(session, data: bytes, apply: bool = True):  # type: ignore[no-untyped-def]
    return run_import(session, actor=None, kind=ImportKind.UNITS, data=data, apply=apply)


def _tenants(session, data: bytes, apply: bool = True):  # type: ignore[no-untyped-def]
    return run_import(session, actor=None, kind=ImportKind.TENANTS, data=data, apply=apply)


def _unit(session, code: str) -> Unit | None:  # type: ignore[no-untyped-def]
    return session.exec(select(Unit).where(Unit.code == code)).first()


def test_good_file_imports_and_second_import_changes_nothing(session, world) -> None:
    report = _units(session, fixture("units_good.csv"))
    assert report.ok, report.errors
    assert report.applied
    counts = report.counts()
    assert counts["unit"]["created"] == 6
    assert counts["person"]["created"] == 3
    unit = _unit(session, "ZX-N-002")
    assert unit is not None and unit.address == "扎细北路2号"
    assert unit.unit_type == "house" and unit.rooms == 3 and str(unit.floor_area) == "30.50"
    assert unit.area_id == world.area_a.id
    landlord = session.get(Person, unit.landlord_id)
    assert landlord.name == "尼玛" and landlord.phone == "+8613908901003"

    session.flush()
    before = _audit_count(session)
    again = _units(session, fixture("units_good.csv"))
    assert again.ok
    assert again.counts()["unit"] == {"unchanged": 6}
    assert again.counts()["person"] == {"unchanged": 3}
    assert again.changed == []
    session.flush()
    assert _audit_count(session) == before


def test_tenants_import_then_reimport_is_unchanged(session, world) -> None:
    assert _units(session, fixture("units_good.csv")).ok
    report = _tenants(session, fixture("tenants_good.csv"))
    assert report.ok, report.errors
    assert report.counts()["tenancy"]["created"] == 4
    person = session.exec(select(Person).where(Person.name == "次旦")).one()
    tenancy = session.exec(select(Tenancy).where(Tenancy.person_id == person.id)).one()
    assert tenancy.moved_in == date(2026, 1, 2) and tenancy.registered is False
    assert tenancy.source == "import"
    session.flush()
    before = _audit_count(session)
    again = _tenants(session, fixture("tenants_good.csv"))
    assert again.ok and again.changed == []
    assert again.counts()["tenancy"] == {"unchanged": 4}
    session.flush()
    assert _audit_count(session) == before


def test_changed_registration_is_an_audited_update(session, world) -> None:
    assert _units(session, fixture("units_good.csv")).ok
    assert _tenants(session, fixture("tenants_good.csv")).ok
    rows = [TENANT_HEADERS, ["ZX-N-002", "次旦", "540102199202121025", "", "2026-01-02", "是"]]
    report = _tenants(session, csv_bytes(rows))
    assert report.ok
    assert [(c.subject, c.action, c.columns) for c in report.changed] == [
        ("tenancy", "updated", ("居住登记",))
    ]
    session.flush()
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "tenancy.updated")).one()
    assert event.data == {"registered": [False, True]}


def test_one_bad_identity_number_writes_nothing_and_names_row_and_column(session, world) -> None:
    good = fixture("units_good.csv").decode("utf-8").splitlines()
    bad_id = "540102197003050118"  # check character wrong (the right one is 4)
    lines = [*good[:4], good[4].replace("540102197511200123", bad_id), *good[5:]]
    session.flush()
    before = _audit_count(session)
    report = _units(session, "\n".join(lines).encode("utf-8"))
    assert not report.ok and not report.applied
    assert [(e.row, e.column) for e in report.errors] == [(5, "房东身份证号")]
    assert "校验位" in str(report.errors[0].message)
    session.flush()
    assert _unit(session, "ZX-N-001") is None
    assert _audit_count(session) == before


def test_error_found_while_applying_rolls_back_rows_already_written(session, world) -> None:
    """A tenant already living elsewhere is caught in the plan; rows before it stay unwritten."""
    assert _units(session, fixture("units_good.csv")).ok
    rows = [
        TENANT_HEADERS,
        ["ZX-N-001", "新人", ID_A, "", "2026-02-01", "是"],
        ["ZX-N-002", world.tenant_a.name, world.tenant_a.id_number, "", "2026-02-01", "否"],
    ]
    report = _tenants(session, csv_bytes(rows))
    assert [(e.row, e.column) for e in report.errors] == [(3, "单元编号")]
    assert "请先登记搬离" in str(report.errors[0].message)
    assert session.exec(select(Person).where(Person.id_number == ID_A)).first() is None


@pytest.mark.parametrize(
    "cell", ["5.401021990010113e+17", "540102199001011235.0", "5.40102199001011E+17"]
)
def test_float_identity_numbers_are_rejected_as_stored_as_numbers(session, world, cell) -> None:
    rows = [TENANT_HEADERS, [world.unit_a.code, "白玛", cell, "", "2026-01-05", "是"]]
    report = _tenants(session, csv_bytes(rows))
    assert [(e.row, e.column) for e in report.errors] == [(2, "身份证号")]
    assert "当作数字" in str(report.errors[0].message)


def test_phone_kept_as_a_number_is_accepted_when_no_digit_was_lost(session, world) -> None:
    rows = [
        TENANT_HEADERS,
        [world.unit_a.code, "白玛", ID_A, "13812345678.0", "2026-01-05", ""],
        [world.unit_b.code, "央金", ID_B, "1.38123456E+10", "2026-01-05", ""],
    ]
    report = _tenants(session, csv_bytes(rows))
    assert [(e.row, e.column) for e in report.errors] == [(3, "电话")]
    assert "丢失" in str(report.errors[0].message)
    rows.pop()
    assert _tenants(session, csv_bytes(rows)).ok
    person = session.exec(select(Person).where(Person.id_number == ID_A)).one()
    assert person.phone == "+8613812345678"


def test_xlsx_with_numeric_id_cell_is_rejected_and_numeric_phone_accepted(session, world) -> None:
    rows = [
        TENANT_HEADERS,
        [world.unit_a.code, "白玛", 5.401021990010113e17, "13812345678", date(2026, 1, 5), "是"],
        [world.unit_b.code, "央金", ID_B, 13812345679, date(2026, 1, 6), 1],
    ]
    report = _tenants(session, xlsx_bytes(rows))
    assert [(e.row, e.column) for e in report.errors] == [(2, "身份证号")]
    assert "当作数字" in str(report.errors[0].message)

    rows[1][2] = ID_A
    report = _tenants(session, xlsx_bytes(rows))
    assert report.ok, report.errors
    person = session.exec(select(Person).where(Person.id_number == ID_B)).one()
    assert person.phone == "+8613812345679"
    tenancy = session.exec(select(Tenancy).where(Tenancy.person_id == person.id)).one()
    assert tenancy.moved_in == date(2026, 1, 6) and tenancy.registered is True


@pytest.mark.parametrize("encoding", ["gb18030", "utf-8-sig", "utf-8"])
def test_csv_encodings(session, world, encoding) -> None:
    rows = [UNIT_HEADERS, ["ENC-1", "乙区", "扎细南路8号", "单间", "1", "", "", "", ""]]
    report = _units(session, csv_bytes(rows, encoding))
    assert report.ok, report.errors
    assert _unit(session, "ENC-1").address == "扎细南路8号"


def test_ledger_written_by_someone_else_imports_as_it_is(session, world) -> None:
    """Title row, English aliases in odd case, full-width spaces, an extra column,
    blank lines, 2026/1/5 and 2026年1月5日 dates, yes/no answers."""
    text = (
        "扎细社区租户登记表（2026年1月）,,,,,,\r\n"
        " Code ,NAME,\u3000Id_Number\u3000,Phone,Moved_In,Registered,备注\r\n"
        ",,,,,,\r\n"
        f"{world.unit_a.code.lower()},\u3000白玛 ,{ID_A},"
        " 138 1234 5678,2026/1/5,yes,新来的\r\n"
        "\r\n"
        f"{world.unit_b.code},央金,{ID_B},,2026年1月6日,否,\r\n"
        ",,,,,,\r\n"
    )
    report = _tenants(session, text.encode("gb18030"))
    assert report.ok, report.errors
    assert [str(n) for n in report.notices] == ["已忽略未知的列：备注。"]
    assert report.rows == 2
    assert report.counts()["tenancy"]["created"] == 2
    pema = session.exec(select(Person).where(Person.id_number == ID_A)).one()
    assert pema.name == "白玛" and pema.phone == "+8613812345678"
    tenancy = session.exec(select(Tenancy).where(Tenancy.person_id == pema.id)).one()
    assert tenancy.moved_in == date(2026, 1, 5) and tenancy.registered is True
    assert tenancy.unit_id == world.unit_a.id


def test_unit_aliases_and_row_numbers_count_blank_lines(session, world) -> None:
    rows = [
        ["code", "AREA", "Address", "type", "rooms", "floor_area (㎡)", "landlord_name"],
        ["X-1", "甲区", "路1号", "Apartment", "2", "20", ""],
        ["", "", "", "", "", "", ""],
        ["X-2", "丙区", "路2号", "宫殿", "-1", "abc", "某人"],
    ]
    report = _units(session, csv_bytes(rows))
    assert [(e.row, e.column) for e in report.errors] == [
        (4, "rooms"),
        (4, "floor_area (㎡)"),
        (4, "房东身份证号"),  # column absent: its Chinese header
    ]
    assert str(report.errors[0].message) == "房间数应在 0 到 500 之间。"
    # An area the community lacks is to be created, an unknown house type a warning.
    assert ("area", "丙区", "created") in [(c.subject, c.key, c.action) for c in report.changes]
    assert [(w.row, w.column) for w in report.warnings] == [(4, "type")]
    assert "宫殿" in str(report.warnings[0].message)
    assert _unit(session, "X-1") is None


def test_duplicates_inside_the_file_are_errors(session, world) -> None:
    units = [
        UNIT_HEADERS,
        ["D-1", "甲区", "路1号", "", "", "", "", "", ""],
        ["d-1", "甲区", "路1号", "", "", "", "", "", ""],
    ]
    report = _units(session, csv_bytes(units))
    assert [(e.row, e.column) for e in report.errors] == [(3, "单元编号")]
    assert "第 2 行" in str(report.errors[0].message)

    tenants = [
        TENANT_HEADERS,
        [world.unit_a.code, "白玛", ID_A, "", "2026-01-05", "是"],
        [world.unit_b.code, "白玛", ID_A, "", "2026-01-05", "是"],
    ]
    report = _tenants(session, csv_bytes(tenants))
    assert [(e.row, e.column) for e in report.errors] == [(3, "身份证号")]


def test_same_landlord_with_two_names_is_an_error(session, world) -> None:
    rows = [
        UNIT_HEADERS,
        ["L-1", "甲区", "路1号", "", "", "", "次仁", ID_A, ""],
        ["L-2", "甲区", "路2号", "", "", "", "次仁", ID_A, ""],
        ["L-3", "甲区", "路3号", "", "", "", "多吉", ID_A, ""],
    ]
    report = _units(session, csv_bytes(rows))
    assert [(e.row, e.column) for e in report.errors] == [(4, "房东身份证号")]


def test_update_keeps_fields_the_ledger_does_not_hold(session, world) -> None:
    unit = world.unit_a
    street, house = unit.street, unit.house_number
    landlord = world.landlord_a
    rows = [
        UNIT_HEADERS,
        [unit.code, "乙区", "新地址9号", "套房", "5", "", "", landlord.id_number, ""],
    ]
    report = _units(session, csv_bytes(rows))
    assert report.ok, report.errors
    change = [c for c in report.changes if c.subject == "unit"][0]
    assert change.action == "updated"
    assert set(change.columns) == {"区域", "地址", "房屋类型", "房间数"}
    session.refresh(unit)
    assert (unit.area_id, unit.address, unit.rooms) == (world.area_b.id, "新地址9号", 5)
    assert (unit.street, unit.house_number, unit.landlord_id) == (street, house, landlord.id)


def test_dry_run_reports_the_same_and_writes_nothing(session, world) -> None:
    session.flush()
    before = _audit_count(session)
    dry = _units(session, fixture("units_good.csv"), apply=False)
    assert dry.ok and not dry.applied
    session.flush()
    assert _audit_count(session) == before
    assert _unit(session, "ZX-N-001") is None
    real = _units(session, fixture("units_good.csv"))
    assert real.changes == dry.changes


@pytest.mark.parametrize(
    ("data", "needle"),
    [
        (b"", "空"),
        ("序号,备注\n1,次仁\n".encode(), "表头"),
        ("单元编号,姓名\nA,B\n".encode(), "缺少必需的列"),
        (b"PK\x03\x04garbage", "不是有效的 XLSX"),
    ],
    ids=["empty", "no-header", "missing-columns", "broken-xlsx"],
)
def test_unreadable_files_are_a_file_error(session, world, data, needle) -> None:
    report = _tenants(session, data)
    assert not report.ok
    assert report.errors[0].row == 0 and needle in str(report.errors[0].message)


def test_common_header_spellings_are_understood(session, world) -> None:
    rows = [
        ["房屋编号", "租户姓名", "身份证号码", "联系电话", "入住时间", "是否居住登记"],
        [world.unit_b.code, "央金", ID_B, "13812345670", "2026.2.1", "已登记"],
    ]
    report = _tenants(session, csv_bytes(rows))
    assert report.ok, report.errors
    assert report.counts()["tenancy"]["created"] == 1


def test_batches_commit_as_they_go_and_a_reimport_completes_a_crashed_apply(
    session, world, monkeypatch
) -> None:
    from rentals.register import services

    rows = [UNIT_HEADERS] + [
        [f"B-{i:02d}", "甲区", f"批次路{i}号", "单间", "1", "", "", "", ""] for i in range(7)
    ]
    data = csv_bytes(rows)
    commits: list[int] = []

    def next_transaction() -> None:
        session.commit()
        commits.append(len(commits))

    real = services.create_units
    calls: list[int] = []

    def crash_on_the_third_batch(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("power cut")
        return real(*args, **kwargs)

    monkeypatch.setattr(services, "create_units", crash_on_the_third_batch)
    with pytest.raises(RuntimeError):
        run_import(
            session,
            actor=None,
            kind=ImportKind.UNITS,
            data=data,
            apply=True,
            next_transaction=next_transaction,
            batch_size=3,
        )
    session.rollback()
    written = sorted(session.exec(select(Unit.code).where(Unit.code.like("B-%"))).all())
    assert written == [f"B-{i:02d}" for i in range(6)]  # two batches of three were committed

    monkeypatch.setattr(services, "create_units", real)
    report = run_import(
        session,
        actor=None,
        kind=ImportKind.UNITS,
        data=data,
        apply=True,
        next_transaction=next_transaction,
        batch_size=3,
    )
    assert report.ok and report.applied
    assert report.counts()["unit"] == {"unchanged": 6, "created": 1}
    assert report.batches == 3  # the plan's rows, in batches of three
    assert len(session.exec(select(Unit).where(Unit.code.like("B-%"))).all()) == 7
