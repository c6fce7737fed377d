"""The only module with Streamlit caches. Wraps ``geo``; everything is keyed on the data version.

- The catalog is loaded once per data version (``cache_resource``: shared, read-only by contract).
  A failed load is cached too (as an error value), so a broken file is validated once, not on every rerun.
- If the newest version is broken (or the directory vanished), the last good catalog of this process is
  served together with the problem, so the map never goes blank because someone saved a broken file.
- Derived results are keyed on small hashable values: (version, FilterSpec).
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass
from pathlib import Path

import streamlit as st

import geo
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


def filtered(catalog: Catalog, spec: FilterSpec):
    """The selected records, in catalog order."""
    ids = set(selected_ids(catalog.version, spec, catalog))
    return catalog.records[catalog.records["id"].isin(ids)]
