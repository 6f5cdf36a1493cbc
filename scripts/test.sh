#!/usr/bin/env bash
# `make test`: lint, then every test, in three processes side by side: the API tests (tests/api,
# one launched app), the browser tests (tests/e2e, their own app and one browser) and the unit
# tests. One process after the other kept about one core of two busy and took 22 minutes on a
# clean clone; the reports are printed one after the other once all three have finished.
set -uo pipefail
PY=${1:-.venv/bin/python}
"$PY" -m ruff check . || exit 1
logs=$(mktemp -d -t dle-tests.XXXXXX)
pids=()
for part in api e2e unit; do
  "$PY" -m pytest "tests/$part" >"$logs/$part.log" 2>&1 &
  pids+=($!)
done
rc=0
for i in 0 1 2; do
  wait "${pids[$i]}" || rc=1
done
for part in api e2e unit; do
  echo "=================================== tests/$part ==================================="
  cat "$logs/$part.log"
done
rm -rf "$logs"
exit $rc
