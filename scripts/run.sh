#!/usr/bin/env bash
# One command: set everything up and start the dashboard on the embedded data.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/bootstrap.sh"
exec .venv/bin/python -m dashboard.serve "$@"
