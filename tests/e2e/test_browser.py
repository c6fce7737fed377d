"""Real browser (Debian chromium via Playwright) against the app on the shipped data."""

from __future__ import annotations

import re

import pytest

import geo

pytestmark = pytest.mark.e2e

MAP_IDS_JS = "() => window.bbDebug.shownIds()"
LIVE_MAP = "iframe[title='dashboard.live_map.live_map']"
SETTLED = "() => document.body.dataset.drawSeq && window.bbMap && window.bbMap.loaded() && !window.bbMap.isMoving()"


def wait_map(page, timeout: float = 60_000):
    """The live map's frame once it has drawn a rerun state and MapLibre has loaded."""
    frame = page.wait_for_selector(LIVE_MAP, timeout=timeout).content_frame()
    frame.wait_for_selector("canvas.maplibregl-canvas", timeout=timeout)
    frame.wait_for_function(SETTLED, timeout=timeout)
    return frame


def wait_redrawn(frame, before: str, timeout: float = 20_000) -> None:
    """Wait until the map has drawn a draw after ``before`` (a ``drawSeq``) and settled."""
    frame.wait_for_function(f"(b) => document.body.dataset.drawSeq !== b && ({SETTLED})()", arg=before, timeout=timeout)


def draw_seq(frame) -> str:
    return frame.evaluate("() => document.body.dataset.drawSeq")


def map_ids(frame) -> list[str]:
    return frame.evaluate(MAP_IDS_JS)


def settled_camera(frame, timeout: float = 30_000) -> dict:
    """The camera once the map has stopped moving (wheel zoom and drag end with an animation)."""
    frame.wait_for_function("() => !window.bbMap.isMoving()", timeout=timeout)
    return map_camera(frame)


def map_camera(frame) -> dict:
    return frame.evaluate("() => window.bbDebug.camera()")


def test_map_filter_selection_and_no_foreign_requests(page, app_url: str) -> None:
    page.goto(app_url + "/")
    frame = wait_map(page)
    # the map canvas has actually drawn pixels (not a blank canvas)
    drawn = frame.evaluate("""() => { const c = document.querySelector('canvas.maplibregl-canvas'); return c.width > 100 && c.height > 100; }""")
    assert drawn
    # MapLibre as set-up installed it, served by the app, and a map tuned for software WebGL: no cross-fade
    scripts = frame.evaluate("() => [...document.scripts].map(s => s.src).filter(Boolean)")
    assert any(src.endswith("/maplibre-gl.js") and src.startswith(app_url) for src in scripts), scripts
    assert frame.evaluate("() => window.bbMap._fadeDuration") == 0
    everything = map_ids(frame)
    catalog = geo.load_catalog(geo.data_dir())
    drawable = {r.id for r in catalog.records.itertuples() if r.geometry is not None}
    assert set(everything) == drawable

    # a filter change (region preset) updates the map data and the URL
    page.get_by_text("Region presets").click()
    page.get_by_role("button", name="Western Balkans").first.click()
    page.wait_for_url(re.compile(r"regions=western_balkans"), timeout=20_000)
    frame.wait_for_function(f"() => ({MAP_IDS_JS})().length < {len(everything)}", timeout=20_000)
    wb = map_ids(frame)
    expected = set(geo.matching_ids(catalog, geo.FilterSpec(regions=("western_balkans",)))) & drawable
    assert set(wb) == expected and 0 < len(wb) < len(everything)
    page.wait_for_url(re.compile(r"zoom=.*"), timeout=20_000)  # the map framed the result and the link has its camera
    assert "lat=" in page.url

    # selecting a table row opens the details panel with source links, and frames it on the map
    grid = page.locator('[data-testid="stDataFrame"]').first
    grid.scroll_into_view_if_needed()
    box = grid.bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + 12, box["y"] + 35 + 17)
    page.wait_for_selector("text=Close details", timeout=20_000)
    page.wait_for_url(re.compile(r"sel=[a-z0-9-]+"), timeout=20_000)
    selected = re.search(r"sel=([a-z0-9-]+)", page.url).group(1)
    record = catalog.record(selected)
    assert record is not None and selected in wb  # the row belongs to the filtered view
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
        frame.wait_for_function("(z) => window.bbMap.getZoom() > z + 0.05", arg=z, timeout=10_000)
    settled_camera(frame)
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x - 150, y + 60, steps=8)
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
    # a filter change redraws the data in place: same map, camera where the user left it
    frame.evaluate("() => { window.sameMap = true; }")
    before = draw_seq(frame)
    page.get_by_text("Only what was in force on a day").click()
    page.wait_for_url(re.compile(r"asof="), timeout=20_000)  # wait for the condition itself, not for a redraw
    wait_redrawn(frame, before)
    assert frame.evaluate("() => window.sameMap === true")  # the frame was not reloaded
    after = settled_camera(frame)
    # the as-of filter frames its result: the camera moved to it, and the link follows the new camera
    page.wait_for_function("(z) => Math.abs(+new URLSearchParams(location.search).get('zoom') - z) < 0.006",
                           arg=after["zoom"], timeout=20_000)
    assert page.request_log.foreign(app_url) == []



def page_point(page, frame, xy: list[float]) -> list[float]:
    """A point in the map frame's coordinates, in the page's."""
    box = page.locator(LIVE_MAP).bounding_box()
    assert box is not None and xy is not None
    return [xy[0] + box["x"], xy[1] + box["y"]]


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
