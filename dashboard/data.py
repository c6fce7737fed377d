"""The only module with Streamlit caches. Wraps ``geo``; everything is keyed on the data version.

- The data source is the data directory, or PostgreSQL when ``BB_DATABASE_URL`` is set (``geo.open_source``);
  one source object per process keeps its polling connection.
- The catalog is loaded once per data version (``cache_resource``: shared, read-only by contract) by one
  ``geo.Loader`` per source, which re-reads only the file (or database table) that changed and keeps the rest.
  A failed validation is cached too (as an error value), so a broken file is validated once, not on every
  rerun. An unreachable database is never cached: the next check tries again.
- If the newest version is broken (or the directory vanished, or the database is down), the last good
  catalog of this process is served together with the problem, so the map never goes blank.
- Derived results are keyed on small hashable values: (version, FilterSpec).
- Bounded: catalogs, outlines and map models are kept for the last good and the current version only (two
  entries); per-spec results for a few dozen specs.
- Every good version this process has served is remembered with the time it was first seen (``geo.changes.
  VersionLog``: the current fingerprints, and for older versions only the records that differed), so a session
  can ask what changed since it opened, or since a time.
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass, replace
from pathlib import Path

import streamlit as st

import geo
from geo import Catalog, DataError, DisplayGeometry, FilterSpec
from geo.changes import Changes, VersionLog, fingerprints

_LAST_GOOD: dict[str, Catalog] = {}  # data source -> last catalog that validated (process-wide)
_LOCK = threading.Lock()
MAX_HISTORY = 500  # versions remembered per data source (a version a minute is eight hours)
PER_SPEC = 64  # cached per-spec results (masks over all records: 100 kB each at 100,000 records)

_HISTORY: dict[str, VersionLog] = {}  # data source -> good versions


@dataclass(frozen=True)
class Loaded:
    """What the app shows: a catalog (maybe the last good one) and, if the newest data is broken, why."""

    catalog: Catalog | None
    problem: str | None
    version: str
    checked_at: dt.datetime
    withheld: str | None = None  # the problem with every value quoted from the data withheld (``problem_for``)

    def problem_for(self, sees_details: bool) -> str | None:
        """The problem as a viewer may read it: validation messages quote the data's values, which may belong
        to records above the viewer's clearance; others get where and what was expected, not what was found."""
        return self.problem if sees_details else (self.withheld or self.problem)


def _settings() -> tuple[str, str]:
    return geo.database_url(), str(geo.data_dir())


@st.cache_resource(max_entries=4)
def _source(url: str, directory: str) -> geo.Source:
    """One source per setting and process (the database source keeps one polling connection)."""
    return geo.open_source(url, Path(directory))


@st.cache_resource(max_entries=4)
def _loader(url: str, directory: str) -> geo.Loader:
    """One loader per source and process: it keeps the last read, so a reload reads only what changed."""
    return geo.Loader(_source(url, directory))


@st.cache_resource(show_spinner="Loading the cooperation dataset…", max_entries=2)
def _load(url: str, directory: str, version: str) -> Catalog | DataError:
    try:
        return _loader(url, directory).load()
    except geo.DatabaseError:
        raise  # not cached: the database may be back on the next check
    except DataError as exc:
        return exc


def current() -> Loaded:
    """Check the data version (cheap) and return the catalog for it, or the last good one with the problem."""
    url, directory = _settings()
    source = _source(url, directory)
    key = source.describe()
    now = dt.datetime.now(dt.UTC)
    try:
        version = source.version()
        result: Catalog | DataError = _load(url, directory, version)
    except geo.DatabaseError as exc:
        version, result = "unreachable", exc
    if version == "missing":
        result = geo.DataFileError(geo.Problem(directory, None, None, "a data directory", "no such directory (check BB_DATA_DIR)"))
    if isinstance(result, Catalog):
        with _LOCK:
            _LAST_GOOD[key] = result
        _remember(key, result, now)
        return Loaded(result, None, version, now)
    with _LOCK:
        last = _LAST_GOOD.get(key)
    problems = result.problems if isinstance(result, geo.ValidationError) else None  # row values: withheld below
    withheld = None
    if problems:
        shown = [replace(p, found="(value withheld: ask an administrator)") for p in problems if isinstance(p, geo.Problem)]
        withheld = "\n".join(str(p) for p in shown) if shown else None
    return Loaded(last, str(result), version, now, withheld)


@st.cache_resource(max_entries=6)
def _visible(version: str, clearance: str, read_at: str, _catalog: Catalog) -> Catalog:
    return geo.visible(_catalog, clearance)


@st.cache_resource(max_entries=4)
def _cleared_loader(url: str, directory: str, clearance: str) -> geo.Loader:
    """A database loader whose snapshots state ``clearance``: the database's row-level security returns only what a
    viewer of it may read (``geo.dbaccess``)."""
    return geo.Loader(geo.open_source(url, Path(directory), clearance))


@st.cache_resource(show_spinner="Loading the cooperation dataset…", max_entries=6)
def _load_cleared(url: str, directory: str, version: str, clearance: str) -> Catalog | DataError:
    try:
        return _cleared_loader(url, directory, clearance).load()
    except geo.DatabaseError:
        raise
    except DataError as exc:
        return exc


def viewed(loaded: Loaded, clearance: str) -> Catalog | None:
    """What a viewer of ``clearance`` may read of the loaded data (``geo.visible``), once per version and
    clearance. Every page draws from this, never from the whole catalog: its version names the clearance, so the
    caches and the map's data file below are the view's own.

    With the database source the rows themselves come from a read at the viewer's clearance: the database's
    row-level security withholds the rest, so a bug in the app's own cut cannot leak a row it never received. Only
    when that read fails (the database went away, or the newest data is broken and the last good one is served)
    is the view cut from the whole catalog by the app alone."""
    if loaded.catalog is None:
        return None
    url, directory = _settings()
    clearance = geo.clearance_of(clearance)
    if url and loaded.problem is None:
        try:
            cleared = _load_cleared(url, directory, loaded.version, clearance)
        except geo.DatabaseError:
            cleared = None
        if isinstance(cleared, Catalog):
            return _visible(cleared.version, clearance, "database", cleared)
    return _visible(loaded.catalog.version, clearance, "app", loaded.catalog)


@st.cache_resource(max_entries=6)
def display(version: str, _catalog: Catalog) -> DisplayGeometry:
    """Simplified outlines, once per data version (the catalog is identified by its version)."""
    return geo.display_geometry(_catalog)


@st.cache_resource(max_entries=6)
def map_version(version: str, _catalog: Catalog):
    """The live map's model of a view of a data version and the name of its data file (written once; the browser
    fetches it once; the file route serves it only to viewers cleared for its highest marking). Six entries: the
    last good version and the current one, at each of the three clearances."""
    from dashboard import live_map, map_model

    model = map_model.build_version(_catalog, display(version, _catalog))
    return model, live_map.data_file(version, model.payload, marking=geo.highest(_catalog.records["sensitivity"]))


@st.cache_data(max_entries=PER_SPEC)
def shown_mask(version: str, spec: FilterSpec, _catalog: Catalog):
    """Which records of the version the spec shows, as a boolean array in catalog order."""
    return geo.mask(_catalog, spec)


@st.cache_data(max_entries=PER_SPEC)
def unknown_mask(version: str, spec: FilterSpec, _catalog: Catalog):
    """Which of the shown records are shown only because the sources leave the asked day (or period) open
    ("date unknown"), as a boolean array in catalog order: what the map and the table mark."""
    return geo.date_unknown(_catalog, spec)


@st.cache_data(max_entries=PER_SPEC)
def selected_ids(version: str, spec: FilterSpec, _catalog: Catalog) -> tuple[str, ...]:
    """Ids of the records the spec selects, cached on (version, spec)."""
    return geo.matching_ids(_catalog, spec)


@st.cache_resource(max_entries=PER_SPEC)
def headline(version: str, spec: FilterSpec, as_of: dt.date, _records) -> dict:
    """The headline figures of the spec's records on a day (``figures.kpis``), cached on (version, spec, day): at
    100,000 records they cost 0.1-0.3 s a rerun. A resource, not pickled: the figures are immutable."""
    from dashboard.figures import kpis

    return kpis(_records, as_of)


def filtered(catalog: Catalog, spec: FilterSpec):
    """The selected records, in catalog order (by the cached mask: no set of ids per rerun)."""
    return catalog.records[shown_mask(catalog.version, spec, catalog)]


def _remember(source: str, catalog: Catalog, now: dt.datetime) -> None:
    with _LOCK:
        log = _HISTORY.setdefault(source, VersionLog(MAX_HISTORY))
        if log.version == catalog.version:
            return
    prints = fingerprints(catalog)  # outside the lock: a fraction of a second at 100,000 records
    with _LOCK:
        log.remember(now, catalog.version, prints)


def changes_since(catalog: Catalog, since: dt.datetime) -> tuple[Changes, dt.datetime]:
    """What changed from the version served at ``since`` to ``catalog``, and the time the comparison starts
    from (later than ``since`` when this process has no older version: it started after that time)."""
    source = _source(*_settings()).describe()
    with _LOCK:
        log = _HISTORY.get(source)
    if log is None:
        return Changes(), since
    version, _, clearance = catalog.version.partition("~")  # a view (geo.visible) names its clearance
    with _LOCK:  # only what this viewer may hear of: records at or below the clearance, then and now
        return log.changes_since(version, since, clearance or None)


def data_changed_at() -> dt.datetime | None:
    """When the data last changed (file times, or the database's change stamp); None if unknown now."""
    try:
        return _source(*_settings()).changed_at()
    except DataError:
        return None
