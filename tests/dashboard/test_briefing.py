"""Briefing products written by the command line, opened and checked (real Kaleido + Debian chromium).

The HTML export is opened the way a user opens it: from disk (``file://``) in Debian chromium, with every
request other than the file itself recorded and refused.
"""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys
import unicodedata
import xml.etree.ElementTree as ET
from pathlib import Path

import openpyxl
import pytest
from PIL import Image
from pptx import Presentation
from pypdf import PdfReader

import geo
from dashboard.briefing import ALL_FORMATS, main
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS

PRESET = "Western Balkans"


@pytest.fixture(scope="module")
def products(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("briefing")
    code = main(["--preset", PRESET, "--formats", ",".join(ALL_FORMATS), "--out", str(out), "--marking", "LIMITED", "--title", "Morning briefing",
                 "--clearance", "public"])
    assert code == 0
    return out


@pytest.fixture(scope="module")
def selection() -> geo.Catalog:
    cat = geo.load_catalog(geo.data_dir())
    return geo.apply(cat, geo.FilterSpec(regions=("western_balkans",)))


def test_png_is_large_and_the_map_area_is_drawn(products: Path) -> None:
    img = Image.open(products / "briefing.png").convert("RGB")
    assert img.size == (3200, 1800)  # 1600 x 900 at 2x
    w, h = img.size
    map_area = img.crop((int(w * 0.1), int(h * 0.2), int(w * 0.9), int(h * 0.75)))
    colours = map_area.getcolors(maxcolors=1_000_000)
    assert colours is not None and len(colours) > 50  # many colours: outlines and fills drawn, not a blank canvas
    white = sum(n for n, c in colours if c == (255, 255, 255))
    assert white < 0.9 * map_area.size[0] * map_area.size[1]
    banner = img.getpixel((w // 10, 70))  # left of the centred marking text
    assert banner == (0xB3, 0x58, 0x06)  # LIMITED banner colour


def test_svg_parses_and_draws_countries_as_vector_paths(products: Path) -> None:
    root = ET.parse(products / "briefing.svg").getroot()
    assert root.tag.endswith("svg")
    ns = "{http://www.w3.org/2000/svg}"
    assert not list(root.iter(f"{ns}image"))  # the map is not an embedded picture
    fills = [p for p in root.iter(f"{ns}path") if "js-fill" in (p.get("class") or "")]
    outlines = sum(p.get("d", "").count("M") for p in fills)
    assert len(fills) >= 4 and outlines > 50  # basemap and instrument fills: many country outlines as paths


def test_pdf_has_title_and_marking(products: Path) -> None:
    raw = "".join(page.extract_text() for page in PdfReader(products / "briefing.pdf").pages)
    text = unicodedata.normalize("NFKC", raw)  # the PDF font uses ligatures (ﬁ)
    assert "Morning briefing" in text and "LIMITED" in text and "Natural Earth" in text


def placed(tm: list[float], cm: list[float]) -> tuple[float, float, float, float]:
    """(scale across, scale up, x, y) on the page of a text run drawn with text matrix ``tm`` under ``cm``."""
    a, b, c, d, e, f = cm
    return (tm[0] * a + tm[1] * c, tm[2] * b + tm[3] * d, tm[4] * a + tm[5] * c + e, tm[4] * b + tm[5] * d + f)


def test_pdf_is_an_a4_landscape_page_titled_like_the_briefing(products: Path) -> None:
    reader = PdfReader(products / "briefing.pdf")
    assert reader.metadata is not None and reader.metadata.title == "Morning briefing"
    (page,) = reader.pages
    width, height = float(page.mediabox.width), float(page.mediabox.height)
    assert page.rotation == 0 and abs(width - 842) <= 1 and abs(height - 595) <= 1
    runs: list[tuple[str, tuple[float, float, float, float]]] = []
    page.extract_text(visitor_text=lambda text, cm, tm, *_: runs.append((text, placed(tm, cm))) if text.strip() else None)
    assert "Morning briefing" in unicodedata.normalize("NFKC", "".join(text for text, _ in runs))  # the runs are the page's text
    for text, (across, up, x, y) in runs:
        assert abs(abs(across) - abs(up)) <= 1e-3 * abs(across), text  # scaled to fit, not stretched to the page's shape
        assert 0 <= x <= width and 0 <= y <= height, text  # and all of it on the page


def test_pptx_has_title_marking_picture_and_footer(products: Path) -> None:
    deck = Presentation(str(products / "briefing.pptx"))
    slide = deck.slides[0]
    texts = [sh.text_frame.text for sh in slide.shapes if sh.has_text_frame]
    assert "Morning briefing" in texts and texts.count("LIMITED") == 2
    assert any("Generated" in t and "data version" in t and "Natural Earth" in t for t in texts)
    assert any("in the Western Balkans" in t for t in texts)
    pictures = [sh for sh in slide.shapes if sh.shape_type == 13]
    assert len(pictures) == 1 and Image.open(io.BytesIO(pictures[0].image.blob)).size[0] >= 1200


def test_pptx_shapes_do_not_overlap_and_the_map_has_alt_text(products: Path) -> None:
    slide = Presentation(str(products / "briefing.pptx")).slides[0]
    boxes = [(sh, (sh.left, sh.top, sh.left + sh.width, sh.top + sh.height)) for sh in slide.shapes]
    for n, (first, (l1, t1, r1, b1)) in enumerate(boxes):
        for second, (l2, t2, r2, b2) in boxes[n + 1:]:
            assert min(r1, r2) <= max(l1, l2) or min(b1, b2) <= max(t1, t2), (first.name, second.name)  # touching is fine
    (picture,) = [sh for sh in slide.shapes if sh.shape_type == 13]
    (footer,) = [sh for sh in slide.shapes if sh.has_text_frame and sh.text_frame.text.startswith("Generated")]
    assert footer.top >= picture.top + picture.height
    alt = picture._element.nvPicPr.cNvPr.get("descr")
    assert "Morning briefing" in alt and "in the Western Balkans" in alt and "as of" in alt


def test_data_files_equal_the_filtered_records(products: Path, selection: geo.Catalog) -> None:
    ids = list(selection.records["id"])
    rows = list(csv.DictReader(io.StringIO((products / "briefing.csv").read_text(encoding="utf-8-sig"))))
    assert [r["id"] for r in rows] == ids and all(r["sources"].startswith("http") for r in rows)
    ws = openpyxl.load_workbook(products / "briefing.xlsx")["records"]
    assert [row[0].value for row in ws.iter_rows(min_row=2)] == ids
    fc = json.loads((products / "briefing.geojson").read_text())
    assert [f["id"] for f in fc["features"]] == ids


def test_html_is_self_contained_with_no_address_of_another_host(products: Path) -> None:
    page = (products / "briefing.html").read_text(encoding="utf-8")
    assert not re.search(r"https?://", page, re.IGNORECASE)  # the whole file, plotly.js included
    assert "<title>Morning briefing — LIMITED</title>" in page and "LIMITED" in page
    assert "Content-Security-Policy" in page and "default-src 'none'" in page
    call = page[page.rindex("Plotly.newPlot("):]  # the figure and config (plotly.js itself names every option)
    assert '"displaylogo": false' in call and "plotlyServerURL" not in call and "showLink" not in call
    assert "MathJax.Hub" not in page
    assert "<script src" not in page and "<link" not in page  # nothing loaded from beside or beyond the file


def test_html_escapes_only_slashes_in_plotly_js(products: Path) -> None:
    """The address escape leaves plotly.js the same program: undoing it gives the bundled library back."""
    from plotly.offline import get_plotlyjs

    page = (products / "briefing.html").read_text(encoding="utf-8")
    assert get_plotlyjs() in re.sub(r"(https?):\\/\\/", r"\1://", page, flags=re.IGNORECASE)


@pytest.mark.e2e
def test_html_opened_from_disk_draws_and_hovers_with_no_request(products: Path) -> None:
    from playwright.sync_api import sync_playwright

    own = (products / "briefing.html").resolve().as_uri()
    requests: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            context = browser.new_context(viewport={"width": 1600, "height": 1000})
            context.on("request", lambda r: requests.append(r.url))
            context.route("**/*", lambda route: route.continue_() if route.request.url == own else route.abort())
            page = context.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.goto(own)
            page.wait_for_selector(".js-plotly-plot .scatterlayer .trace path.js-fill", timeout=30_000)
            assert page.locator(".js-plotly-plot .scatterlayer .trace path").count() > 10
            assert page.locator(".js-plotly-plot .legend .traces").count() >= 5
            texts = page.locator(".js-plotly-plot .infolayer").text_content() or ""
            assert "Morning briefing" in texts and "LIMITED" in texts and "as of" in texts and "Natural Earth" in texts
            # Hover the first liaison-officer point: its name, partners and precision show.
            spot = page.evaluate("""() => {
                const gd = document.querySelector('.js-plotly-plot');
                const i = gd.data.findIndex(t => t.meta && t.meta.form === 'point' && t.meta.instrument === 'liaison_officer');
                const xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis, box = gd.getBoundingClientRect();
                const p = gd.calcdata[i][0];
                return {text: gd.data[i].hovertext[0], x: box.left + xa._offset + xa.c2p(p.x), y: box.top + ya._offset + ya.c2p(p.y)};
            }""")
            page.mouse.move(spot["x"], spot["y"])
            page.wait_for_selector(".hoverlayer .hovertext", timeout=5_000)
            shown = page.locator(".hoverlayer .hovertext").first.text_content() or ""
            name = re.sub("<[^>]+>", "", spot["text"].split("<br>")[0])
            assert name in shown and "Partners:" in shown and "Location:" in shown
            assert errors == []
        finally:
            browser.close()
    assert requests == [own]  # the file itself and nothing else


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    import os

    clearance = () if "--clearance" in args else ("--clearance", "public")
    return subprocess.run([sys.executable, "-m", "dashboard.briefing", *args, *clearance], capture_output=True, text=True,
                          env=os.environ | (env or {}), timeout=120)


def test_cli_rejects_an_unknown_preset(tmp_path: Path) -> None:
    res = run_cli("--preset", "Atlantis", "--out", str(tmp_path))
    assert res.returncode == 2 and "unknown preset 'Atlantis'" in res.stderr and "Western Balkans" in res.stderr
    assert "Traceback" not in res.stderr


def test_cli_rejects_an_unknown_format(tmp_path: Path) -> None:
    res = run_cli("--preset", PRESET, "--formats", "png,gif", "--out", str(tmp_path))
    assert res.returncode == 2 and "gif" in res.stderr and not any(tmp_path.iterdir())


def test_cli_says_how_to_install_chromium(tmp_path: Path) -> None:
    res = run_cli("--preset", PRESET, "--formats", "png", "--out", str(tmp_path), env={"BROWSER_PATH": "/nonexistent/chromium"})
    assert res.returncode == 3 and "apt-get install chromium" in res.stderr and "Traceback" not in res.stderr


def test_cli_from_a_link_writes_data_without_chromium(tmp_path: Path) -> None:
    res = run_cli("--link", "http://localhost:8501/?instruments=liaison_officer&bogus=1", "--formats", "csv", "--out", str(tmp_path),
                  env={"BROWSER_PATH": "/nonexistent/chromium"})
    assert res.returncode == 0, res.stderr
    assert "bogus" in res.stderr  # the ignored link parameter is reported
    rows = list(csv.DictReader(io.StringIO((tmp_path / "briefing.csv").read_text(encoding="utf-8-sig"))))
    assert rows and all(r["instrument"] == "Liaison officer postings" for r in rows)


def test_cli_writes_the_html_without_chromium(tmp_path: Path) -> None:
    res = run_cli("--preset", "Sahel", "--formats", "html", "--out", str(tmp_path), "--title", "Sahel <today>",
                  env={"BROWSER_PATH": "/nonexistent/chromium"})
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == str(tmp_path / "briefing.html")
    page = (tmp_path / "briefing.html").read_text(encoding="utf-8")
    assert "<title>Sahel &lt;today&gt; — PUBLIC</title>" in page and not re.search(r"https?://", page, re.IGNORECASE)


def test_a_link_with_a_route_outlines_the_route_countries_like_the_app() -> None:
    from dashboard.briefing import snapshot_from

    catalog = geo.load_catalog(geo.data_dir())
    snap, notices = snapshot_from("?routes=central-mediterranean&zoom=4&lat=30&lon=12", None, None, "PUBLIC", catalog)
    assert not notices
    assert set(snap.view.route_countries) == geo.route_partners(catalog, ("central-mediterranean",)) != set()
    assert (snap.view.center, snap.view.zoom) == ((30.0, 12.0), 4.0) and snap.view.bounds is None  # the link's camera


@pytest.mark.parametrize(("link", "preset", "inside"), [
    ("?regions=western_balkans", None, ("SRB", "ALB", "MNE")),  # a link without a camera: framed on its result
    (None, "Sahel", ("NER", "MLI")),  # a preset, as the app frames it
    ("?sel=lo-ankara", None, ("TUR",)),  # a link naming a record: framed on it
])
def test_views_the_user_did_not_move_are_framed_on_their_result_like_the_app(link, preset, inside) -> None:
    from dashboard import vector_map
    from dashboard.briefing import snapshot_from

    catalog = geo.load_catalog(geo.data_dir())
    snap, _ = snapshot_from(link, preset, None, "PUBLIC", catalog)
    assert snap.view.bounds is not None
    (x0, x1), (y0, y1) = vector_map.frame(snap.view, 1600, 900)
    for iso in inside:
        point = geo.label_point(catalog.countries.set_index("iso3").geometry[iso])
        assert x0 < point.x < x1 and y0 < float(vector_map.mercator_y(point.y)) < y1, iso
    assert x1 - x0 < 120  # a region, not the world


def test_cli_several_views_make_one_deck_and_numbered_files(tmp_path: Path) -> None:
    res = run_cli("--preset", "Sahel", "--link", "?instruments=liaison_officer", "--preset", PRESET,
                  "--formats", "pptx,csv", "--out", str(tmp_path))
    assert res.returncode == 0, res.stderr
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["briefing-1.csv", "briefing-2.csv", "briefing-3.csv", "briefing.pptx"]
    deck = Presentation(str(tmp_path / "briefing.pptx"))
    titles = [next(sh.text_frame.text for sh in slide.shapes if sh.has_text_frame and sh.text_frame.text.startswith("Cooperation"))
              for slide in deck.slides]
    assert titles == ["Cooperation beyond EU borders — Sahel", "Cooperation beyond EU borders", f"Cooperation beyond EU borders — {PRESET}"]
    assert all(any(sh.shape_type == 13 for sh in slide.shapes) for slide in deck.slides)  # a map picture on each
    rows = list(csv.DictReader(io.StringIO((tmp_path / "briefing-2.csv").read_text(encoding="utf-8-sig"))))
    assert rows and all(r["instrument"] == "Liaison officer postings" for r in rows)


def test_cli_needs_a_view(tmp_path: Path) -> None:
    res = run_cli("--formats", "csv", "--out", str(tmp_path))
    assert res.returncode == 2 and "--link or --preset" in res.stderr and "Traceback" not in res.stderr
