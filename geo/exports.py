"""Filtered records as CSV, XLSX and GeoJSON, with their sources; spreadsheet formulas neutralised.

A cell that a spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return) gets a leading apostrophe, the convention spreadsheets show as literal text (OWASP's
advice against CSV injection). Only text cells are touched; numbers stay numbers.
"""

from __future__ import annotations

import io
import json

import pandas as pd
from shapely.geometry import mapping

from geo.catalog import Catalog
from geo.columns import row_dicts
from geo.geometry import rounded
from geo.schema import INSTRUMENT_BY_KEY, STATUS_LABELS

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
EXPORT_COLUMNS = (
    "id", "instrument", "name", "partners", "partner_names", "routes", "start", "end", "status", "description",
    "place", "lat", "lon", "precision", "confidence", "sources", "checked", "notes", "sensitivity",
)


def neutralise(value: object) -> object:
    """Make a text cell inert in spreadsheets; leave everything else alone."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def records_table(catalog: Catalog) -> pd.DataFrame:
    """The catalog's records as a flat table of text: lists joined, labels spelled out, sources included."""
    names = catalog.partner_names()
    rec = catalog.records
    out = pd.DataFrame({
        "id": rec["id"],
        "instrument": rec["instrument"].map(lambda k: INSTRUMENT_BY_KEY[k].label),
        "name": rec["name"],
        "partners": rec["partners"].map(";".join),
        "partner_names": rec["partners"].map(lambda ps: "; ".join(names.get(p, p) for p in ps)),
        "routes": rec["routes"].map(";".join),
        "start": rec["start"],
        "end": rec["end"],
        "status": rec["status"].map(lambda s: STATUS_LABELS.get(s, s)),
        "description": rec["description"],
        "place": rec["place"],
        "lat": rec["lat"],
        "lon": rec["lon"],
        "precision": rec["precision"],
        "confidence": rec["confidence"],
        "sources": rec["sources"].map(" ".join),
        "checked": rec["checked"],
        "notes": rec["notes"],
        "sensitivity": rec["sensitivity"],
    })
    return out.reset_index(drop=True)


def _safe(table: pd.DataFrame) -> pd.DataFrame:
    return table.apply(lambda col: col.map(neutralise))


def to_csv(catalog: Catalog) -> bytes:
    """UTF-8 CSV (with BOM so spreadsheets detect the encoding)."""
    return _safe(records_table(catalog)).to_csv(index=False, lineterminator="\n").encode("utf-8-sig")


def to_xlsx(catalog: Catalog, sheet: str = "records", caption: str = "") -> bytes:
    """An Excel workbook: the records sheet, and an 'about' sheet with the filter sentence and version."""
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as xl:
        _safe(records_table(catalog)).to_excel(xl, sheet_name=sheet, index=False)
        about = pd.DataFrame({"field": ["selection", "data version"], "value": [caption, catalog.version]})
        _safe(about).to_excel(xl, sheet_name="about", index=False)
    return buf.getvalue()


def to_geojson(catalog: Catalog, decimals: int = 4) -> bytes:
    """A FeatureCollection: points where located, the partners' area otherwise (null geometry if none)."""
    table = records_table(catalog)
    features = []
    for props, geom in zip(row_dicts(table), catalog.shapes(), strict=True):
        features.append({
            "type": "Feature",
            "id": props["id"],
            "properties": {k: neutralise(v) for k, v in props.items()},
            "geometry": rounded(mapping(geom), decimals) if geom is not None else None,
        })
    return json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False).encode("utf-8")
