#!/usr/bin/env bash
# Set up, then run the product on http://127.0.0.1:5000 with SQLite, demo data and the scheduler.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
export RENTALS_SECRET_KEY="${RENTALS_SECRET_KEY:-$(.venv/bin/python -c 'import secrets; print(secrets.token_hex(32))')}"
.venv/bin/rentals db upgrade
.venv/bin/rentals seed-demo --if-empty
exec .venv/bin/rentals serve --host 127.0.0.1 --port "${PORT:-5000}"
