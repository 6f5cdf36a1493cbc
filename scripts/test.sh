#!/usr/bin/env bash
# `make test`: ruff, then every test, in two processes side by side. The launched app's tests
# (api/, e2e/: one app, one browser) run in this one; on two cores they leave about a third of the
# CPU idle (their own process is held to one core by Python's GIL). The unit tests run beside them
# at nice 10, so they take that idle CPU without slowing the app's tests (tried at equal priority,
# the two only slowed each other: 22:11 against 22:22 in one process). Their report follows.
set -uo pipefail
PY=${1:-.venv/bin/python}
"$PY" -m ruff check . || exit 1
log=$(mktemp -t dle-unit-tests.XXXXXX)
# OMP_WAIT_POLICY=PASSIVE: torch's idle threads sleep instead of spinning on a busy machine
OMP_WAIT_POLICY=PASSIVE nice -n 10 "$PY" -m pytest tests/unit >"$log" 2>&1 &
unit=$!
"$PY" -m pytest tests/api tests/e2e
app=$?
wait "$unit"
unit_rc=$?
echo "================ tests/unit (run beside the app's tests, at nice 10) ================"
cat "$log"
rm -f "$log"
[ "$app" -eq 0 ] && [ "$unit_rc" -eq 0 ]
