#!/usr/bin/env bash
# One command: set everything up and start the dashboard on the embedded data.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/system.sh"
need=()
dashboard_needs  # Chromium and a font for the image exports
install_needed "${need[@]}" || echo "Could not install ${need[*]}: the dashboard starts; its image exports (PNG, PDF, PPTX) will say Chromium is missing." >&2
source "$(dirname "${BASH_SOURCE[0]}")/bootstrap.sh"
exec .venv/bin/python -m dashboard.serve "$@"
