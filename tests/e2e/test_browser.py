"""Real browser (Debian chromium via Playwright) against the app on the shipped data."""

from __future__ import annotations

import re

import pytest

import geo

pytestmark = pytest.mark.e2e

MAP_IDS_JS = """() => {
  const plots = [...document.querySelectorAll('.js-plotly-plot')];
  const ids = new Set();
  for (const gd of plots.slice(0, 1)) for (const t of (gd.data || [])) for (const c of (t.customdata || [])) for (const i of String(c[0]).split('|')) ids.add(i);
  return [...ids].sort();
}"""


def wait_map(page, timeout: float = 30_000) -> None:
    page.wait_for_selector("canvas.maplibregl-canvas", timeout=timeout)
    page.wait_for_function("() => { const gd = document.querySelector('.js-plotly-plot'); return gd && gd.data && gd.data.length > 0; }", timeout=timeout)


def map_ids(page) -> list[str]:
    return page.evaluate(MAP_IDS_JS)


def test_map_filter_selection_and_no_foreign_requests(page, app_url: str) -> None:
    page.goto(app_url + "/")
    wait_map(page)
    # the map canvas has actually drawn pixels (not a blank canvas)
    drawn = page.evaluate("""() => { const c = document.querySelector('canvas.maplibregl-canvas'); return c.width > 100 && c.height > 100; }""")
    assert drawn
    everything = map_ids(page)
    catalog = geo.load_catalog(geo.data_dir())
    drawable = {r.id for r in catalog.records.itertuples() if r.geometry is not None}
    assert set(everything) == drawable

    # a filter change (region preset) updates the map data and the URL
    page.get_by_text("Region presets").click()
    page.get_by_role("button", name="Western Balkans").first.click()
    page.wait_for_url(re.compile(r"regions=western_balkans"), timeout=20_000)
    page.wait_for_function(f"() => {{ const gd = document.querySelector('.js-plotly-plot'); return gd && gd.data && (({MAP_IDS_JS})().length < {len(everything)}); }}", timeout=20_000)
    wb = map_ids(page)
    expected = set(geo.matching_ids(catalog, geo.FilterSpec(regions=("western_balkans",)))) & drawable
    assert set(wb) == expected and 0 < len(wb) < len(everything)
    assert "zoom=" in page.url and "lat=" in page.url

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
    wait_map(page)
    ids = map_ids(page)
    assert ids and all(i.startswith("lo-") for i in ids)
    zoom = page.evaluate("() => document.querySelector('.js-plotly-plot').layout.map.zoom")
    assert zoom == 4
    assert page.request_log.foreign(app_url) == []



def test_clicking_a_map_symbol_opens_its_details(page, app_url: str) -> None:
    catalog = geo.load_catalog(geo.data_dir())
    target = catalog.record("lo-ankara")
    assert target is not None
    page.goto(app_url + "/?instruments=liaison_officer")
    wait_map(page)
    page.wait_for_function("() => document.querySelector('.js-plotly-plot')._fullLayout.map._subplot.map.loaded()", timeout=30_000)
    xy = page.evaluate(
        """([lon, lat]) => { const m = document.querySelector('.js-plotly-plot')._fullLayout.map._subplot.map;
             const p = m.project([lon, lat]); const r = m.getCanvas().getBoundingClientRect(); return [r.left + p.x, r.top + p.y]; }""",
        [float(target["lon"]), float(target["lat"])],
    )
    page.mouse.move(xy[0], xy[1])
    page.mouse.click(xy[0], xy[1])
    page.wait_for_selector("text=Close details", timeout=20_000)
    page.wait_for_function("() => location.search.includes('sel=lo-ankara')", timeout=20_000)
    assert page.get_by_text(target["name"]).count() > 0
    assert page.get_by_text("approximate: city centre").count() > 0  # the location precision is shown
    assert page.request_log.foreign(app_url) == []
