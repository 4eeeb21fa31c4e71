#!/usr/bin/env bash
# Set up, then run the whole suite on SQLite and again on a PostgreSQL server started here.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --test
.venv/bin/ruff check .
# Two processes (RENTALS_TEST_WORKERS), each with its own database; a file's tests stay
# together in one of them, so module fixtures are built once.
workers=(-n "${RENTALS_TEST_WORKERS:-2}" --dist loadfile)
echo "== SQLite =="
.venv/bin/python -m pytest -q "${workers[@]}" "$@"
echo "== PostgreSQL =="
# The pure cores (scoring/, schedules/) and the browser tests do not touch the database
# engine, so the second pass skips them.
.venv/bin/python -m tests.pgserver .venv/bin/python -m pytest -q "${workers[@]}" -m "not browser" \
  --ignore=tests/scoring --ignore=tests/schedules --ignore=tests/property "$@"
