#!/usr/bin/env bash
# Refresh the message catalogs after changing user-facing text:
# extract the Chinese msgids from code and templates, then merge them into bo and en.
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/pybabel extract -F babel.cfg -k _l -k lazy_gettext --no-location --sort-output --no-wrap \
  -o rentals/translations/messages.pot . >/dev/null
.venv/bin/pybabel update -i rentals/translations/messages.pot -d rentals/translations \
  --no-fuzzy-matching --no-wrap >/dev/null
.venv/bin/pybabel compile -d rentals/translations --statistics
