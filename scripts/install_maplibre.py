"""Install MapLibre GL JS (the live map's renderer) into the virtualenv; see dashboard/live_map/bundle.py."""

import sys

from dashboard.live_map.bundle import main

if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
