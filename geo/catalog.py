"""The catalog: every record of every instrument, with derived geometry, built once per data version."""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely
from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry

from geo import geometry
from geo.errors import ValidationError
from geo.history import Change, Timeline, build_timeline, first_in_force, periods_of
from geo.io import ROW_COLUMN, RawTable
from geo.schema import (
    ACTIVATION_COLUMNS,
    INSTRUMENT_BY_KEY,
    INSTRUMENTS,
    STATUS_CHANGE_COLUMNS,
    Column,
    PartialDate,
    split_list,
    split_urls,
)
from geo.sources import DirectorySource, Source
from geo.validate import Tables, ValidationReport, check_tables

Period = tuple[dt.date | None, dt.date | None]


@dataclass(frozen=True)
class Catalog:
    """Everything the dashboard shows, as read from one data version.

    ``records`` has one row per record of any instrument: common columns, every instrument's extra
    columns (empty where not applicable), parsed lists as tuples, the period as first/last days, the
    regions its partners belong to, its geometry (the point if located, else the union of its partners'
    outlines) and a label point. Read-only by contract: never mutate a catalog; derive a new one.
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

    def layer(self, instrument: str) -> gpd.GeoDataFrame:
        """The records of one instrument."""
        return self.records[self.records["instrument"] == instrument]

    def record(self, record_id: str) -> pd.Series | None:
        """One record by id, or None."""
        hit = self.records[self.records["id"] == record_id]
        return None if hit.empty else hit.iloc[0]

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


def fold(text: str) -> str:
    """Lower-case and strip accents, so that 'chisinau' finds 'Chișinău'."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


TEXT_FIELDS = ("name", "description", "place", "acronym", "counterpart", "implementers", "framework", "border_section",
               "activity", "organisers", "priorities", "agency_part", "notes")


def _parse(cell: str) -> PartialDate | None:
    return PartialDate.parse(cell) if cell else None


def _day(cell: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(cell)
    except ValueError:
        return None


def timelines(rows: list[dict], history: pd.DataFrame, activations: pd.DataFrame) -> dict[str, Timeline]:
    """Every record's status timeline (``geo.history``): its cells, its status changes, its activations and, for
    a superseded or ended record, when its successor (a record of the same instrument naming it as ``parent``,
    not an operation under it) first applied."""
    changes: dict[str, list[Change]] = {}
    for h in history.to_dict("records"):
        if h["status"]:
            changes.setdefault(h["record_id"], []).append(Change(PartialDate.parse(h["date"]), h["status"], h["event"]))
    acts: dict[str, list[tuple[str, str]]] = {}
    for a in activations.to_dict("records"):
        acts.setdefault(a["record_id"], []).append((a["start"], a["end"]))

    def one(r: dict, successor: tuple[str, tuple[dt.date | None, dt.date | None]] | None = None) -> Timeline:
        return build_timeline(r["start"], r["end"], r["status"], _day(r["checked"]), changes.get(r["id"], []),
                              sorted(acts.get(r["id"], []), key=lambda a: PartialDate.parse(a[0]).first), successor)

    out = {r["id"]: one(r) for r in rows}
    instrument_of = {r["id"]: r["instrument"] for r in rows}
    successors: dict[str, tuple[str, tuple[dt.date | None, dt.date | None]]] = {}
    for r in rows:
        parent = r.get("parent")
        if parent and instrument_of.get(parent) == r["instrument"]:
            applies = first_in_force(out[r["id"]])
            held = successors.get(parent)
            if applies != (None, None) and (held is None or (applies[0] or dt.date.min) < (held[1][0] or dt.date.min)):
                successors[parent] = (r["id"], applies)
    for r in rows:
        if r["id"] in successors and r["status"] in ("superseded", "ended"):
            out[r["id"]] = one(r, successors[r["id"]])
    return out


def build_catalog(tables: Tables, version: str, report: ValidationReport) -> Catalog:
    """Assemble a catalog from tables that passed validation."""
    assert tables.partners is not None and tables.routes is not None and tables.countries is not None
    countries = tables.countries[["iso3", "name", "geometry"]].copy()
    shapes = dict(zip(countries["iso3"], countries.geometry, strict=True))

    pframe = tables.partners.frame.drop(columns=[ROW_COLUMN])
    partners = gpd.GeoDataFrame(pframe, geometry=[shapes.get(c) for c in pframe["code"]], crs=4326)
    region_of = dict(zip(partners["code"], partners["region"], strict=True))

    routes = tables.routes.frame.drop(columns=[ROW_COLUMN]).copy()
    routes["partners"] = pd.Series([split_list(v) for v in routes["partners"]], index=routes.index, dtype=object)
    routes["sources"] = pd.Series([split_urls(v) for v in routes["sources"]], index=routes.index, dtype=object)

    acts = _frame(tables.activations, ACTIVATION_COLUMNS)
    history = _frame(tables.status_changes, STATUS_CHANGE_COLUMNS)

    frames = []
    for inst in INSTRUMENTS:
        table = tables.instruments.get(inst.key)
        if table is None:
            continue
        frame = table.frame.drop(columns=[ROW_COLUMN]).copy()
        frame.insert(1, "instrument", inst.key)
        frames.append(frame)
    records = pd.concat(frames, ignore_index=True).fillna("")
    for col in ("lat", "lon", "precision", "place", "coord_source", "parent"):
        if col not in records.columns:
            records[col] = ""

    rows = records.to_dict("records")

    def put(name: str, values: list) -> None:  # object columns keep tuples and dates as they are
        records[name] = pd.Series(values, index=records.index, dtype=object)

    put("partners", [split_list(r["partners"]) for r in rows])
    put("routes", [split_list(r["routes"]) for r in rows])
    put("sources", [split_urls(r["sources"]) for r in rows])
    records["sensitivity"] = [r["sensitivity"] or "public" for r in rows]
    put("regions", [tuple(sorted({region_of[p] for p in ps if p in region_of})) for ps in records["partners"]])
    lines = timelines(rows, history, acts)
    put("timeline", [lines[r["id"]] for r in rows])
    spans = [lines[r["id"]].spans() for r in rows]
    put("spans", spans)  # runs of days in force or date unknown, with which: what filters and figures read
    put("periods", [periods_of(sp) for sp in spans])  # the same days, merged
    starts = [_parse(r["start"]) for r in rows]
    ends = [_parse(r["end"]) for r in rows]
    put("start_first", [s.first if s else None for s in starts])
    put("end_last", [e.last if e else None for e in ends])
    records["search_text"] = [fold(" ".join(str(r.get(f, "")) for f in TEXT_FIELDS)) for r in rows]
    records["located"] = [bool(r["lat"]) for r in rows]

    geoms = []
    for r, ps in zip(rows, records["partners"], strict=True):
        if r["lat"]:
            geoms.append(Point(float(r["lon"]), float(r["lat"])))
        else:
            geoms.append(geometry.dissolve(ps, shapes))
    gdf = gpd.GeoDataFrame(records, geometry=geoms, crs=4326)
    labels = [geometry.label_point(g) for g in gdf.geometry]
    gdf["label_lon"] = [p.x if p is not None else None for p in labels]
    gdf["label_lat"] = [p.y if p is not None else None for p in labels]
    gdf = gdf.sort_values(["instrument", "start_first", "id"], key=_sort_key, kind="stable").reset_index(drop=True)

    return Catalog(
        version=version,
        loaded_at=dt.datetime.now(dt.UTC),
        records=gdf,
        partners=partners,
        routes=routes,
        activations=acts,
        countries=countries,
        report=report,
        history=history,
    )


def _frame(table: RawTable | None, columns: tuple[Column, ...]) -> pd.DataFrame:
    """A support table's text cells without the row numbers (an empty frame with its columns if absent)."""
    if table is None:
        return pd.DataFrame({c.name: pd.Series(dtype=str) for c in columns})
    return table.frame.drop(columns=[ROW_COLUMN]).reset_index(drop=True)


def _sort_key(col: pd.Series) -> pd.Series:
    if col.name == "instrument":
        order = {k: n for n, k in enumerate(INSTRUMENT_BY_KEY)}
        return col.map(order)
    if col.name == "start_first":
        return col.map(lambda d: d.toordinal() if d else 0)
    return col


def load_catalog(source: Source | Path) -> Catalog:
    """Read, validate and assemble a data source (a data directory, or a ``geo.sources`` source).

    Raises
    ------
    DataFileError
        The directory does not exist.
    DatabaseError
        The database cannot be reached or is not initialised.
    ValidationError
        The data breaks one or more rules; ``.problems`` lists every one of them.
    """
    if isinstance(source, Path | str):
        source = DirectorySource(Path(source))
    version, tables, problems = source.snapshot()
    problems = source.name_records(problems + check_tables(tables), tables)
    report = ValidationReport(problems)
    if not report.ok:
        raise ValidationError(problems)
    return build_catalog(tables, version, report)


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
    drawn = catalog.records[(~catalog.records["located"]) & (catalog.records["partners"].map(len) > 0)]
    single = {rid: countries[ps[0]] for rid, ps in zip(drawn["id"], drawn["partners"], strict=True) if len(ps) == 1 and ps[0] in countries}
    unions: dict[tuple[str, ...], BaseGeometry] = {}  # records over the same countries share one union
    multi = {}
    for rid, ps in zip(drawn["id"], drawn["partners"], strict=True):
        parts = tuple(sorted(p for p in set(ps) if p in simplified))
        if len(ps) > 1 and parts:
            if parts not in unions:
                unions[parts] = geometry.drop_small_parts(shapely.union_all([simplified[p] for p in parts]), 2.0)
            multi[rid] = unions[parts]
    regional = geometry.display_shapes(multi, None, decimals=2)
    areas = single | regional
    return DisplayGeometry(countries, areas, tolerance)
