"""`rentals plan` and `rentals tasks` from the command line."""

from __future__ import annotations

import io

import pytest
from click.testing import CliRunner
from python_calamine import CalamineWorkbook

from rentals import create_app, db
from rentals.config import TestConfig
from rentals.db import build_engine
from rentals.migrate import upgrade
from tests import factories
from tests.conftest import fresh_database_url


@pytest.fixture
def cli_env(tmp_path_factory, tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    url = fresh_database_url(tmp_path_factory)
    engine = build_engine(url)
    upgrade(engine)
    engine.dispose()
    monkeypatch.setenv("RENTALS_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.setattr("rentals.config.Config.DATABASE_URL", url)
    app = create_app({"DATABASE_URL": url}, base=TestConfig)
    with app.app_context(), db.unit_of_work() as session:
        area = factories.make_area(session, name="南区")
        unit = factories.make_unit(session, area, code="=HYPERLINK(1)")
        unit.stars = 2
        factories.make_user(session, "inspector", areas=(area,), username="insp")
    db.engine_of(app).dispose()
    return url


def _run(*args: str):  # type: ignore[no-untyped-def]
    from rentals.cli import main

    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_plan_prints_the_report_and_a_rerun_creates_nothing(cli_env):
    first = _run("plan", "--date", "2027-02-03")
    assert first.exit_code == 0, first.output
    assert "2 created, 0 cancelled, 0 reopened (1 units needed planning)" in first.output
    again = _run("plan", "--date", "2027-02-03")
    assert "0 created, 0 cancelled, 0 reopened (0 units needed planning)" in again.output


def test_tasks_export_csv_has_a_bom_and_escapes_formulas(cli_env, tmp_path):
    _run("plan", "--date", "2027-02-03")
    out = tmp_path / "tasks.csv"
    result = _run(
        "tasks",
        "--due-from",
        "2027-02-01",
        "--due-to",
        "2027-02-28",
        "--area",
        "南区",
        "--out",
        str(out),
    )
    assert result.exit_code == 0, result.output
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    lines = data.decode("utf-8-sig").splitlines()
    assert lines[0] == "unit_code,area,stars_at_planning,period_key,due,status,inspector"
    assert lines[1:] == [
        "'=HYPERLINK(1),南区,2,2027-02-H1,2027-02-15,open,测试inspector",
        "'=HYPERLINK(1),南区,2,2027-02-H2,2027-02-28,open,测试inspector",
    ]
    other_area = tmp_path / "none.csv"
    _run(
        "tasks",
        "--due-from",
        "2027-02-01",
        "--due-to",
        "2027-02-28",
        "--area",
        "北区",
        "--out",
        str(other_area),
    )
    assert other_area.read_bytes().decode("utf-8-sig").splitlines()[1:] == []


def test_tasks_export_xlsx(cli_env, tmp_path):
    _run("plan", "--date", "2027-02-03")
    out = tmp_path / "tasks.xlsx"
    result = _run(
        "tasks",
        "--due-from",
        "2027-02-01",
        "--due-to",
        "2027-02-15",
        "--format",
        "xlsx",
        "--out",
        str(out),
    )
    assert result.exit_code == 0, result.output
    rows = CalamineWorkbook.from_filelike(io.BytesIO(out.read_bytes())).get_sheet_by_index(0)
    values = rows.to_python()
    assert values[1][:4] == ["'=HYPERLINK(1)", "南区", 2, "2027-02-H1"]
    assert len(values) == 2
