"""Briefing products written by the command line, opened and checked (real Kaleido + Debian chromium)."""

from __future__ import annotations

import csv
import io
import json
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

PRESET = "Western Balkans"


@pytest.fixture(scope="module")
def products(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("briefing")
    code = main(["--preset", PRESET, "--formats", ",".join(ALL_FORMATS), "--out", str(out), "--marking", "LIMITED", "--title", "Morning briefing"])
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


def test_svg_parses(products: Path) -> None:
    root = ET.parse(products / "briefing.svg").getroot()
    assert root.tag.endswith("svg")


def test_pdf_has_title_and_marking(products: Path) -> None:
    raw = "".join(page.extract_text() for page in PdfReader(products / "briefing.pdf").pages)
    text = unicodedata.normalize("NFKC", raw)  # the PDF font uses ligatures (ﬁ)
    assert "Morning briefing" in text and "LIMITED" in text and "Natural Earth" in text


def test_pptx_has_title_marking_picture_and_footer(products: Path) -> None:
    deck = Presentation(str(products / "briefing.pptx"))
    slide = deck.slides[0]
    texts = [sh.text_frame.text for sh in slide.shapes if sh.has_text_frame]
    assert "Morning briefing" in texts and texts.count("LIMITED") == 2
    assert any("Generated" in t and "data version" in t and "Natural Earth" in t for t in texts)
    assert any("in the Western Balkans" in t for t in texts)
    pictures = [sh for sh in slide.shapes if sh.shape_type == 13]
    assert len(pictures) == 1 and Image.open(io.BytesIO(pictures[0].image.blob)).size[0] >= 1200


def test_data_files_equal_the_filtered_records(products: Path, selection: geo.Catalog) -> None:
    ids = list(selection.records["id"])
    rows = list(csv.DictReader(io.StringIO((products / "briefing.csv").read_text(encoding="utf-8-sig"))))
    assert [r["id"] for r in rows] == ids and all(r["sources"].startswith("http") for r in rows)
    ws = openpyxl.load_workbook(products / "briefing.xlsx")["records"]
    assert [row[0].value for row in ws.iter_rows(min_row=2)] == ids
    fc = json.loads((products / "briefing.geojson").read_text())
    assert [f["id"] for f in fc["features"]] == ids


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    import os

    return subprocess.run([sys.executable, "-m", "dashboard.briefing", *args], capture_output=True, text=True, env=os.environ | (env or {}), timeout=120)


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
