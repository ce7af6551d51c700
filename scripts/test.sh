#!/usr/bin/env bash
# hapy's test command (the README's): installs what the tests need, then runs
#   ruff (lint), mypy (strict types) and pytest (unit tests and the scheduler
#   conformance ratchet), and prints one summary line; exits non-zero if any failed.
# Extra arguments go to pytest:  scripts/test.sh -m 'not conformance'   scripts/test.sh -k digests
# HAPY_SKIP_INSTALL=1 skips the install step (quick local reruns).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
export PYTHON

if [ "${HAPY_SKIP_INSTALL:-0}" != 1 ]; then
    scripts/install-test-deps.sh
fi

results=()
failed=0
step() {
    local name=$1 rc=0 t0=$SECONDS note=""
    shift
    echo
    echo "== $name: $*"
    "$@" || rc=$?
    if [ "$rc" -eq 0 ]; then
        note=ok
    else
        failed=1
        note="FAILED (exit $rc)"
        # pytest exit 5: no tests were collected -- a failure, the suite must really run.
        if [ "$name" = pytest ] && [ "$rc" -eq 5 ]; then note="FAILED (no tests collected)"; fi
    fi
    results+=("$name $note $((SECONDS - t0))s")
}

step ruff "$PYTHON" -m ruff check src tests scripts benchmarks
step mypy "$PYTHON" -m mypy
step mypy-tools "$PYTHON" -m mypy scripts/ratchet-update.py benchmarks \
    tests/conformance/test_scheduler_conformance.py
step pytest "$PYTHON" -m pytest "$@"

summary=$(IFS=,; echo "${results[*]}")
echo
if [ "$failed" -eq 0 ]; then
    echo "TEST SUMMARY: PASSED -- ${summary//,/, }"
else
    echo "TEST SUMMARY: FAILED -- ${summary//,/, }"
fi
exit "$failed"
