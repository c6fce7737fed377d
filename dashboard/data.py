"""The only module with Streamlit caches. Wraps ``geo``; everything is keyed on the data version.

- The catalog is loaded once per data version (``cache_resource``: shared, read-only by contract).
  A failed load is cached too (as an error value), so a broken file is validated once, not on every rerun.
- If the newest version is broken (or the directory vanished), the last good catalog of this process is
  served together with the problem, so the map never goes blank because someone saved a broken file.
- Derived results are keyed on small hashable values: (version, FilterSpec).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import plotly.graph_objects as go
import streamlit as st

import geo
from dashboard.figures import GeoUrls, MapView, build_map
from geo import Catalog, DataError, DisplayGeometry, FilterSpec

_LAST_GOOD: dict[str, Catalog] = {}  # data directory -> last catalog that validated (process-wide)
_LOCK = threading.Lock()


@dataclass(frozen=True)
class Loaded:
    """What the app shows: a catalog (maybe the last good one) and, if the newest data is broken, why."""

    catalog: Catalog | None
    problem: str | None
    version: str
    checked_at: dt.datetime


@st.cache_resource(show_spinner="Loading the cooperation dataset…", max_entries=4)
def _load(directory: str, version: str) -> Catalog | DataError:
    try:
        return geo.load_catalog(Path(directory))
    except DataError as exc:
        return exc


def current() -> Loaded:
    """Check the data version (cheap) and return the catalog for it, or the last good one with the problem."""
    directory = geo.data_dir()
    version = geo.data_version(directory) if directory.is_dir() else "missing"
    result = _load(str(directory), version) if directory.is_dir() else geo.DataFileError(
        geo.Problem(str(directory), None, None, "a data directory", "no such directory (check BB_DATA_DIR)")
    )
    now = dt.datetime.now(dt.UTC)
    if isinstance(result, Catalog):
        with _LOCK:
            _LAST_GOOD[str(directory)] = result
        return Loaded(result, None, version, now)
    with _LOCK:
        last = _LAST_GOOD.get(str(directory))
    return Loaded(last, str(result), version, now)


@st.cache_resource(max_entries=4)
def display(version: str, _catalog: Catalog) -> DisplayGeometry:
    """Simplified outlines, once per data version (the catalog is identified by its version)."""
    return geo.display_geometry(_catalog)


@st.cache_data(max_entries=512)
def selected_ids(version: str, spec: FilterSpec, _catalog: Catalog) -> tuple[str, ...]:
    """Ids of the records the spec selects, cached on (version, spec)."""
    return geo.matching_ids(_catalog, spec)


@st.cache_data(max_entries=256, show_spinner=False)
def map_figure(version: str, spec: FilterSpec, view: MapView, urls: GeoUrls | None, _catalog: Catalog) -> go.Figure:
    """The situation map for (data version, spec, view), built once and served from the cache after."""
    names = dict(zip(_catalog.partners["code"], _catalog.partners["name"], strict=True))
    return build_map(filtered(_catalog, spec), display(version, _catalog), names, view, urls)


def filtered(catalog: Catalog, spec: FilterSpec):
    """The selected records, in catalog order."""
    ids = set(selected_ids(catalog.version, spec, catalog))
    return catalog.records[catalog.records["id"].isin(ids)]


STATIC_DIR = Path(__file__).resolve().parent / "static" / "geo"  # served at /app/static/geo/ (server.enableStaticServing)


@st.cache_resource(max_entries=4)
def _static_files(version: str, _catalog: Catalog) -> tuple[str, str] | None:
    """Write the display outlines once per data version as files the app serves; None if it cannot write.

    The browser fetches them once and caches them, so a rerun resends only ids and hover texts instead of
    megabytes of outlines. Files are named by data version, so a changed dataset gets new URLs.
    """
    disp = display(version, _catalog)
    names = (f"countries-{version}.json", f"areas-{version}.json")
    try:
        STATIC_DIR.mkdir(parents=True, exist_ok=True)
        for name, of in zip(names, ("countries", "areas"), strict=True):
            target = STATIC_DIR / name
            if not target.exists():
                tmp = target.with_suffix(".tmp")
                tmp.write_text(json.dumps(disp.collection(of=of), separators=(",", ":")), encoding="utf-8")
                tmp.replace(target)
    except OSError:
        return None
    return names


def geo_urls(catalog: Catalog) -> GeoUrls | None:
    """Absolute URLs of the served outlines (MapLibre's worker needs absolute URLs).

    The root is ``BB_PUBLIC_URL`` when set (e.g. behind a reverse proxy), else the address the browser
    used. None when neither is known (e.g. in AppTest) or files cannot be written: then the figure
    inlines its outlines.
    """
    files = _static_files(catalog.version, catalog)
    page = urlsplit(os.environ.get("BB_PUBLIC_URL", "").strip() or st.context.url or "")
    if files is None or not page.scheme or not page.netloc:
        return None
    root = f"{page.scheme}://{page.netloc}{page.path.rstrip('/') if os.environ.get('BB_PUBLIC_URL') else ''}"
    return GeoUrls(*(f"{root}/app/static/geo/{name}" for name in files))
