"""Hostile spreadsheets are refused before any parser sees them (issue 14.1): quickly,
with flat memory, with a translated reason, by the page and the CLI alike, writing nothing."""

from __future__ import annotations

import io
import time
import tracemalloc

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import func, select

from rentals.audit.models import AuditEvent
from rentals.cli import main
from rentals.register.importer import ImportKind, run_import
from rentals.register.ledger import LedgerError
from rentals.register.models import Area, Person, Unit
from rentals.register.sheet_limits import Limits, check_upload, read_stream
from tests.conftest import csrf_token
from tests.register import hostile
from tests.register.ledgers import TENANT_HEADERS, UNIT_HEADERS, csv_bytes

URL = "/units/import"


def _letters(column: int) -> str:
    """Column number → letters, written here rather than taken from the product."""
    out = ""
    while column:
        column, rest = divmod(column - 1, 26)
        out = chr(65 + rest) + out
    return out


def test_column_letters_helper():
    assert [_letters(n) for n in (1, 26, 27, 64, 16384)] == ["A", "Z", "AA", "BL", "XFD"]


def _refusal(data: bytes, limits: Limits | None = None) -> str:
    with pytest.raises(LedgerError) as err:
        check_upload(data, limits or Limits())
    return str(err.value.message)


def _measured(data: bytes) -> tuple[float, int, str]:
    """Seconds, peak traced bytes and the refusal of a whole import (units, dry run)."""
    tracemalloc.start()
    start = time.perf_counter()
    try:
        check_upload(data, Limits())
    except LedgerError as err:
        message = str(err.message)
    else:
        message = ""
    seconds = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return seconds, peak, message


@pytest.mark.parametrize("declare", [True, False], ids=["dimension", "cell-reference-only"])
def test_sparse_sheet_bomb_is_refused_fast_with_flat_memory(declare) -> None:
    data = hostile.sparse_bomb("XFD1048576", declare=declare)
    assert len(data) < 2000  # the 1.6 KB file of the issue
    seconds, peak, message = _measured(data)
    assert "行" in message
    assert seconds < 1.0
    assert peak < 2 * 1024 * 1024


@pytest.mark.parametrize(
    ("data", "needle"),
    [
        (hostile.sparse_bomb("BM2", declare=False), "64 列"),
        (hostile.sparse_bomb("A200001"), "200000 行"),
        (hostile.unreferenced_columns(65), "64 列"),
        (hostile.billion_laughs(), "DTD"),
        (hostile.many_members(1001), "文件过多"),
        (hostile.declared_huge(), "解压后过大"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "XLSX"),
        (b"PK\x03\x04 not a zip at all", "不是有效的 XLSX"),
    ],
    ids=[
        "column-65",
        "row-200001",
        "65-cells-without-references",
        "dtd-entities",
        "zip-members",
        "declared-size",
        "old-xls",
        "broken-zip",
    ],
)
def test_hostile_workbooks_are_refused_with_a_reason(data, needle) -> None:
    assert needle in _refusal(data)


def test_rows_without_references_are_counted() -> None:
    limits = Limits(max_rows=50)
    assert "50 行" in _refusal(hostile.unreferenced_rows(50), limits)  # 1 header + 50
    check_upload(hostile.unreferenced_rows(49), limits)


def test_cell_budget_catches_a_wide_and_long_range() -> None:
    limits = Limits(max_rows=1000, max_columns=64, max_cells=10_000)
    assert "范围过大" in _refusal(hostile.sparse_bomb("BL1000"), limits)  # 64 × 1000


def test_the_check_runs_before_the_reader(session, world, monkeypatch) -> None:
    import python_calamine

    def never(*_a, **_k):  # type: ignore[no-untyped-def]
        raise AssertionError("calamine saw a hostile file")

    monkeypatch.setattr(python_calamine.CalamineWorkbook, "from_filelike", never)
    report = run_import(
        session, actor=None, kind=ImportKind.UNITS, data=hostile.sparse_bomb(), apply=True
    )
    assert [(e.row, e.column) for e in report.errors] == [(0, "")]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    row=st.integers(1, 1_048_576),
    column=st.integers(1, 16_384),
    declare=st.booleans(),
)
def test_any_far_cell_is_refused_and_any_near_one_passes(row, column, declare) -> None:
    limits = Limits()
    cell = f"{_letters(column)}{max(row, 2)}"
    data = hostile.sparse_bomb(cell, declare=declare)
    rows, columns = max(row, 2), max(column, 2)
    start = time.perf_counter()
    if rows > limits.max_rows or columns > limits.max_columns or rows * columns > limits.max_cells:
        with pytest.raises(LedgerError):
            check_upload(data, limits)
    else:
        check_upload(data, limits)
    assert time.perf_counter() - start < 1.0


# --- CSV ------------------------------------------------------------------------------


def test_csv_rows_and_fields_are_limited(app, app_ctx, session, world) -> None:
    app.config["LEDGER_MAX_ROWS"] = 20  # a setting; read by Limits.configured()
    many_rows = csv_bytes([TENANT_HEADERS] + [["A", "B", "C", "", "2026-01-01", ""]] * 20)
    report = run_import(session, actor=None, kind=ImportKind.TENANTS, data=many_rows, apply=True)
    assert "20 行" in str(report.errors[0].message)
    wide = csv_bytes([UNIT_HEADERS + [f"x{i}" for i in range(60)]])
    report = run_import(session, actor=None, kind=ImportKind.UNITS, data=wide, apply=True)
    assert "64 列" in str(report.errors[0].message)
    huge_field = csv_bytes([UNIT_HEADERS, ["A" * 200_000]])
    report = run_import(session, actor=None, kind=ImportKind.UNITS, data=huge_field, apply=True)
    assert "CSV" in str(report.errors[0].message)


def test_upload_is_read_no_further_than_the_size_limit() -> None:
    class Endless(io.RawIOBase):
        served = 0

        def readable(self) -> bool:
            return True

        def readinto(self, buffer) -> int:  # type: ignore[no-untyped-def]
            buffer[:] = b"a" * len(buffer)
            self.served += len(buffer)
            return len(buffer)

    stream = Endless()
    with pytest.raises(LedgerError) as err:
        read_stream(io.BufferedReader(stream), Limits(max_bytes=1000))
    assert "MB" in str(err.value.message)
    assert stream.served < 100_000


# --- page and CLI -----------------------------------------------------------------------


def _totals(session) -> tuple[int, ...]:  # type: ignore[no-untyped-def]
    session.expire_all()
    return tuple(
        session.exec(select(func.count()).select_from(model)).one()
        for model in (Area, Unit, Person, AuditEvent)
    )


HOSTILE = {
    "bomb": hostile.sparse_bomb(),
    "bomb-no-dimension": hostile.sparse_bomb(declare=False),
    "dtd": hostile.billion_laughs(),
    "declared-size": hostile.declared_huge(),
}
#: The reason each gives, in Chinese and in English.
REASONS = {
    "bomb": ("超过 200000 行", "more than 200000 rows"),
    "bomb-no-dimension": ("超过 200000 行", "more than 200000 rows"),
    "dtd": ("不允许的内容", "not allowed"),
    "declared-size": ("解压后过大", "too large once unpacked"),
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_page_refuses_with_a_reason_and_writes_nothing(login_as, session, name) -> None:
    client = login_as("manager")
    before = _totals(session)
    token = csrf_token(client, URL)
    for lang, reason in zip(("zh", "en"), REASONS[name], strict=True):
        response = client.post(
            f"{URL}?lang={lang}",
            data={
                "kind": "units",
                "file": (io.BytesIO(HOSTILE[name]), "台账.xlsx"),
                "csrf_token": token,
                "apply": "y",
            },
            content_type="multipart/form-data",
        )
        assert response.status_code == 422
        html = response.get_data(as_text=True)
        assert reason in html
    assert _totals(session) == before
    assert client.get("/units").status_code == 200  # the service still answers


@pytest.mark.parametrize("name", list(HOSTILE))
def test_cli_refuses_with_a_reason_and_writes_nothing(app, session, world, tmp_path, name) -> None:
    path = tmp_path / "台账.xlsx"
    path.write_bytes(HOSTILE[name])
    before = _totals(session)
    start = time.perf_counter()
    result = app.test_cli_runner().invoke(main, ["import-units", str(path), "--apply"])
    assert time.perf_counter() - start < 2.0
    assert result.exit_code == 1
    assert "nothing was written" in result.output
    assert _totals(session) == before


def test_cli_refuses_an_oversized_file_before_reading_it(app, world, tmp_path) -> None:
    app.config["LEDGER_MAX_BYTES"] = 1000
    path = tmp_path / "big.csv"
    path.write_bytes(b"a" * 1001)
    result = app.test_cli_runner().invoke(main, ["import-units", str(path)])
    assert result.exit_code == 1
    assert "MB" in result.output
