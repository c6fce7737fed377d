"""The situation map as users work it: every layer on, real clicks on real symbols, at real screen sizes."""

from __future__ import annotations

import re

import pytest

import geo
from dashboard.style import ROUTE_LINE, STYLES, TIE_FILLS
from tests.e2e.test_browser import LIVE_MAP, RECORDS_HEADING, SETTLED, draw_seq, page_point, wait_map, wait_redrawn

pytestmark = pytest.mark.e2e

SITE_INSTRUMENTS = ("liaison_officer", "coordination_point", "event", "organisation", "risk_network")


def map_box(frame) -> dict:
    """The map's drawing area in the page (the legend strip under it is not part of it)."""
    return frame.evaluate("() => { const r = document.querySelector('[data-testid=stBidiComponentIsolated]').shadowRoot"
                          ".querySelector('.bb-box').getBoundingClientRect(); return {x: r.left, y: r.top, w: r.width, h: r.height}; }")


def visible_sites(frame, catalog, ids: list[str]) -> list[str]:
    """The located records among ``ids`` whose symbol lies inside the map's drawing area."""
    box = map_box(frame)
    out = []
    for rid in ids:
        rec = catalog.record(rid)
        if rec is None or not rec["located"] or rec["instrument"] not in SITE_INSTRUMENTS:
            continue
        xy = frame.evaluate("(id) => window.bbDebug.pointOf(id)", rid)
        if xy and box["x"] + 12 < xy[0] < box["x"] + box["w"] - 50 and box["y"] + 12 < xy[1] < box["y"] + box["h"] - 12:
            out.append(rid)  # clear of the edges and the zoom buttons
    return out


def click_and_expect(page, frame, rid: str) -> None:
    """Click the record's symbol where the map draws it; pick it from the list if others share the place."""
    frame.wait_for_function(SETTLED, timeout=20_000)  # the last pick's rerun drawn and the camera still: symbols stay put
    before = frame.evaluate("() => window.bbDebug.state().chooser")
    x, y = page_point(page, frame, frame.evaluate("(id) => window.bbDebug.pointOf(id)", rid))
    page.mouse.click(x, y)
    # either the click selected the record, or a list of the records at that place opened
    frame.wait_for_function("([id, n]) => window.bbDebug.selected() === id || window.bbDebug.state().chooser > 0",
                            arg=[rid, before], timeout=20_000)
    if frame.evaluate("() => window.bbDebug.state().chooser > 0"):
        chooser = page.locator(f"#chooser button[data-id='{rid}']")
        assert chooser.count() == 1, f"{rid} is not offered among the records at its place"
        chooser.click()
    page.wait_for_url(re.compile(rf"sel={re.escape(rid)}(&|$)"), timeout=20_000)
    frame.wait_for_function("(id) => window.bbDebug.selected() === id", arg=rid, timeout=20_000)


@pytest.mark.parametrize("query", ["", "?regions=western_balkans", "?regions=sahel"], ids=["default", "western-balkans", "sahel"])
def test_clicking_each_site_symbol_opens_that_record_with_every_layer_on(page, app_url: str, query: str) -> None:
    catalog = geo.load_catalog(geo.data_dir())
    page.set_viewport_size({"width": 1600, "height": 1000})
    page.goto(app_url + "/" + query)
    frame = wait_map(page)
    shown = frame.evaluate("() => window.bbDebug.shownIds()")
    sites = visible_sites(frame, catalog, shown)
    assert len(sites) >= (2 if query else 20), sites
    for rid in sites:
        click_and_expect(page, frame, rid)
    assert page.request_log.foreign(app_url) == []


def test_a_country_with_several_records_offers_all_of_them(page, app_url: str) -> None:
    catalog = geo.load_catalog(geo.data_dir())
    page.goto(app_url + "/?regions=western_balkans")
    frame = wait_map(page)
    expected = set(geo.matching_ids(catalog, geo.FilterSpec(regions=("western_balkans",))))
    montenegro = {r.id for r in catalog.records.itertuples() if "MNE" in r.partners and not r.located and r.id in expected}
    assert len(montenegro) >= 3  # its working arrangement, its operation, the dialogues it takes part in
    # click Montenegro away from any symbol: its label point
    x, y = page_point(page, frame, frame.evaluate("() => window.bbDebug.countryPoint('MNE')"))
    page.mouse.move(x, y)
    page.locator("#tip").wait_for(state="visible")
    assert "Montenegro" in page.locator("#tip").inner_text()
    page.mouse.click(x, y)
    page.locator("#chooser").wait_for(state="visible")
    offered = set(page.locator("#chooser button").evaluate_all("els => els.map(e => e.dataset.id)"))
    assert offered == montenegro
    assert "Montenegro" in page.locator("#chooser b").inner_text()
    # keyboard: the list has the focus; arrow down and Enter open the second record
    page.keyboard.press("ArrowDown")
    second = page.locator("#chooser button:focus").get_attribute("data-id")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(rf"sel={re.escape(second)}(&|$)"), timeout=20_000)


def test_legend_shows_each_drawn_layer_in_its_form_and_toggles_it(page, app_url: str) -> None:
    page.goto(app_url + "/")
    frame = wait_map(page)
    entries = page.locator("#legend button[aria-pressed]").evaluate_all(
        "els => els.map(e => ({key: e.dataset.key, form: e.dataset.form}))")
    forms = {e["key"]: e["form"] for e in entries}
    # every fill drawn on the map is a legend entry: the tie fills in use, and each is painted in its colour
    ties = frame.evaluate("() => window.bbDebug.ties()")
    tie_keys = ["operation", "status_agreement", "working_arrangement", "strategic_partner"]
    box, painted = map_box(frame), set()
    for iso, t in ties.items():
        assert forms.get(tie_keys[t]) == "fill"
        x, y = frame.evaluate("(iso) => window.bbDebug.countryPoint(iso)", iso)
        if box["x"] < x < box["x"] + box["w"] and box["y"] < y < box["y"] + box["h"]:  # in view: painted in its colour
            assert frame.evaluate("(c) => window.bbDebug.pixels(c)", TIE_FILLS[tie_keys[t]]) > 50, (iso, tie_keys[t])
            painted.add(t)
    assert len(painted) >= 3
    # every drawn outline layer and point symbol has its entry in the same form
    assert forms.get("project") == "outline" and forms.get("dialogue") == "outline"
    for key in ("project", "risk_network", "dialogue"):  # and the regional outlines are painted in their colours
        assert frame.evaluate("(c) => window.bbDebug.pixels(c)", STYLES[key].colour) > 50, key
    assert forms.get("liaison_officer") == "point" and forms.get("organisation") == "point"
    # toggling a legend entry hides that layer on the map (and shows it again)
    before = len(frame.evaluate("() => window.bbDebug.shownIds()"))
    seq = draw_seq(frame)
    page.locator("#legend button[data-key='organisation']").click()
    frame.wait_for_function("(n) => window.bbDebug.shownIds().length < n", arg=before)
    assert page.locator("#legend button[data-key='organisation']").get_attribute("aria-pressed") == "false"
    page.locator("#legend button[data-key='organisation']").click()
    frame.wait_for_function("(n) => window.bbDebug.shownIds().length === n", arg=before)
    assert draw_seq(frame) == seq  # a legend toggle is the map's own business: no rerun of the app


def test_country_names_are_drawn_offline_and_declutter_by_zoom(page, app_url: str) -> None:
    page.goto(app_url + "/?regions=western_balkans")
    frame = wait_map(page)
    names = frame.evaluate("() => window.bbDebug.labels()")
    assert {"Serbia", "Montenegro", "Albania", "North Macedonia", "Bosnia and Herzegovina"} <= set(names)
    boxes = page.locator(".lbl").evaluate_all("els => els.map(e => { const r = e.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; })")
    for i, a in enumerate(boxes):  # decluttered: no two names overlap
        for b in boxes[i + 1:]:
            assert a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1], (a, b)
    near = len(names)
    frame.evaluate("() => window.bbDebug.jumpTo({zoom: 1.2})")
    frame.wait_for_function("(n) => window.bbDebug.labels().length !== n", arg=near)
    assert page.request_log.foreign(app_url) == []
    assert not [u for u in page.request_log.urls if "glyph" in u or u.endswith(".pbf")]  # no glyph server at all


def test_a_route_is_drawn_and_framed(page, app_url: str) -> None:
    page.goto(app_url + "/?routes=central-mediterranean")
    frame = wait_map(page)
    assert {"LBY", "TUN", "DZA", "EGY"} <= set(frame.evaluate("() => window.bbDebug.routeCountries()"))
    assert frame.evaluate("() => window.bbDebug.routes()") == ["central-mediterranean"]
    assert frame.evaluate("(c) => window.bbDebug.pixels(c)", ROUTE_LINE) > 100  # the line and the outlines are painted
    box = map_box(frame)
    for iso in ("LBY", "TUN"):  # framed: the route countries are in view
        x, y = frame.evaluate("(iso) => window.bbDebug.countryPoint(iso)", iso)
        assert box["x"] < x < box["x"] + box["w"] and box["y"] < y < box["y"] + box["h"]
    assert page.locator("#legend button[data-key='route']").count() == 1


def test_presentation_mode_fills_a_wall_screen_with_the_map_and_its_legend(page, app_url: str) -> None:
    page.set_viewport_size({"width": 1920, "height": 1080})
    page.goto(app_url + "/?present=1")
    frame = wait_map(page)
    # the whole map component (legend and time bar included) above the fold, once the elements above it and the
    # legend's entries are in (the map follows their sizes)
    page.wait_for_function("() => { const r = window.bbDebug.box(), l = document.querySelector('[data-testid=stBidiComponentIsolated]')"
                           ".shadowRoot.querySelector('#legend').getBoundingClientRect();"
                           " return r.height > 600 && r.y + r.height <= innerHeight && l.height > 20 && l.bottom <= innerHeight; }",
                           timeout=20_000)
    box = page.locator(LIVE_MAP).bounding_box()
    assert box is not None and box["y"] + box["height"] <= 1080 and map_box(frame)["h"] >= 560  # most of the screen
    legend = page.locator("#legend").bounding_box()
    # the whole legend under the map and above the fold (Playwright gives both boxes in the page's coordinates)
    assert legend is not None and legend["height"] > 20 and legend["y"] + legend["height"] <= 1080
    assert page.evaluate("() => document.querySelector('[data-testid=stMain]').scrollTop") == 0


LAZY_PARTS = re.compile(r"/static/js/(Metric|ButtonGroup|NumberInput|Button|Html)\.[\w-]+\.js$")


@pytest.mark.parametrize("query", ["?regions=western_balkans", "?present=1"], ids=["sidebar-open", "presentation"])
def test_the_map_keeps_its_place_while_the_page_loads(page, app_url: str, query: str) -> None:
    """A user may click as soon as the map is drawn. Streamlit fetches the code of the headline figures, the
    preset pills, the kiosk box and the buttons above the map when the first of each arrives, and shows a
    placeholder of its own height until then: the map used to move 63 px down a moment after its first draw,
    and a click meant for Montenegro opened Serbia. The wall screen's style sheet (an HTML element) moved it up
    72 px the same way. Here that code is held back until the map has drawn (as on a slow link), then let
    through."""
    held: list | None = []
    page.route(LAZY_PARTS, lambda route: held.append(route) if held is not None else route.continue_())
    page.goto(app_url + "/" + query)
    page.wait_for_function("() => window.bbDebug && window.bbDebug.ready()", timeout=60_000)
    # where the map is on the first frame the user sees after its first draw (within the drawing frame itself the
    # wall screen's layout was still 5 px from done)
    first = page.evaluate("() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(() => done(window.bbDebug.box().y))))")
    assert held, "no part of the page's code was held back: the test would prove nothing"
    for route in held:
        route.continue_()
    held = None  # from now on let through at once
    page.wait_for_function("() => document.querySelectorAll('[data-testid=stMetricValue]').length === 6", timeout=20_000)
    page.get_by_text(RECORDS_HEADING).first.wait_for(timeout=20_000)
    page.get_by_role("button", name=re.compile("Presentation mode|Leave presentation")).wait_for(timeout=20_000)
    # within 3 px: the status line's placeholder (Streamlit's, until its first text) is 1.6 px taller than the line
    assert abs(page.evaluate("() => window.bbDebug.box().y") - first) <= 3


def test_dark_theme_renders_map_and_page(page, app_url: str) -> None:
    page.goto(app_url + "/?theme=dark")
    frame = wait_map(page)
    assert frame.evaluate("() => window.bbDebug.state().theme") == "dark"
    assert frame.evaluate("() => window.bbDebug.water()") == "#0E1117"
    assert frame.evaluate("() => window.bbDebug.pixels('#0E1117')") > 10_000  # the dark sea is painted
    # the page's dark style sheet is an element of its own: wait for it to apply
    page.wait_for_function("() => getComputedStyle(document.querySelector('[data-testid=stAppViewContainer]')).backgroundColor"
                           " === 'rgb(14, 17, 23)'", timeout=20_000)
    assert "theme=dark" in page.url
    before = draw_seq(frame)
    page.get_by_text("Region presets").click()
    page.get_by_role("button", name="Sahel").first.click()
    wait_redrawn(frame, before)
    assert frame.evaluate("() => window.bbDebug.state().theme") == "dark" and "theme=dark" in page.url


def test_time_playback_steps_the_as_of_day_and_the_map_follows(page, app_url: str) -> None:
    page.goto(app_url + "/?regions=western_balkans")
    frame = wait_map(page)
    today = len(frame.evaluate("() => window.bbDebug.shownIds()"))
    page.get_by_role("button", name="▶ Play").click()
    page.wait_for_url(re.compile(r"asof=\d{4}-\d\d-\d\d"), timeout=20_000)
    first = re.search(r"asof=(\d{4}-\d\d-\d\d)", page.url).group(1)
    # the first steps lie before most agreements: the map shows fewer records than today
    frame.wait_for_function("(n) => window.bbDebug.shownIds().length < n", arg=today, timeout=20_000)
    page.wait_for_function("(d) => { const m = location.search.match(/asof=([0-9-]+)/); return m && m[1] > d; }", arg=first, timeout=20_000)
    page.get_by_role("button", name="⏸ Pause").wait_for(timeout=20_000)  # the button says how to stop it


def test_kiosk_cycle_advances_through_the_presets(page, app_url: str) -> None:
    page.set_viewport_size({"width": 1920, "height": 1080})
    page.goto(app_url + "/?present=1&kiosk=5")
    page.wait_for_url(re.compile(r"regions=[a-z_]+"), timeout=30_000)
    first = re.search(r"regions=([a-z_,%C]+)", page.url).group(1)
    page.wait_for_function("(r) => { const m = location.search.match(/regions=([^&]+)/); return m && m[1] !== r; }", arg=first, timeout=30_000)
    assert "present=1" in page.url and "kiosk=5" in page.url


@pytest.mark.parametrize("query", ["", "?present=1"], ids=["sidebar-open", "presentation"])
def test_layout_holds_at_1280_by_720_no_label_or_button_is_cut(page, app_url: str, query: str) -> None:
    page.set_viewport_size({"width": 1280, "height": 720})
    page.goto(app_url + "/" + query)
    wait_map(page)
    page.wait_for_function("() => document.querySelectorAll(\"[data-testid='stMetricLabel']\").length === 6")
    # text wider than a box that ends it with an ellipsis is cut (Streamlit does so for metric labels and buttons)
    cut = page.evaluate("""() => [...document.querySelectorAll("[data-testid='stMain'] *")].filter(e => {
          const cs = getComputedStyle(e);
          return e.offsetParent !== null && cs.textOverflow === 'ellipsis' && cs.overflow !== 'visible' && e.scrollWidth > e.clientWidth + 1;
        }).map(e => e.textContent.trim())""")
    assert cut == []
    # nor does a row of controls run out of its box (a strip of pills that scrolls sideways hides some)
    hidden = page.evaluate("""() => [...document.querySelectorAll("[data-testid='stMain'] [data-testid='stButtonGroup'] *, [data-testid='stMain'] [data-testid='stHorizontalBlock']")]
        .filter(e => e.offsetParent !== null && e.scrollWidth > e.clientWidth + 1).map(e => e.textContent.trim().slice(0, 60))""")
    assert hidden == []


def test_date_unknown_records_are_marked_on_the_map_in_the_legend_and_the_figures(page, app_url: str) -> None:
    """As of a day the sources leave open for some records (Russia's arrangement in 2015, coordination-point
    activations known only by month), those records are drawn and marked, never silently in or out."""
    import datetime as dt

    catalog = geo.load_catalog(geo.data_dir())
    spec = geo.FilterSpec(as_of=dt.date(2015, 6, 1))
    expected = {rid for rid, u in zip(catalog.records["id"], geo.date_unknown(catalog, spec), strict=True) if u}
    assert "wa-rus" in expected
    page.goto(app_url + "/?asof=2015-06-01")
    frame = wait_map(page)
    assert set(frame.evaluate("() => window.bbDebug.unknownIds()")) == expected
    # Russia's only tie that day is the arrangement of unknown standing: hatched in its colour, not filled
    assert frame.evaluate("() => window.bbDebug.hatched('RUS')") is True
    assert frame.evaluate("() => window.bbDebug.hatched('TUR')") is False
    assert page.locator("#legend button[data-key='unknown']").count() == 1
    assert page.get_by_text("date unknown", exact=False).count() > 0  # under the headline figures
