"""Run inside an empty network namespace (only loopback): start the app, open it in Debian chromium and
report, as JSON on stdout, whether the map drew with data and which requests went to other hosts.

Used by test_offline.py; a script rather than a test so that the whole app and browser run in the
namespace.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from playwright.sync_api import sync_playwright

from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, RequestLog, start_app
from tests.e2e.test_browser import wait_map


def main() -> int:
    proc, url = start_app()
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            log = RequestLog()
            page.on("request", log.record)
            page.goto(url + "/")
            frame = wait_map(page, timeout=60_000)
            drawn = len(frame.evaluate("() => window.bbDebug.shownIds()"))
            browser.close()
        print(json.dumps({"drawn": drawn, "foreign": log.foreign(url), "requests": len(log.urls)}))
        return 0
    finally:
        proc.terminate()
        proc.wait(10)


if __name__ == "__main__":
    sys.exit(main())
