"""Benchmark of the situation map in a real browser (Debian chromium) on the shipped data.

Prints: page open -> map drawn (first load after server start, and warm), filter change -> map updated
in the browser, server time per rerun (AppTest, in-process), and the map payload in bytes on the default
view. Targets (issue 3): warm open <= 1.5 s, first open <= 4 s, filter -> map <= 300 ms, rerun <= 50 ms,
payload <= 1 MB. Also prints a floor: the same open of a one-line Streamlit app, i.e. what Streamlit's own
page costs on this machine before any map exists. Run: ``.venv/bin/python benchmarks/map_browser.py``.
Prints figures; asserts nothing.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, start_app  # noqa: E402
from tests.e2e.test_browser import LIVE_MAP  # noqa: E402

# "Drawn" = the live map has applied a spec and MapLibre has finished loading and rendering it.
DRAWN = "() => { const gd = document.getElementById('map'); const m = gd && gd._fullLayout && gd._fullLayout.map; " \
        "return !!(document.body.dataset.specKey && m && m._subplot.map.loaded() && !m._subplot.map.isMoving()); }"
# Where the time of an open goes: ms from the page's navigation start to each milestone of the map frame.
STEPS = """() => { const off = performance.timeOrigin - window.parent.performance.timeOrigin;
  const at = n => { const e = performance.getEntriesByName(n); return e.length ? Math.round(off + e[0].startTime) : null; };
  return {frame: Math.round(off), 'plotly.js': at('bb-plotly-ready'), outlines: at('bb-outlines-ready'), drawn: at('bb-first-draw')}; }"""
UPDATED = "(b) => document.body.dataset.specKey !== b && document.getElementById('map')._fullLayout.map._subplot.map.loaded()"


def browser_figures() -> None:
    from playwright.sync_api import sync_playwright

    proc, url = start_app()
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            opens, steps = [], []
            for n in range(4):
                ctx = browser.new_context(viewport={"width": 1500, "height": 1000})
                page = ctx.new_page()
                t = time.perf_counter()
                page.goto(url + "/")
                frame = page.wait_for_selector(LIVE_MAP, timeout=60_000).content_frame()
                frame.wait_for_function(DRAWN, timeout=60_000)
                opens.append(time.perf_counter() - t)
                steps.append(frame.evaluate(STEPS))
                if n == 3:
                    changes, draws = [], []
                    page.get_by_text("Region presets").click()
                    for label in ["Western Balkans", "Eastern Partnership", "Sahel", "Central Asia", "Western Balkans"]:
                        before = frame.evaluate("() => document.body.dataset.specKey")
                        t = time.perf_counter()
                        page.get_by_role("button", name=label).first.click()
                        frame.wait_for_function(UPDATED, arg=before, timeout=30_000)
                        changes.append(time.perf_counter() - t)
                        draws.append(int(frame.evaluate("() => document.body.dataset.drawMs")))
                ctx.close()
            # a returning browser (same profile, HTTP cache kept): a situation-centre screen reopening the page
            ctx = browser.new_context(viewport={"width": 1500, "height": 1000})
            returning = []
            for _ in range(3):
                page = ctx.new_page()
                t = time.perf_counter()
                page.goto(url + "/")
                page.wait_for_selector(LIVE_MAP, timeout=60_000).content_frame().wait_for_function(DRAWN, timeout=60_000)
                returning.append(time.perf_counter() - t)
                page.close()
            ctx.close()
            browser.close()
        print(f"page open -> map drawn, first load after start: {opens[0] * 1000:.0f} ms (target <= 4000 ms)")
        print(f"page open -> map drawn, warm server (median of {len(opens) - 1}): {statistics.median(opens[1:]) * 1000:.0f} ms (target <= 1500 ms)")
        print(f"page open -> map drawn, warm server, returning browser (median of 2 reopenings): "
              f"{statistics.median(returning[1:]) * 1000:.0f} ms (target <= 1500 ms)")
        print(f"  milestones of the last warm open (ms after navigation): {steps[-1]}")
        print(f"filter change (region preset) -> map updated in the browser: median {statistics.median(changes) * 1000:.0f} ms, "
              f"max {max(changes) * 1000:.0f} ms over {len(changes)} changes (target <= 300 ms)")
        print(f"  of which Plotly.react until the map settled (in the map frame): median {statistics.median(draws)} ms")
    finally:
        proc.terminate()
        proc.wait(10)


FLOOR_APP = 'import streamlit as st\nst.set_page_config(layout="wide")\nst.write("floor-ready")\n'


def floor_figures() -> None:
    """What Streamlit alone costs here: a one-line app, page open -> its text shown (no map, no data)."""
    import tempfile

    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        app = Path(tmp) / "floor.py"
        app.write_text(FLOOR_APP)
        proc, url = start_app(command=[sys.executable, "-m", "streamlit", "run", str(app)])
        try:
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                opens = []
                for _ in range(4):
                    ctx = browser.new_context(viewport={"width": 1500, "height": 1000})
                    page = ctx.new_page()
                    t = time.perf_counter()
                    page.goto(url + "/")
                    page.get_by_text("floor-ready").wait_for(timeout=60_000)
                    opens.append(time.perf_counter() - t)
                    ctx.close()
                browser.close()
        finally:
            proc.terminate()
            proc.wait(10)
    print(f"floor: a one-line Streamlit app, page open -> text shown, warm (median of 3): "
          f"{statistics.median(opens[1:]) * 1000:.0f} ms (Streamlit's own page and first run on this machine)")


def server_figures() -> None:
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "dashboard" / "app.py"), default_timeout=60)
    at.run()
    from dashboard.live_map import build_dir

    args = at.get("component_instance")[0].proto.json_args
    outlines = (build_dir() / json.loads(args)["geometry_url"]).stat().st_size
    print(f"map payload on the default view: {len(args.encode()):,} bytes of spec per rerun, plus {outlines:,} bytes of "
          f"outlines fetched once per data version (target <= 1,000,000 in all)")
    times = []
    regions = [[], ["western_balkans"], ["sahel"], ["eastern_partnership"], []]
    for n in range(15):
        box = next(m for m in at.multiselect if m.label == "Region")
        box.set_value(regions[n % len(regions)])
        t = time.perf_counter()
        at.run()
        times.append(time.perf_counter() - t)
    print(f"server time per rerun (filter change, AppTest in-process): median {statistics.median(times) * 1000:.0f} ms (target <= 50 ms)")
    sizes = json.loads(args)["spec"]
    print(f"  traces: {len(sizes['data'])}, map layers: {len(sizes['layout']['map']['layers'])}")


if __name__ == "__main__":
    server_figures()
    browser_figures()
    floor_figures()
