#!/usr/bin/env bash
# Set up, then run the whole suite on SQLite and again on a PostgreSQL server started here.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --test
.venv/bin/ruff check .
echo "== SQLite =="
.venv/bin/python -m pytest -q "$@"
echo "== PostgreSQL =="
.venv/bin/python -m tests.pgserver .venv/bin/python -m pytest -q -m "not browser" tests/db tests/register tests/auth tests/security "$@"
