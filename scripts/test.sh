#!/usr/bin/env bash
# One command: install everything the tests need (system packages included) and run the whole suite.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# System packages: the dashboard's (Debian chromium, also for the real-browser tests, and a font), namespace
# tools, PostgreSQL.
source scripts/system.sh
need=()
dashboard_needs
command -v ip >/dev/null 2>&1 || need+=(iproute2)        # the offline test brings up loopback in a new namespace
command -v unshare >/dev/null 2>&1 || need+=(util-linux)
# PostgreSQL 15 + PostGIS for the database tests (a throwaway cluster per test worker, see tests/pgcluster.py).
[ -x /usr/lib/postgresql/15/bin/initdb ] || need+=(postgresql)
[ -f /usr/share/postgresql/15/extension/postgis.control ] || need+=(postgresql-15-postgis-3)
# nginx for the reverse-proxy test (the shipped deploy/nginx.conf in front of the app).
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || need+=(nginx)
install_needed "${need[@]}"
BB_EXTRA=test source scripts/bootstrap.sh
.venv/bin/ruff check geo dashboard tests scripts benchmarks
exec .venv/bin/python -m pytest -n 2 "$@"
