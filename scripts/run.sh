#!/usr/bin/env bash
# The main job: set up (idempotent), check every bundled case review, then
# render each one for every audience into out/, the trends into out/trends/,
# and the case library (one site per audience) into out/site/. Extra
# arguments go to `rca build` (e.g. --jobs 1, --force, --out DIR).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
.venv/bin/rca validate case_reviews/
.venv/bin/rca build case_reviews/ "$@"
.venv/bin/rca trends case_reviews/ --out out/
.venv/bin/rca site case_reviews/ --audience all --out out/site
cat <<'EOF'

The case library, one site per audience:
  open out/site/leadership/index.html or out/site/specialist/index.html in a browser
  (everything but search works from the files), or serve one with search:
  .venv/bin/rca serve case_reviews/ --audience specialist --out out/site   # then open the address it prints
EOF
