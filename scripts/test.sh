#!/usr/bin/env bash
# The whole test suite: installs what it needs, then lint, types and tests.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-test-deps.sh
echo "== ruff"; python3 -m ruff check src tests
echo "== mypy"; python3 -m mypy
echo "== pytest"; python3 -m pytest tests "$@"
