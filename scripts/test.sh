#!/usr/bin/env bash
# Set up, then run the whole suite on SQLite and again on a PostgreSQL server started here.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --test
.venv/bin/ruff check .
echo "== SQLite =="
.venv/bin/python -m pytest -q "$@"
echo "== PostgreSQL =="
# The pure cores (scoring/, schedules/) and the browser tests do not touch the database
# engine, so the second pass skips them.
.venv/bin/python -m tests.pgserver .venv/bin/python -m pytest -q -m "not browser" \
  --ignore=tests/scoring --ignore=tests/schedules --ignore=tests/property "$@"
