#!/usr/bin/env bash
# Set up, then run the product on http://127.0.0.1:5000 with SQLite, the scheduler and a queue worker.
# The demo community is loaded into an empty database unless RENTALS_DEMO=0 (a real
# community: create the first administrator with `.venv/bin/rentals init`).
# Without RENTALS_SECRET_KEY, `rentals serve` keeps a generated key in instance/secret_key
# (owner-only), so sign-ins survive a restart.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
.venv/bin/rentals db upgrade
# Photos kept as files by an older version move into the database (once; a rerun is a no-op).
.venv/bin/rentals photos import-files --if-present
if [ "${RENTALS_DEMO:-1}" = "0" ]; then
  echo "RENTALS_DEMO=0: no demo data. First start? Create the administrator:"
  echo "  .venv/bin/rentals init --admin USERNAME"
else
  .venv/bin/rentals seed-demo --if-empty
fi
# One queue worker in the background (big prints, large imports), stopped with the server.
.venv/bin/rentals worker &
worker=$!
trap 'kill "$worker" 2>/dev/null; wait "$worker" 2>/dev/null' EXIT INT TERM
.venv/bin/rentals serve --host 127.0.0.1 --port "${PORT:-5000}"
