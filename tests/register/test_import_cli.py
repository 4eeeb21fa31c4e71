"""``rentals import-units`` / ``import-tenants``: dry run by default, ``--apply`` writes."""

from __future__ import annotations

from sqlmodel import select

from rentals.cli import main
from rentals.register.models import Tenancy, Unit
from tests.register.ledgers import FIXTURES, TENANT_HEADERS, csv_bytes


def _codes(session) -> set[str]:  # type: ignore[no-untyped-def]
    session.expire_all()
    return set(session.exec(select(Unit.code).where(Unit.code.like("ZX-N-%"))))


def test_dry_run_prints_changes_and_writes_nothing(app, session, world) -> None:
    runner = app.test_cli_runner()
    result = runner.invoke(main, ["import-units", str(FIXTURES / "units_good.csv")])
    assert result.exit_code == 0, result.output
    assert "row 2: unit ZX-N-001 created" in result.output
    assert "units: 6 created, 0 updated, 0 unchanged" in result.output
    assert "Dry run" in result.output
    assert _codes(session) == set()


def test_apply_writes_and_second_apply_is_unchanged(app, session, world) -> None:
    runner = app.test_cli_runner()
    path = str(FIXTURES / "units_good.csv")
    result = runner.invoke(main, ["import-units", path, "--apply"])
    assert result.exit_code == 0, result.output
    assert len(_codes(session)) == 6
    again = runner.invoke(main, ["import-units", path, "--apply"])
    assert again.exit_code == 0, again.output
    assert "units: 0 created, 0 updated, 6 unchanged" in again.output
    assert "created" not in again.output.replace("0 created", "")

    tenants = runner.invoke(main, ["import-tenants", str(FIXTURES / "tenants_good.csv"), "--apply"])
    assert tenants.exit_code == 0, tenants.output
    assert "tenancies: 4 created" in tenants.output


def test_bad_file_exits_1_and_writes_nothing(app, session, world, tmp_path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_bytes(
        csv_bytes(
            [
                TENANT_HEADERS,
                # wrong check character (the right one is 3)
                [world.unit_a.code, "白玛", "540102199001011230", "", "2026-01-05", "是"],
            ]
        )
    )
    before = len(session.exec(select(Tenancy)).all())
    result = app.test_cli_runner().invoke(main, ["import-tenants", str(bad), "--apply"])
    assert result.exit_code == 1
    assert "row 2, 身份证号:" in result.output
    assert "nothing was written" in result.output
    session.expire_all()
    assert len(session.exec(select(Tenancy)).all()) == before
