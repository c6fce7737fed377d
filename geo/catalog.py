"""The catalog: every record of every instrument, with derived geometry, built once per data version."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo import geometry
from geo.history import Timeline
from geo.io import ROW_COLUMN, RawTable
from geo.memo import per_object
from geo.records import TEXT_FIELDS, History, build_records, catalog_order, record_shapes
from geo.schema import ACTIVATION_COLUMNS, STATUS_CHANGE_COLUMNS, Column, PartialDate, split_list, split_urls
from geo.sources import Source
from geo.text import fold
from geo.validate import Tables, ValidationReport

__all__ = ["TEXT_FIELDS", "Catalog", "DisplayGeometry", "build_catalog", "display_geometry", "fold", "load_catalog"]

Period = tuple[dt.date | None, dt.date | None]


@dataclass(frozen=True)
class Catalog:
    """Everything the dashboard shows, as read from one data version.

    ``records`` has one row per record of any instrument: common columns, every instrument's extra
    columns (empty where not applicable), parsed lists as tuples, the period as first/last days, the
    regions its partners belong to, and its position as ``geometry`` (the point if located, else None; the
    outline of a record drawn as an area is ``shapes()``, built when first asked for). Read-only by contract:
    never mutate a catalog; derive a new one.
    """

    version: str
    loaded_at: dt.datetime
    records: gpd.GeoDataFrame
    partners: gpd.GeoDataFrame
    routes: pd.DataFrame
    activations: pd.DataFrame
    countries: gpd.GeoDataFrame
    report: ValidationReport = field(default_factory=ValidationReport)
    history: pd.DataFrame = field(default_factory=pd.DataFrame)  # status_changes.csv: the status history rows
    inputs: History = field(default_factory=lambda: History({}, {}, {}), repr=False, compare=False)  # see timeline()

    def shapes(self) -> np.ndarray:
        """Each record's full-resolution geometry, in record order: its point where located, else the union of
        its partners' outlines (None if none has one). The unions are made on first use and kept per basemap."""
        return record_shapes(self.records, self.countries)

    def layer(self, instrument: str) -> gpd.GeoDataFrame:
        """The records of one instrument."""
        return self.records[self.records["instrument"] == instrument]

    def record(self, record_id: str) -> pd.Series | None:
        """One record by id, or None; with its ``timeline`` (``geo.history``), built for it."""
        hit = self.records[self.records["id"] == record_id]
        if hit.empty:
            return None
        rec = hit.iloc[0].copy()
        rec["timeline"] = self._timeline(rec)
        return rec

    def timeline(self, record_id: str) -> Timeline | None:
        """A record's status timeline, with the reasons in words (built when asked: the catalog keeps only its
        spans, which answer "in force on day D?" for filters and figures)."""
        rec = self.record(record_id)
        return None if rec is None else rec["timeline"]

    def timelines(self) -> list[Timeline]:
        """Every record's timeline, in record order (built one by one: for tests and reports, not for each rerun)."""
        return [self._timeline(rec) for _, rec in self.records[["id", "start", "end", "status", "checked"]].iterrows()]

    def _timeline(self, rec: pd.Series) -> Timeline:
        try:
            checked: dt.date | None = dt.date.fromisoformat(rec["checked"])
        except ValueError:
            checked = None
        return self.inputs.timeline({k: rec[k] for k in ("id", "start", "end", "status")}, checked)

    def history_of(self, record_id: str) -> pd.DataFrame:
        """The status history rows of one record, oldest first (file order breaks ties)."""
        if self.history.empty:
            return self.history
        rows = self.history[self.history["record_id"] == record_id]
        order = sorted(range(len(rows)), key=lambda k: (PartialDate.parse(rows["date"].iloc[k]).first, k))
        return rows.iloc[order]

    def partner_names(self) -> dict[str, str]:
        """Partner code -> display name."""
        return dict(zip(self.partners["code"], self.partners["name"], strict=True))


_COUNTRIES: dict[int, tuple[object, gpd.GeoDataFrame]] = {}  # per basemap read (geo.memo)


def build_catalog(tables: Tables, version: str, report: ValidationReport) -> Catalog:
    """Assemble a catalog from tables that passed validation."""
    assert tables.partners is not None and tables.routes is not None and tables.countries is not None
    # one country table per basemap read: versions over the same basemap share it, and with it what is kept
    # per country table (the area outlines of ``Catalog.shapes``)
    basemap = tables.countries
    countries = per_object(_COUNTRIES, basemap, lambda: basemap[["iso3", "name", "geometry"]].copy())
    shapes = dict(zip(countries["iso3"], countries.geometry, strict=True))

    pframe = tables.partners.frame.drop(columns=[ROW_COLUMN])
    partners = gpd.GeoDataFrame(pframe, geometry=[shapes.get(c) for c in pframe["code"]], crs=4326)
    region_of = dict(zip(partners["code"], partners["region"], strict=True))

    routes = tables.routes.frame.drop(columns=[ROW_COLUMN]).copy()
    routes["partners"] = pd.Series([split_list(v) for v in routes["partners"]], index=routes.index, dtype=object)
    routes["sources"] = pd.Series([split_urls(v) for v in routes["sources"]], index=routes.index, dtype=object)

    acts = _frame(tables.activations, ACTIVATION_COLUMNS)
    history = _frame(tables.status_changes, STATUS_CHANGE_COLUMNS)
    records, inputs = build_records(tables.instruments, tables.partners, region_of, history, acts)
    return Catalog(
        version=version,
        loaded_at=dt.datetime.now(dt.UTC),
        records=records,
        partners=partners,
        routes=routes,
        activations=acts,
        countries=countries,
        report=report,
        history=history,
        inputs=inputs,
    )


def _frame(table: RawTable | None, columns: tuple[Column, ...]) -> pd.DataFrame:
    """A support table's text cells without the row numbers (an empty frame with its columns if absent)."""
    if table is None:
        return pd.DataFrame({c.name: pd.Series(dtype=str) for c in columns})
    return table.frame.drop(columns=[ROW_COLUMN]).reset_index(drop=True)



def in_catalog_order(tables: Tables) -> Tables:
    """The tables with each instrument's rows in catalog order (validation reads rows in any order)."""
    tables.instruments = {k: (catalog_order(t) if t is not None else None) for k, t in tables.instruments.items()}
    return tables


def load_catalog(source: Source | Path) -> Catalog:
    """Read, validate and assemble a data source (a data directory, or a ``geo.sources`` source).

    A one-off ``geo.reload.Loader``; keep a Loader to reload the same source cheaply after a change.

    Raises
    ------
    DataFileError
        The directory does not exist.
    DatabaseError
        The database cannot be reached or is not initialised.
    ValidationError
        The data breaks one or more rules; ``.problems`` lists every one of them.
    """
    from geo.reload import Loader  # the loader builds catalogs with this module

    return Loader(source).load()


@dataclass(frozen=True)
class DisplayGeometry:
    """Simplified outlines for drawing, computed once per data version.

    ``countries``: every country by code. ``areas``: every record drawn as an area (not located, with at
    least one partner) by record id: its country, or the (coarser) union of its countries.
    """

    countries: dict[str, dict]
    areas: dict[str, dict]
    tolerance: float

    def collection(self, keys: list[str] | None = None, *, of: str = "countries") -> dict:
        """A FeatureCollection of the given keys (all when None), feature ``id`` = key."""
        source = {"countries": self.countries, "areas": self.areas}[of]
        wanted = source if keys is None else {k: source[k] for k in keys if k in source}
        return {
            "type": "FeatureCollection",
            "features": [{"type": "Feature", "id": k, "properties": {}, "geometry": g} for k, g in wanted.items()],
        }


SLIVER = 0.05  # square degrees (about 600 km² at the equator): a hole in a regional outline smaller than this is an artefact
BASE_EXCLUDED = frozenset({"ATA"})  # Antarctica: no cooperation there, and a large outline to send


def display_geometry(catalog: Catalog, tolerance: float = 0.05, min_part: float = 0.1) -> DisplayGeometry:
    """Simplify the basemap and dissolve multi-country records once per data version.

    The browser fetches these outlines once per change (see ``dashboard.live_map``), so they are kept
    light: countries simplified together as one coverage at a 0.05-degree tolerance (about 5 km, a few
    pixels at the Western Balkans' zoom of 6; neighbours keep their shared borders, so no sea shows
    between them), coordinates rounded to 2 decimals, islands smaller than ``min_part`` square degrees
    (about 1,200 km²) dropped while always keeping a country's largest part (so Cabo Verde and Malta stay on
    the map). Areas of several countries (dialogues, networks, projects) are unions of those simplified
    countries, so their outlines lie exactly on the country borders. The shipped data gives about 1 MB
    (0.3 MB gzipped).
    """
    shapes = {k: geometry.drop_small_parts(g, min_part) for k, g in zip(catalog.countries["iso3"], catalog.countries.geometry, strict=True)
              if g is not None and k not in BASE_EXCLUDED}
    simplified = geometry.coverage_shapes(shapes, tolerance)
    countries = geometry.display_shapes(simplified, None, decimals=2)
    records = catalog.records[["id", "partners", "located"]]  # not the whole frame: at 100,000 records its copy is 0.08 s
    drawn = records[(~records["located"]) & (records["partners"].map(len) > 0)]
    single = {rid: countries[ps[0]] for rid, ps in zip(drawn["id"], drawn["partners"], strict=True) if len(ps) == 1 and ps[0] in countries}
    over: dict[str, tuple[str, ...]] = {}  # record -> the countries of its union
    for rid, ps in zip(drawn["id"], drawn["partners"], strict=True):
        parts = tuple(sorted(p for p in set(ps) if p in simplified))
        if len(ps) > 1 and parts:
            over[rid] = parts
    # Records over the same countries share one union, and one outline object (the live map sends it once).
    # A union's holes under SLIVER are filled: where simplified neighbours do not quite meet, or where an
    # enclave's own part was dropped (Sokh and Vorukh in Kyrgyzstan), not a place outside the region; the
    # Caspian, Kosovo in the Budapest Process, Abyei, Bir Tawil and the Golan stay holes.
    unions = geometry.display_shapes({parts: geometry.fill_small_holes(geometry.drop_small_parts(
        shapely.union_all([simplified[p] for p in parts]), 2.0), SLIVER) for parts in set(over.values())}, None, decimals=2)
    regional = {rid: unions[parts] for rid, parts in over.items() if parts in unions}
    areas = single | regional
    return DisplayGeometry(countries, areas, tolerance)
