#!/usr/bin/env bash
# The test suite: set up (idempotent), then lint, type-check and run the tests.
# Extra arguments go to pytest (e.g. -k load -x).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --dev
.venv/bin/ruff check rca tests benchmarks
.venv/bin/ruff format --check rca tests benchmarks
.venv/bin/mypy
exec .venv/bin/pytest "$@"
