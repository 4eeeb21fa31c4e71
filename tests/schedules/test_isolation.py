"""schedules is a pure core: it works without the web stack and never reads the clock."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
#: Every module of the package: since issue 17 the scheduled jobs live in
#: ``rentals/scheduler/``, so none of ``schedules/`` may import the app.
PURE_MODULES = sorted(p.name for p in (ROOT / "schedules").glob("*.py"))

# Run in a fresh interpreter: this test process may already have imported Flask.
BLOCKED_IMPORT_SCRIPT = f"""
import sys
for name in ("flask", "sqlalchemy", "sqlmodel", "rentals"):
    sys.modules[name] = None  # any import of these now raises ImportError
sys.path.insert(0, {str(ROOT)!r})

from datetime import date
import schedules

plans = dict(schedules.plan_units([("u1", 3), ("u2", None)], date(2027, 2, 3), {{}}))
assert [p.key for p in plans["u1"].to_create] == ["2027-02", "2027-03"], plans
assert schedules.period_for(1, date(2027, 1, 1)).key == "2026-W53"
import importlib, pkgutil
for info in pkgutil.iter_modules(schedules.__path__):
    importlib.import_module("schedules." + info.name)  # every module, the app blocked
print("planned without the web stack")
"""


def test_the_package_holds_the_pure_modules_only() -> None:
    assert PURE_MODULES == [
        "__init__.py",
        "cadence.py",
        "periods.py",
        "planner.py",
        "staleness.py",
    ]


def test_schedules_imports_and_plans_with_the_web_stack_blocked() -> None:
    result = subprocess.run(
        [sys.executable, "-W", "error", "-c", BLOCKED_IMPORT_SCRIPT],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "planned without the web stack"


CLOCK_READS = {"today", "now", "utcnow", "time", "time_ns", "monotonic", "perf_counter"}


@pytest.mark.parametrize("module", PURE_MODULES)
def test_pure_modules_never_read_the_clock(module: str) -> None:
    tree = ast.parse((ROOT / "schedules" / module).read_text(encoding="utf-8"))
    calls = {
        node.func.attr
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
    }
    imported: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module.split(".")[0])
    assert not calls & CLOCK_READS
    assert not imported & {"time", "flask", "sqlalchemy", "sqlmodel", "rentals"}
