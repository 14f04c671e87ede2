#!/usr/bin/env bash
# The main job: set up (idempotent), check every bundled case review, then
# render each one for every audience into out/. Extra arguments go to
# `rca build` (e.g. --jobs 1, --force, --out DIR).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
.venv/bin/rca validate case_reviews/
.venv/bin/rca build case_reviews/ "$@"
exec .venv/bin/rca trends case_reviews/ --out out/
