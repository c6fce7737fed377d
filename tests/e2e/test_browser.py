"""Real browser (Debian chromium via Playwright) against the app on the shipped data."""

from __future__ import annotations

import datetime as dt
import re

import pytest

import geo
from dashboard.figures import kpis

pytestmark = pytest.mark.e2e

MAP_IDS_JS = "() => window.bbDebug.shownIds()"
LIVE_MAP = ".bb-root"  # the live map's element (in the page itself; Playwright's CSS reaches into its shadow root)
SETTLED = "() => window.bbDebug && window.bbDebug.ready() && !window.bbDebug.moving()"
RECORDS_HEADING = re.compile(r"^Records \(\d+\)$")


def wait_map(page, timeout: float = 60_000):
    """The page's frame once the live map has drawn a rerun state, the page's first run has laid out everything
    (the record table's heading, the last thing the map page writes) and the camera is still. (The map is part
    of the page: the frame is the page's own; tests pass it on so they read like the user's view.)

    The run's end matters for clicks: the head above the map is filled after the map, so on a first open the
    map can be drawn, then move down the page when the head arrives; a point taken before that missed its
    target (a click meant for Montenegro landed in Serbia on a clean-clone run)."""
    page.wait_for_function(SETTLED, timeout=timeout)
    page.get_by_text(RECORDS_HEADING).first.wait_for(timeout=timeout)
    page.wait_for_function(SETTLED, timeout=timeout)
    return page.main_frame


def wait_redrawn(frame, before: int, timeout: float = 20_000) -> None:
    """Wait until the map has drawn a state after ``before`` (a ``drawSeq``) and settled."""
    frame.wait_for_function(f"(b) => window.bbDebug.state().drawSeq !== b && ({SETTLED})()", arg=before, timeout=timeout)


def draw_seq(frame) -> int:
    return frame.evaluate("() => window.bbDebug.state().drawSeq")


def map_ids(frame) -> list[str]:
    return frame.evaluate(MAP_IDS_JS)


def settled_camera(frame, timeout: float = 30_000) -> dict:
    """The camera once the map has stopped moving (a user's move counts until the camera has been still)."""
    frame.wait_for_function("() => !window.bbDebug.moving()", timeout=timeout)
    return map_camera(frame)


def map_camera(frame) -> dict:
    return frame.evaluate("() => window.bbDebug.camera()")


def test_map_filter_selection_and_no_foreign_requests(page, app_url: str) -> None:
    page.goto(app_url + "/")
    frame = wait_map(page)
    # the map canvas has really painted: land, and the fills of the strongest ties, in the legend's colours
    assert frame.evaluate("() => window.bbDebug.pixels('#ECEBE7')") > 10_000  # land with no tie shown
    assert frame.evaluate("() => window.bbDebug.pixels('#B5DDF5')") > 1_000  # working arrangements
    # its script and data come from the app itself
    loaded = [u for u in page.request_log.urls if "/bb-assets/" in u]
    assert any("/bb-assets/map-" in u for u in loaded) and any("/bb-assets/mapdata-" in u for u in loaded), loaded
    assert all(u.startswith(app_url) for u in loaded)
    everything = map_ids(frame)
    catalog = geo.load_catalog(geo.data_dir())
    drawable = {rid for rid, shape in zip(catalog.records["id"], catalog.shapes(), strict=True) if shape is not None}
    assert set(everything) == drawable

    # a filter change (region preset) updates the map data and the URL
    before = map_camera(frame)
    page.get_by_text("Region presets").click()
    page.get_by_role("button", name="Western Balkans").first.click()
    page.wait_for_url(re.compile(r"regions=western_balkans"), timeout=20_000)
    frame.wait_for_function(f"() => ({MAP_IDS_JS})().length < {len(everything)}", timeout=20_000)
    wb = map_ids(frame)
    expected = set(geo.matching_ids(catalog, geo.FilterSpec(regions=("western_balkans",)))) & drawable
    assert set(wb) == expected and 0 < len(wb) < len(everything)
    # the headline figures follow the filter (they are cached per version, filter and day)
    headline = kpis(catalog.records[geo.mask(catalog, geo.FilterSpec(regions=("western_balkans",)))], dt.date.today())
    everywhere = kpis(catalog.records, dt.date.today())
    assert int(headline["Partners"]) < int(everywhere["Partners"])
    page.wait_for_function("(n) => Array.from(document.querySelectorAll('[data-testid=stMetric]')).some(m => "
                           "m.innerText.startsWith('Partners') && m.querySelector('[data-testid=stMetricValue]').innerText.trim() === n)",
                           arg=str(int(headline["Partners"])), timeout=20_000)
    framed = settled_camera(frame)  # the map framed the result: closer, and on the Balkans
    assert framed["zoom"] > before["zoom"] + 1 and 38 < framed["lat"] < 47 and 14 < framed["lon"] < 26
    # the link holds no camera: whoever opens it frames the same result for their own screen
    assert "zoom=" not in page.url and "lat=" not in page.url

    # selecting a table row opens the details panel with source links, and frames it on the map
    row = page.locator(".bb-table .row").first
    row.scroll_into_view_if_needed()
    picked = row.get_attribute("data-id")
    row.click()
    page.wait_for_selector("text=Close details", timeout=20_000)
    page.wait_for_url(re.compile(rf"sel={re.escape(picked)}(&|$)"), timeout=20_000)
    record = catalog.record(picked)
    assert record is not None and picked in wb  # the row belongs to the filtered view
    frame.wait_for_function("(id) => window.bbDebug.selected() === id", arg=picked, timeout=20_000)
    hrefs = page.locator('a[href^="http"]').evaluate_all("els => els.map(e => e.getAttribute('href'))")
    assert set(record["sources"]) <= set(hrefs), (record["sources"], hrefs)
    assert page.get_by_text(f"checked {record['checked']}").count() > 0

    foreign = page.request_log.foreign(app_url)
    assert foreign == [], f"requests left the machine: {foreign[:10]}"


def test_deep_link_opens_the_same_view(page, app_url: str) -> None:
    page.goto(app_url + "/?instruments=liaison_officer&zoom=4&lat=44&lon=20")
    frame = wait_map(page)
    ids = map_ids(frame)
    assert ids and all(i.startswith("lo-") for i in ids)
    camera = map_camera(frame)
    assert camera["zoom"] == pytest.approx(4) and camera["lat"] == pytest.approx(44, abs=0.01)
    assert page.request_log.foreign(app_url) == []


def test_a_link_without_a_camera_frames_the_same_result(browser, page, app_url: str) -> None:
    page.goto(app_url + "/?regions=sahel")
    framed = settled_camera(wait_map(page))
    other = browser.new_context(viewport={"width": 1500, "height": 1000}).new_page()
    other.goto(page.url)
    again = settled_camera(wait_map(other))
    assert again == pytest.approx(framed, abs=0.01)
    other.context.close()


def test_user_pan_and_zoom_go_into_the_link_and_a_filter_change_frames_its_result(page, app_url: str) -> None:
    page.goto(app_url + "/")
    frame = wait_map(page)
    box = page.locator(LIVE_MAP).bounding_box()
    assert box is not None
    x, y = box["x"] + box["width"] / 2, box["y"] + 250
    page.mouse.move(x, y)
    start = settled_camera(frame)
    for _ in range(3):  # zoom in with the wheel, as a user does: each step waits for the zoom to take effect
        z = map_camera(frame)["zoom"]
        page.mouse.wheel(0, -300)
        frame.wait_for_function("(z) => window.bbDebug.camera().zoom > z + 0.05", arg=z, timeout=10_000)
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x - 150, y + 60, steps=8)  # and drag it
    page.mouse.up()
    moved = settled_camera(frame)
    assert moved["zoom"] > start["zoom"] + 0.3
    # the app hears about the move and writes it into the link
    page.wait_for_function(
        "([z, lat]) => { const q = new URLSearchParams(location.search); "
        "return Math.abs(+q.get('zoom') - z) < 0.006 && Math.abs(+q.get('lat') - lat) < 0.001; }",
        arg=[moved["zoom"], moved["lat"]], timeout=20_000)
    got = {k: float(re.search(rf"{k}=(-?[0-9.]+)", page.url).group(1)) for k in ("lat", "lon", "zoom")}
    assert got["zoom"] == pytest.approx(moved["zoom"], abs=0.006) and got["lat"] == pytest.approx(moved["lat"], abs=0.001)
    # a filter change redraws the data in place (the same map element) and frames the filter's result
    frame.evaluate("() => { window.sameMap = document.querySelector('[data-testid=stBidiComponentIsolated]'); }")
    before = draw_seq(frame)
    page.get_by_text("Only what was in force on a day").click()
    page.wait_for_url(re.compile(r"asof="), timeout=20_000)  # wait for the condition itself, not for a redraw
    wait_redrawn(frame, before)
    assert frame.evaluate("() => window.sameMap === document.querySelector('[data-testid=stBidiComponentIsolated]')")
    after = settled_camera(frame)
    assert after != pytest.approx(moved, abs=0.01)  # framed on the result, not where the user left it
    # and the link drops the user's camera: the view is the filter's framing now
    page.wait_for_function("() => !new URLSearchParams(location.search).has('zoom')", timeout=20_000)
    assert page.request_log.foreign(app_url) == []



def page_point(page, frame, xy: list[float] | None) -> list[float]:
    """A point the map reports (``bbDebug.pointOf``, ``countryPoint``): already in the page's coordinates."""
    assert xy is not None
    return [float(xy[0]), float(xy[1])]


def test_clicking_a_map_symbol_opens_its_details(page, app_url: str) -> None:
    catalog = geo.load_catalog(geo.data_dir())
    target = catalog.record("lo-ankara")
    assert target is not None
    page.goto(app_url + "/?instruments=liaison_officer")
    frame = wait_map(page)
    xy = page_point(page, frame, frame.evaluate("(id) => window.bbDebug.pointOf(id)", "lo-ankara"))
    page.mouse.move(xy[0], xy[1])
    page.mouse.click(xy[0], xy[1])
    page.wait_for_selector("text=Close details", timeout=20_000)
    page.wait_for_function("() => location.search.includes('sel=lo-ankara')", timeout=20_000)
    page.get_by_text(target["name"]).first.wait_for(timeout=20_000)  # waits, raises if it never shows
    page.get_by_text("approximate: city centre").first.wait_for(timeout=20_000)  # the location precision is shown
    assert page.request_log.foreign(app_url) == []
