"""The scoring core stays pure: it runs with the web stack blocked and imports only stdlib."""

from __future__ import annotations

import ast
import subprocess
import sys
import textwrap
from pathlib import Path

import scoring

ROOT = Path(__file__).parents[2]
PACKAGE = Path(scoring.__file__).parent
BLOCKED = ("flask", "sqlmodel", "sqlalchemy", "rentals")

SCRIPT = textwrap.dedent(
    """
    import sys
    for name in {blocked!r}:
        sys.modules[name] = None  # any "import name" now raises ImportError
    sys.path.insert(0, {root!r})

    import scoring

    card = scoring.default_scorecard()
    answers = {{code: "met" for code in card.item_codes}}
    answers["F1"] = "not_met"
    result = scoring.assess(card, answers)
    assert (result.stars, result.caps) == (2, ("F1",)), result
    loaded = [name for name in sys.modules if name.split(".")[0] in {blocked!r}]
    assert all(sys.modules[name] is None for name in loaded), loaded
    print("ok", result.stars)
    """
)


def test_scoring_runs_with_flask_and_the_database_blocked():
    done = subprocess.run(
        [sys.executable, "-W", "error", "-c", SCRIPT.format(blocked=BLOCKED, root=str(ROOT))],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["ok", "2"]


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


def test_scoring_modules_import_only_the_standard_library_and_scoring():
    sources = sorted(PACKAGE.rglob("*.py"))
    assert len(sources) >= 8
    for path in sources:
        outside = imported_modules(path) - set(sys.stdlib_module_names) - {"scoring"}
        assert not outside, f"{path.name} imports {sorted(outside)}"
        assert not imported_modules(path) & set(BLOCKED), path.name


def test_the_import_check_would_see_a_flask_import(tmp_path: Path):
    bad = tmp_path / "bad.py"
    bad.write_text("from flask import Flask\nimport sqlalchemy.orm\n", encoding="utf-8")
    assert imported_modules(bad) == {"flask", "sqlalchemy"}
