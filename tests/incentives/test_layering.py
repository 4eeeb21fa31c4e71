"""The blacklist and contests each have one home, and the packages around them form no
import circle: each module imports alone in a fresh interpreter, and no package imports
one that (directly or in a function) imports it back."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
RENTALS = ROOT / "rentals"
#: The packages issue 16 untangled, and what each may not import, even inside a function.
FORBIDDEN = {
    "printing": {"incentives", "portal", "public"},
    "ratings": {"incentives", "portal", "public"},
    "incentives": {"portal", "public"},
    "portal": {"public"},
}
PACKAGES = sorted({*FORBIDDEN, "public"})


def modules(package: str) -> list[str]:
    folder = RENTALS / package
    return sorted(
        f"rentals.{package}" + ("" if p.stem == "__init__" else f".{p.stem}")
        for p in folder.glob("*.py")
    )


def imported(path: Path) -> set[str]:
    """Every module named by an import anywhere in the file (functions included)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def _is_tables(parts: list[str]) -> bool:
    """``rentals.<area>.models``: a leaf any area may read (checked below)."""
    return len(parts) >= 3 and parts[2] == "models"


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_no_package_imports_one_that_depends_on_it(package):
    """Logic never points back; reading another area's tables is allowed, since a models
    module imports no logic (next test) and so cannot close a circle."""
    found = []
    for path in sorted((RENTALS / package).glob("*.py")):
        for name in imported(path):
            parts = name.split(".")
            if parts[0] != "rentals" or len(parts) < 2 or parts[1] not in FORBIDDEN[package]:
                continue
            if not _is_tables(parts):
                found.append(f"{path.relative_to(ROOT)} imports {name}")
    assert found == []


@pytest.mark.parametrize("package", [p for p in PACKAGES if (RENTALS / p / "models.py").exists()])
def test_models_modules_are_leaves(package):
    path = RENTALS / package / "models.py"
    others = {
        n
        for n in imported(path)
        if n.startswith("rentals.") and not n.startswith("rentals.modelbase")
    }
    assert others == set()


@pytest.mark.parametrize("package", PACKAGES)
def test_each_module_imports_alone_in_a_fresh_interpreter(package):
    """One interpreter per module, so a circle hidden by an earlier import cannot pass."""
    procs = [
        (
            name,
            subprocess.Popen(
                [sys.executable, "-W", "error", "-c", f"import {name}"],
                cwd=ROOT,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            ),
        )
        for name in modules(package)
    ]
    failed = {}
    for name, proc in procs:
        _out, err = proc.communicate(timeout=120)
        if proc.returncode != 0:
            failed[name] = err.strip().splitlines()[-1:]
    assert failed == {}


def _definitions(name: str) -> list[str]:
    """Modules of ``rentals`` that define a class or assign a module-level name ``name``."""
    found = []
    for path in sorted(RENTALS.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in tree.body:
            targets: list[str] = []
            if isinstance(node, ast.ClassDef):
                targets = [node.name]
            elif isinstance(node, ast.Assign):
                targets = [t.id for t in node.targets if isinstance(t, ast.Name)]
            elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
                targets = [node.target.id]
            if name in targets:
                found.append(str(path.relative_to(ROOT)))
    return found


@pytest.mark.parametrize(
    ("name", "home"),
    [
        ("LISTED", "rentals/incentives/blacklist.py"),
        ("NOTICE_DAYS", "rentals/incentives/blacklist.py"),
        ("BlacklistNotice", "rentals/incentives/models.py"),
        ("BlacklistEdition", "rentals/incentives/models.py"),
        ("Contest", "rentals/ratings/models.py"),
        ("ContestStatus", "rentals/ratings/models.py"),
        ("CONTEST_DAYS", "rentals/ratings/contests.py"),
    ],
)
def test_each_rule_of_the_blacklist_and_contests_has_one_home(name, home):
    assert _definitions(name) == [home]


def test_the_moved_tables_keep_their_names():
    from rentals.incentives.models import BlacklistEdition, BlacklistNotice
    from rentals.ratings.models import Contest

    names = (BlacklistNotice.__tablename__, BlacklistEdition.__tablename__, Contest.__tablename__)
    assert names == ("blacklist_notice", "blacklist_edition", "contest")
