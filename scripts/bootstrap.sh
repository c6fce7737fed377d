#!/usr/bin/env bash
# Shared set-up for the two README commands: a virtualenv in .venv with the locked dependencies.
# Usage: BB_EXTRA=test source scripts/bootstrap.sh   (BB_EXTRA names a pyproject extra, e.g. "test"; empty for none)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PY="${PYTHON:-}"
if [ -z "$PY" ]; then
  for cand in python3.11 python3; do
    if command -v "$cand" >/dev/null 2>&1; then PY="$cand"; break; fi
  done
fi
"$PY" - <<'PYCHECK'
import sys
if sys.version_info < (3, 11):
    sys.exit(f"Beyond Borders needs Python 3.11 or newer; found {sys.version.split()[0]}. Install python3.11 and retry.")
PYCHECK
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv || { echo "Could not create a virtualenv. On Debian/Ubuntu: sudo apt-get install python3-venv" >&2; exit 1; }
fi
EXTRA="${BB_EXTRA:-}"
SPEC="."
[ -n "$EXTRA" ] && SPEC=".[$EXTRA]"
STAMP=".venv/.bb-installed-$EXTRA"
if [ ! -f "$STAMP" ] || [ constraints.txt -nt "$STAMP" ] || [ pyproject.toml -nt "$STAMP" ]; then
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet -c constraints.txt -e "$SPEC"
  touch "$STAMP"
fi
