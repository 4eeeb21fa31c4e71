#!/usr/bin/env bash
# Install everything the product needs on a fresh Debian 12 machine (run as root).
# Idempotent: packages already present are skipped, the venv is reused.
#   scripts/setup.sh          runtime pieces
#   scripts/setup.sh --test   plus what the test suite needs (Chromium, poppler, PostgreSQL)
set -euo pipefail
cd "$(dirname "$0")/.."

want=(libharfbuzz-subset0 fonts-noto-cjk fonts-noto-core fonts-tibetan-machine fontconfig libpango-1.0-0 libpangoft2-1.0-0)
if [[ "${1:-}" == "--test" ]]; then
  want+=(chromium poppler-utils postgresql)
fi
missing=()
for pkg in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
  echo "Installing system packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

PY=${PYTHON:-python3.11}
command -v "$PY" >/dev/null || PY=python3
if [[ ! -x .venv/bin/python ]]; then
  "$PY" -m venv .venv
fi
extras=""
[[ "${1:-}" == "--test" ]] && extras="[test]"
stamp=".venv/.installed${extras}"
if [[ ! -f "$stamp" || pyproject.toml -nt "$stamp" ]]; then
  .venv/bin/pip install -q --upgrade pip
  .venv/bin/pip install -q -e ".${extras}"
  touch "$stamp"
fi
# Pre-subset CJK font for fast PDFs (instance/fonts, never committed; idempotent).
.venv/bin/python -m rentals.printing.fonts build || echo "warning: CJK font subset not built; PDFs will be slower"
# Message catalogs are compiled from the committed .po files.
.venv/bin/pybabel compile -d rentals/translations >/dev/null
