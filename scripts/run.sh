#!/usr/bin/env bash
# Set up, then run the product on http://127.0.0.1:5000 with SQLite, demo data, the scheduler and a queue worker.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
export RENTALS_SECRET_KEY="${RENTALS_SECRET_KEY:-$(.venv/bin/python -c 'import secrets; print(secrets.token_hex(32))')}"
.venv/bin/rentals db upgrade
.venv/bin/rentals seed-demo --if-empty
# One queue worker in the background (big prints, large imports), stopped with the server.
.venv/bin/rentals worker &
worker=$!
trap 'kill "$worker" 2>/dev/null; wait "$worker" 2>/dev/null' EXIT INT TERM
.venv/bin/rentals serve --host 127.0.0.1 --port "${PORT:-5000}"
