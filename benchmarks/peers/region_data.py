"""What the stock peers draw: the partner countries and the located records of a region, from ``geo``.

Pure (no Streamlit): each peer caches ``base()`` itself and calls ``region_view`` on every rerun, as a
developer writing a plain map app on top of the data layer would. The outlines are the data layer's
simplified display outlines, the ones the app's map draws, so every map sends the same geometry.
"""

from __future__ import annotations

import orjson
import pandas as pd

import geo

ALL = ""  # the region choice "All regions"


def base() -> tuple[geo.Catalog, dict[str, dict]]:
    """The catalog of the data directory and its simplified country outlines as plain GeoJSON geometries."""
    catalog = geo.load_catalog(geo.data_dir())
    outlines = geo.display_geometry(catalog).countries
    # the display outlines may hold numpy arrays; the chart libraries serialise plain lists
    return catalog, orjson.loads(orjson.dumps(outlines, option=orjson.OPT_SERIALIZE_NUMPY))


def region_view(catalog: geo.Catalog, outlines: dict[str, dict], region: str) -> tuple[dict, pd.DataFrame]:
    """The region's partner countries (a FeatureCollection, feature id = ISO code) and located records."""
    shown = geo.apply(catalog, geo.FilterSpec(regions=(region,) if region else ())).records
    names = catalog.partner_names()
    codes = sorted({code for partners in shown["partners"] for code in partners} & outlines.keys())
    countries = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "id": code, "properties": {"iso": code, "name": names.get(code, code)}, "geometry": outlines[code]}
        for code in codes]}
    located = shown[shown["located"]]
    points = pd.DataFrame({"lon": located["lon"].astype(float), "lat": located["lat"].astype(float),
                           "name": located["name"], "instrument": located["instrument"]}).reset_index(drop=True)
    return countries, points


def region_label(key: str) -> str:
    return geo.REGIONS.get(key, "All regions")
