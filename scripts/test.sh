#!/usr/bin/env bash
# One command: install everything the tests need (system packages included) and run the whole suite.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# System packages: Debian chromium for the real-browser tests, a font for rendering.
need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
[ -d /usr/share/fonts/truetype/dejavu ] || need+=(fonts-dejavu-core)
if [ ${#need[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  echo "Installing system packages: ${need[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}"
fi
BB_EXTRA=test source scripts/bootstrap.sh
.venv/bin/ruff check geo dashboard tests scripts benchmarks
exec .venv/bin/python -m pytest -n 2 "$@"
