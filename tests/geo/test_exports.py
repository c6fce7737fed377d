"""Tabular exports: rows equal the filtered records, sources included, formulas inert."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import openpyxl
import pytest

from geo import FilterSpec, apply, load_catalog
from geo.exports import neutralise, to_csv, to_geojson, to_xlsx
from tests.fixtures import base_tables, write_dataset

PAYLOADS = ["=HYPERLINK(\"http://evil.example\",\"x\")", "+1+1", "-2+3", "@SUM(A1)", "\tTAB", "\rCR"]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_neutralise_formula_starts(payload: str) -> None:
    assert neutralise(payload) == "'" + payload
    assert neutralise("plain text") == "plain text" and neutralise(3.5) == 3.5


@pytest.fixture
def hostile(tmp_path: Path):
    tables = base_tables()
    tables["dialogues.csv"][0]["description"] = PAYLOADS[0]
    tables["dialogues.csv"][0]["notes"] = "@cmd"
    return load_catalog(write_dataset(tmp_path / "data", tables))


def test_csv_rows_equal_the_filtered_records(hostile) -> None:
    sel = apply(hostile, FilterSpec(regions=("sahel",)))
    rows = list(csv.DictReader(io.StringIO(to_csv(sel).decode("utf-8-sig"))))
    assert [r["id"] for r in rows] == list(sel.records["id"])
    rabat = next(r for r in rows if r["id"] == "dl-rabat")
    assert rabat["description"] == "'" + PAYLOADS[0] and rabat["notes"] == "'@cmd"
    assert rabat["sources"] == "https://example.org/source" and rabat["checked"] == "2026-11-01"


def test_xlsx_rows_equal_the_filtered_records_and_are_inert(hostile) -> None:
    sel = apply(hostile, FilterSpec(regions=("sahel",)))
    wb = openpyxl.load_workbook(io.BytesIO(to_xlsx(sel, caption="2 records: sahel")))
    ws = wb["records"]
    header = [c.value for c in ws[1]]
    rows = [dict(zip(header, (c.value for c in row), strict=True)) for row in ws.iter_rows(min_row=2)]
    assert [r["id"] for r in rows] == list(sel.records["id"])
    cell = next(r for r in rows if r["id"] == "dl-rabat")["description"]
    assert cell.startswith("'=")  # stored as text, not a formula
    assert all(c.data_type != "f" for row in ws.iter_rows() for c in row)
    assert wb["about"]["B2"].value == "2 records: sahel"


def test_geojson_features_equal_the_filtered_records(hostile) -> None:
    sel = apply(hostile, FilterSpec(instruments=("liaison_officer", "project", "working_arrangement")))
    fc = json.loads(to_geojson(sel))
    assert [f["id"] for f in fc["features"]] == list(sel.records["id"])
    by_id = {f["id"]: f for f in fc["features"]}
    assert by_id["lo-bel"]["geometry"] == {"type": "Point", "coordinates": [20.46, 44.8]}
    assert by_id["pr-eap"]["geometry"]["type"] in ("Polygon", "MultiPolygon")
    assert by_id["wa-marri"]["geometry"] is None
    assert by_id["lo-bel"]["properties"]["sources"] == "https://example.org/source"
