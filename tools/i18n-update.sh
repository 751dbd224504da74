#!/usr/bin/env bash
# Re-extract the patients' messages and merge them into each catalog (docs/i18n.md).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-.venv/bin}
"$BIN/pybabel" extract -F babel.cfg -k tr -k N_ -k plural:1,2 --no-location --sort-output \
    --project=checkins --copyright-holder="checkins contributors" \
    -o src/checkins/locale/checkins.pot .
"$BIN/pybabel" update -i src/checkins/locale/checkins.pot -d src/checkins/locale -D checkins \
    --width=100 --ignore-obsolete
