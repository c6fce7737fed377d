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
# plotly.js's map-only bundle (a third less for the browser to parse on each open), from the npm registry,
# checked against its published hash; without it the map uses the full bundle. See dashboard/live_map/bundle.py.
# Tried once per virtualenv (an air-gapped install does not wait on every start); to retry after a failure,
# delete .venv/.bb-plotly-map or run .venv/bin/python scripts/install_map_bundle.py.
if [ ! -f ".venv/.bb-plotly-map" ] || [ dashboard/live_map/bundle.py -nt ".venv/.bb-plotly-map" ]; then
  .venv/bin/python scripts/install_map_bundle.py && touch .venv/.bb-plotly-map
fi
