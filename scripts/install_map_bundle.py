"""Install plotly.js's map-only bundle into the virtualenv (see dashboard/live_map/bundle.py); never fails set-up."""

import sys

from dashboard.live_map.bundle import main

if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
