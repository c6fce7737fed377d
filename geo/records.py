"""The catalog's records, built a column at a time from the instrument files.

Each instrument file becomes a *part*: its rows in catalog order (start, then id), its parsed dates, code lists,
coordinates and search text. A part depends on its file alone, so it is built once per read of the file and kept
with it (``RawTable.memo``): a reload after one file changed rebuilds one part. What reads other files is done on
the whole catalog each time, a column at a time: regions (partners.csv), the outline of records drawn as areas
(the basemap; one union per distinct set of countries) and the status-history spans (status_changes.csv,
activations.csv, successors; ``geo.spans``).
"""

from __future__ import annotations

import datetime as dt
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import shapely
from shapely.geometry.base import BaseGeometry

from geo import geometry, spans
from geo.columns import empty, parse_dates, parse_days, parse_numbers, per_unique
from geo.history import Change, Timeline, build_timeline, first_in_force
from geo.io import RawTable
from geo.schema import INSTRUMENTS, Instrument, PartialDate, split_list, split_urls
from geo.text import fold_column

TEXT_FIELDS = ("name", "description", "place", "acronym", "counterpart", "implementers", "framework", "border_section",
               "activity", "organisers", "priorities", "agency_part", "notes")
ALWAYS = ("lat", "lon", "precision", "place", "coord_source", "parent")  # columns every record has, "" where n/a
STR = pd.StringDtype("pyarrow", na_value=np.nan)


def _days(values: np.ndarray, none: np.int64) -> np.ndarray:
    return spans.days(values, none)


@dataclass(frozen=True)
class Part:
    """One instrument file's records in catalog order, with everything derived from its own cells."""

    instrument: str
    cells: pa.Table  # the text cells, rows in catalog order
    order: np.ndarray  # file position of each row
    start: tuple[np.ndarray, np.ndarray]  # first and last possible day (int64 days; spans.NONE_LO if empty)
    end: tuple[np.ndarray, np.ndarray]
    checked: np.ndarray  # int64 days, spans.NONE_HI if unreadable
    point: tuple[np.ndarray, np.ndarray]  # lon, lat (NaN where not located)
    search: pa.Array

    def __len__(self) -> int:
        return self.cells.num_rows


def part_of(table: RawTable, inst: Instrument) -> Part:
    """The part of one instrument file (built once per read of the file)."""
    return table.memo(("part", inst.key), lambda: _part(table, inst))


def _part(table: RawTable, inst: Instrument) -> Part:
    start = table.memo(("dates", "start"), lambda: parse_dates(table.column("start")))
    end = table.memo(("dates", "end"), lambda: parse_dates(table.column("end")))
    # Catalog order within an instrument: records without a start first, then by start, then by id.
    id_rank = np.empty(len(table), np.int64)
    id_rank[pc.sort_indices(table.column("id")).to_numpy()] = np.arange(len(table))
    order = np.lexsort((id_rank, _days(start.first, spans.NONE_LO)))
    take = pa.array(order, pa.int64())
    cells = table.cells.take(take)
    lat, _ = table.memo(("numbers", "lat"), lambda: parse_numbers(table.column("lat")))
    lon, _ = table.memo(("numbers", "lon"), lambda: parse_numbers(table.column("lon")))
    located = ~empty(table.column("lat"))
    checked, _ = table.memo(("days", "checked"), lambda: parse_days(table.column("checked")))
    joined = pc.binary_join_element_wise(*[table.column(f) for f in TEXT_FIELDS], " ")
    return Part(
        inst.key, cells, order,
        (_days(start.first, spans.NONE_LO)[order], _days(start.last, spans.NONE_LO)[order]),
        (_days(end.first, spans.NONE_LO)[order], _days(end.last, spans.NONE_LO)[order]),
        _days(checked, spans.NONE_HI)[order],
        (np.where(located, lon, np.nan)[order], np.where(located, lat, np.nan)[order]),
        fold_column(joined).take(take),
    )


def _union_columns(parts: list[Part]) -> list[str]:
    names: list[str] = []
    for part in parts:
        for k, name in enumerate(part.cells.column_names):
            if k == 1 and "instrument" not in names:
                names.append("instrument")
            if name not in names:
                names.append(name)
    for name in ALWAYS:
        if name not in names:
            names.append(name)
    return names


def _text_table(parts: list[Part]) -> pa.Table:
    """Every part's text cells under one set of columns (first appearance order; "" where a part lacks one)."""
    names = _union_columns(parts)
    columns = []
    for name in names:
        chunks = []
        for part in parts:
            if name == "instrument":
                chunks.append(pa.array(np.full(len(part), part.instrument), pa.string()))
            elif name in part.cells.column_names:
                chunks += part.cells.column(name).chunks
            else:
                chunks.append(pa.nulls(len(part), pa.string()).fill_null(""))
        columns.append(pa.chunked_array(chunks, pa.string()))
    return pa.table(columns, names=names)


def _concat(parts: list[Part], get) -> np.ndarray:
    return np.concatenate([get(p) for p in parts]) if parts else np.zeros(0)


_AREAS: dict[int, tuple[gpd.GeoDataFrame, dict]] = {}  # per basemap (the last two): partners -> (outline, label x, y)


def _areas(countries: gpd.GeoDataFrame) -> dict[tuple[str, ...], tuple[BaseGeometry | None, float, float]]:
    """Outlines of records drawn as areas, one union per distinct set of countries, kept with the basemap."""
    held = _AREAS.get(id(countries))
    if held is None or held[0] is not countries:
        while len(_AREAS) >= 2:
            _AREAS.pop(next(iter(_AREAS)))
        held = _AREAS[id(countries)] = (countries, {})
    return held[1]


def _geometry(partners: np.ndarray, located: np.ndarray, lon: np.ndarray, lat: np.ndarray,
              countries: gpd.GeoDataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each record's geometry (its point, or the union of its partners' outlines) and label point."""
    geoms = np.empty(len(partners), dtype=object)
    geoms[located] = shapely.points(lon[located], lat[located])
    label_x, label_y = np.where(located, lon, np.nan), np.where(located, lat, np.nan)
    cache = _areas(countries)
    shapes = dict(zip(countries["iso3"], countries.geometry, strict=True))

    def outline(ps: tuple[str, ...]) -> tuple[BaseGeometry | None, float, float]:
        g = geometry.dissolve(ps, shapes)
        p = geometry.label_point(g)
        return g, (p.x if p is not None else np.nan), (p.y if p is not None else np.nan)

    missing = sorted(set(partners[~located].tolist()) - set(cache), key=len, reverse=True)
    # Unions of many countries take tens of milliseconds each and GEOS releases the GIL: two at a time.
    with ThreadPoolExecutor(max_workers=min(2, os.cpu_count() or 1)) as pool:
        cache.update(zip(missing, pool.map(outline, missing), strict=True))
    area = np.flatnonzero(~located)
    found = [cache[ps] for ps in partners[area].tolist()]
    geoms[area] = [f[0] for f in found] if found else []
    label_x[area] = [f[1] for f in found]
    label_y[area] = [f[2] for f in found]
    return geoms, label_x, label_y


def _changes(history: pd.DataFrame) -> dict[str, list[Change]]:
    """Status rows of the history by record (rows that only name an event change nothing)."""
    out: dict[str, list[Change]] = {}
    rows = history[history["status"] != ""]
    for rid, date, status, event in zip(rows["record_id"], rows["date"], rows["status"], rows["event"], strict=True):
        out.setdefault(rid, []).append(Change(PartialDate.parse(date), status, event))
    return out


def _activations(acts: pd.DataFrame) -> dict[str, list[tuple[str, str]]]:
    out: dict[str, list[tuple[str, str]]] = {}
    for rid, start, end in zip(acts["record_id"], acts["start"], acts["end"], strict=True):
        out.setdefault(rid, []).append((start, end))
    return {k: sorted(v, key=lambda a: PartialDate.parse(a[0]).first) for k, v in out.items()}


@dataclass(frozen=True)
class History:
    """What a record's timeline needs beyond its own cells: status rows, activations and successors by id."""

    changes: dict[str, list[Change]]
    activations: dict[str, list[tuple[str, str]]]
    successors: dict[str, tuple[str, tuple[dt.date | None, dt.date | None]]]

    def timeline(self, rec: dict, checked: dt.date | None, successor: bool = True) -> Timeline:
        """One record's timeline (``rec``: its id, start, end and status cells)."""
        succ = self.successors.get(rec["id"]) if successor and rec["status"] in ("superseded", "ended") else None
        return build_timeline(rec["start"], rec["end"], rec["status"], checked, self.changes.get(rec["id"], []),
                              self.activations.get(rec["id"], []), succ)


def _checked(day: int) -> dt.date | None:
    return None if day == spans.NONE_HI else dt.date(1970, 1, 1) + dt.timedelta(days=int(day))


def timelines(text: pa.Table, checked: np.ndarray, history: pd.DataFrame, acts: pd.DataFrame,
              file_order: np.ndarray) -> tuple[History, np.ndarray]:
    """The history inputs of every record, successors found, and which records need a timeline built one by one."""
    ids = text.column("id")
    found = History(_changes(history), _activations(acts), {})
    special = pc.is_in(ids, pa.array(list(found.changes) + list(found.activations), pa.string())).to_numpy(zero_copy_only=False)
    parent = text.column("parent")
    at = np.asarray(pc.index_in(parent, ids).fill_null(-1).to_numpy())
    instrument = np.asarray(text.column("instrument").to_numpy(), dtype=object)
    candidates = np.flatnonzero((at >= 0) & (instrument == instrument[np.maximum(at, 0)]) & ~empty(parent))
    rows = text.take(pa.array(candidates, pa.int64())).select(["id", "start", "end", "status", "parent"]).to_pylist()
    for k, rec in sorted(zip(candidates.tolist(), rows, strict=True), key=lambda kr: file_order[kr[0]]):
        applies = first_in_force(found.timeline(rec, _checked(checked[k]), successor=False))
        held = found.successors.get(rec["parent"])
        if applies != (None, None) and (held is None or (applies[0] or dt.date.min) < (held[1][0] or dt.date.min)):
            found.successors[rec["parent"]] = (rec["id"], applies)
    status = np.asarray(text.column("status").to_numpy(), dtype=object)
    succeeded = pc.is_in(ids, pa.array(list(found.successors), pa.string())).to_numpy(zero_copy_only=False) & np.isin(status, ["superseded", "ended"])
    return found, special | succeeded


def span_columns(text: pa.Table, parts: list[Part], found: History, one_by_one: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every record's spans and periods: column-wise for records whose timeline comes from their cells alone."""
    start_first, start_last = _concat(parts, lambda p: p.start[0]), _concat(parts, lambda p: p.start[1])
    end_first, end_last = _concat(parts, lambda p: p.end[0]), _concat(parts, lambda p: p.end[1])
    checked = _concat(parts, lambda p: p.checked)
    status = np.asarray(text.column("status").to_numpy(), dtype=object)
    simple = spans.simple_steps(start_first, start_last, end_first, end_last, status, checked)
    spans_, periods = spans.span_tuples(simple)
    special = np.flatnonzero(one_by_one)
    if len(special):
        recs = text.take(pa.array(special, pa.int64())).select(["id", "start", "end", "status"]).to_pylist()
        built = [found.timeline(rec, _checked(checked[k])) for k, rec in zip(special.tolist(), recs, strict=True)]
        more_spans, more_periods = spans.span_tuples(spans.Steps.of(built))
        spans_[special], periods[special] = more_spans, more_periods
    return spans_, periods


def build_records(tables: dict[str, RawTable | None], countries: gpd.GeoDataFrame, region_of: dict[str, str],
                  history: pd.DataFrame, acts: pd.DataFrame) -> tuple[gpd.GeoDataFrame, History]:
    """Every record of every instrument, in catalog order (instrument, start, id), with its derived columns."""
    parts = [part_of(tables[i.key], i) for i in INSTRUMENTS if tables.get(i.key) is not None]  # type: ignore[arg-type]
    text = _text_table(parts)
    offsets = np.cumsum([0] + [len(p) for p in parts])[:-1]
    file_order = np.concatenate([p.order + o for p, o in zip(parts, offsets, strict=True)]) if parts else np.zeros(0, np.int64)
    partners = per_unique(text.column("partners"), split_list)
    checked = _concat(parts, lambda p: p.checked)
    found, one_by_one = timelines(text, checked, history, acts, file_order)
    spans_, periods = span_columns(text, parts, found, one_by_one)
    located = ~empty(text.column("lat"))
    lon, lat = _concat(parts, lambda p: p.point[0]), _concat(parts, lambda p: p.point[1])
    geoms, label_x, label_y = _geometry(partners, located, lon, lat, countries)

    frame = text.to_pandas(types_mapper={pa.string(): STR}.get)
    frame["partners"] = pd.Series(partners, dtype=object)
    frame["routes"] = pd.Series(per_unique(text.column("routes"), split_list), dtype=object)
    frame["sources"] = pd.Series(per_unique(text.column("sources"), split_urls), dtype=object)
    sensitivity = text.column("sensitivity")
    frame["sensitivity"] = pd.Series(pc.if_else(pc.equal(sensitivity, ""), "public", sensitivity), dtype=STR)
    frame["regions"] = pd.Series(per_unique(text.column("partners"), lambda s: tuple(sorted({region_of[p] for p in split_list(s) if p in region_of}))), dtype=object)
    frame["spans"] = pd.Series(spans_, dtype=object)
    frame["periods"] = pd.Series(periods, dtype=object)
    frame["start_first"] = pd.Series(_dates(_concat(parts, lambda p: p.start[0])), dtype=object)
    frame["end_last"] = pd.Series(_dates(_concat(parts, lambda p: p.end[1])), dtype=object)
    frame["search_text"] = pd.Series(pa.chunked_array([p.search for p in parts], pa.string()) if parts else [], dtype=STR)
    frame["located"] = located
    records = gpd.GeoDataFrame(frame, geometry=gpd.array.from_shapely(geoms, crs=4326) if len(geoms) else None, crs=4326)
    records["label_lon"] = label_x
    records["label_lat"] = label_y
    return records, found


def _dates(day: np.ndarray) -> np.ndarray:
    out = (np.datetime64("1970-01-01", "D") + np.clip(day, -719162, 2932896)).astype(object)
    out[day == spans.NONE_LO] = None
    return out
