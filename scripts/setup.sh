#!/usr/bin/env bash
# Set up everything rca needs, idempotently: system packages (only the missing
# ones), a virtual environment in .venv, and rca with its dev extras (only when
# pyproject.toml changed since the last install). Safe to run any number of times.
# --dev also installs what only the tests need (scripts/test-packages.txt).
set -euo pipefail
cd "$(dirname "$0")/.."

lists=(scripts/system-packages.txt)
if [ "${1:-}" = "--dev" ]; then lists+=(scripts/test-packages.txt); fi

say() { printf 'setup: %s\n' "$*" >&2; }

# --- system packages ---------------------------------------------------------
mapfile -t wanted < <(cat "${lists[@]}" | sed 's/#.*//' | tr -s ' \t' '\n' | grep -v '^$')
missing=()
if command -v dpkg-query >/dev/null 2>&1; then
  for pkg in "${wanted[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  if ((${#missing[@]})); then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    say "installing system packages: ${missing[*]}"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
else
  for tool in dot; do
    command -v "$tool" >/dev/null 2>&1 || say "warning: no dpkg here; install these yourself: ${wanted[*]}"
  done
fi

# --- Python ------------------------------------------------------------------
python=""
for candidate in python3.13 python3.12 python3.11 python3; do
  if command -v "$candidate" >/dev/null 2>&1 &&
     "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    python="$candidate"; break
  fi
done
[ -n "$python" ] || { say "error: rca needs Python 3.11 or newer"; exit 1; }

if [ ! -x .venv/bin/python ]; then
  say "creating .venv with $python"
  "$python" -m venv .venv
fi
stamp=".venv/.rca-installed"
want="$(cat pyproject.toml scripts/system-packages.txt | sha256sum | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  say "installing rca and its dependencies into .venv"
  log="$(mktemp)"
  # pip's output goes to a log, shown only when the install fails.
  if ! { .venv/bin/python -m pip install --disable-pip-version-check --upgrade pip &&
         .venv/bin/python -m pip install --disable-pip-version-check -e ".[dev]"; } >"$log" 2>&1; then
    cat "$log" >&2; rm -f "$log"; say "error: installing Python packages failed (log above)"; exit 1
  fi
  rm -f "$log"
  echo "$want" > "$stamp"
fi
