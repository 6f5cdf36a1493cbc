#!/usr/bin/env bash
# `make test`: lint, then every test. The unit tests run in a second process beside the launched
# app's tests (api/, e2e/: one app, one browser, in order): alone, the suite kept one core of two
# busy and took 21 minutes on a clean clone. The unit tests' report follows the app's.
set -uo pipefail
PY=${1:-.venv/bin/python}
"$PY" -m ruff check . || exit 1
log=$(mktemp -t dle-unit-tests.XXXXXX)
"$PY" -m pytest tests/unit >"$log" 2>&1 &
unit=$!
"$PY" -m pytest tests/api tests/e2e
app=$?
wait "$unit"
unit_rc=$?
echo "=================== tests/unit (run beside the app's tests) ==================="
cat "$log"
rm -f "$log"
[ "$app" -eq 0 ] && [ "$unit_rc" -eq 0 ]
