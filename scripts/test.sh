#!/usr/bin/env bash
# One command: install everything the tests need (system packages included) and run the whole suite.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# System packages: Debian chromium for the real-browser tests, a font for rendering, namespace tools, PostgreSQL.
need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
[ -d /usr/share/fonts/truetype/dejavu ] || need+=(fonts-dejavu-core)
command -v ip >/dev/null 2>&1 || need+=(iproute2)        # the offline test brings up loopback in a new namespace
command -v unshare >/dev/null 2>&1 || need+=(util-linux)
# PostgreSQL 15 + PostGIS for the database tests (a throwaway cluster per test worker, see tests/pgcluster.py).
[ -x /usr/lib/postgresql/15/bin/initdb ] || need+=(postgresql)
[ -f /usr/share/postgresql/15/extension/postgis.control ] || need+=(postgresql-15-postgis-3)
# nginx for the reverse-proxy test (the shipped deploy/nginx.conf in front of the app).
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || need+=(nginx)
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
