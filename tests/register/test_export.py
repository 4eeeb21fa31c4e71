"""Exporting the register: import layout, IDs as text, formulas neutralised, clean round trip."""

from __future__ import annotations

import csv
import io

import pytest
from python_calamine import CalamineWorkbook
from sqlmodel import func, select

from rentals.audit.models import AuditEvent
from rentals.register.importer import ImportKind, run_import
from rentals.register.ledger import UNIT_COLUMNS
from tests import factories
from tests.register.ledgers import fixture

HEADERS = [c.header for c in UNIT_COLUMNS]


@pytest.fixture
def hostile(session, world):  # type: ignore[no-untyped-def]
    """A unit whose address and landlord name would run as formulas in a spreadsheet."""
    landlord = factories.make_person(session, name="@SUM(1+1)")
    unit = factories.make_unit(
        session, world.area_a, landlord, code="F-1", address='=HYPERLINK("http://x")'
    )
    session.commit()
    return unit, landlord


def _csv_rows(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def _xlsx_rows(data: bytes) -> list[list[object]]:
    book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    return book.get_sheet_by_index(0).to_python()


@pytest.mark.parametrize("role", ["inspector_a", "landlord_a"])
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_is_for_office_roles_only(login_as, role, fmt) -> None:
    assert login_as(role).get(f"/units/export.{fmt}").status_code == 403


def test_csv_has_bom_import_headers_and_escaped_formulas(login_as, hostile, world) -> None:
    unit, landlord = hostile
    response = login_as("manager").get("/units/export.csv")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    rows = _csv_rows(response.data)
    assert rows[0][: len(HEADERS)] == HEADERS and rows[0][-1] == "星级"
    assert len(rows) == 1 + 3  # world's two units and the hostile one
    row = next(r for r in rows if r[0] == "F-1")
    assert row[2] == '\'=HYPERLINK("http://x")'
    assert row[6] == "'@SUM(1+1)"
    assert row[7] == landlord.id_number
    assert row[8] == landlord.phone.removeprefix("+86")


def test_xlsx_keeps_ids_as_text_and_escapes_formulas(login_as, hostile) -> None:
    _unit, landlord = hostile
    response = login_as("admin").get("/units/export.xlsx")
    assert response.status_code == 200
    rows = _xlsx_rows(response.data)
    assert rows[0][: len(HEADERS)] == HEADERS
    row = next(r for r in rows if r[0] == "F-1")
    assert isinstance(row[7], str) and row[7] == landlord.id_number
    assert isinstance(row[8], str) and row[8] == landlord.phone.removeprefix("+86")
    assert row[2] == '\'=HYPERLINK("http://x")'
    assert row[6] == "'@SUM(1+1)"
    assert row[4] == 2.0  # rooms stay a number


def test_export_is_audited(login_as, session) -> None:
    login_as("manager").get("/units/export.csv")
    session.expire_all()
    count = session.exec(
        select(func.count())
        .select_from(AuditEvent)
        .where(AuditEvent.action == "personal.register.exported")
    ).one()
    assert count == 1


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_reimports_with_nothing_changed(login_as, session, hostile, fmt) -> None:
    run_import(
        session, actor=None, kind=ImportKind.UNITS, data=fixture("units_good.csv"), apply=True
    )
    session.commit()
    data = login_as("manager").get(f"/units/export.{fmt}").data
    session.expire_all()
    report = run_import(session, actor=None, kind=ImportKind.UNITS, data=data, apply=True)
    assert report.ok, report.errors
    assert report.notices == []  # the extra 星级 column is known, not "unknown"
    assert report.changed == []
    assert report.counts()["unit"]["unchanged"] == 9
