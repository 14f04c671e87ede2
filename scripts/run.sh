#!/usr/bin/env bash
# The main job: set up (idempotent), then check every bundled case review.
# Extra arguments go to `rca validate` (e.g. --format json).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
exec .venv/bin/rca validate case_reviews/ "$@"
