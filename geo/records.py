"""The catalog's records, built a column at a time from the instrument files.

Each instrument file becomes a *part*: its rows in catalog order (start, then id), its parsed dates, code lists
and coordinates. A part depends on its file alone, so it is built once per read of the file and kept
with it (``RawTable.memo``): a reload after one file changed rebuilds one part. What reads other files is done on
the whole catalog each time, a column at a time: regions (partners.csv) and the status-history spans
(status_changes.csv, activations.csv, successors; ``geo.spans``). The full-resolution outline of a record drawn
as an area (one union per distinct set of countries) is built only when an export asks for it
(``record_shapes``), and the folded search text on the first text search (``search_text``).
"""

from __future__ import annotations

import datetime as dt
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import shapely
from shapely.geometry.base import BaseGeometry

from geo import geometry, spans
from geo.columns import TEXT, Dates, bools, distinct_rows, empty, index_in, per_unique
from geo.history import Change, Timeline, build_timeline, first_in_force
from geo.io import RawTable
from geo.memo import per_object
from geo.schema import INSTRUMENTS, Instrument, PartialDate, split_list, split_urls
from geo.text import fold_column

TEXT_FIELDS = ("name", "description", "place", "acronym", "counterpart", "implementers", "framework", "border_section",
               "activity", "organisers", "priorities", "agency_part", "notes")
ALWAYS = ("lat", "lon", "precision", "place", "coord_source", "parent")  # columns every record has, "" where n/a
STR = pd.StringDtype("pyarrow", na_value=np.nan)
T = TypeVar("T")


def _days(values: np.ndarray, none: np.int64) -> np.ndarray:
    return spans.days(values, none)


def _memo(table: RawTable, name: str, deps: tuple, build: Callable[[], T]) -> T:
    """``build()`` once per table and per identity of ``deps`` (the other files' data it reads)."""
    held = table.parsed.get(("derived", name))
    if held is None or len(held[0]) != len(deps) or any(a is not b for a, b in zip(held[0], deps, strict=True)):
        held = table.parsed[("derived", name)] = (deps, build())
    return held[1]


class Part:
    """One instrument file's records in catalog order, and what is derived from them (kept with the file's read)."""

    def __init__(self, table: RawTable, instrument: str) -> None:
        self.table, self.instrument = table, instrument

    def __len__(self) -> int:
        return len(self.table)

    @property
    def cells(self) -> pa.Table:
        return self.table.cells

    @property
    def rows(self) -> np.ndarray:
        return self.table.rows

    def constant(self, value: str) -> pa.Array:
        """A column of ``value`` for every record (made once per part: columns the file lacks share it)."""
        return _memo(self.table, f"constant {value}", (), lambda: pa.array(np.full(len(self), value), TEXT))

    def own(self) -> dict[str, np.ndarray | pa.ChunkedArray]:
        """Columns from the file's own cells: lists, dates, coordinates, spans of its cells alone."""
        return _memo(self.table, "own", (), lambda: _own(self.table))

    def regions(self, partners: RawTable | None, region_of: dict[str, str]) -> np.ndarray:
        return _memo(self.table, "regions", (partners,), lambda: per_unique(
            self.table.column("partners"), lambda s: tuple(sorted({region_of[p] for p in split_list(s) if p in region_of}))))

    def points(self) -> np.ndarray:
        own = self.own()
        return _memo(self.table, "points", (), lambda: _points(own["located"], own["lon"], own["lat"]))


def catalog_order(table: RawTable) -> RawTable:
    """The table with its rows in catalog order: records without a start first, then by start, then by id (the
    same table if they already are). The catalog then shares the table's cells instead of copying them."""
    if table.parsed.get(("catalog order",)):
        return table
    if ("ordered",) in table.parsed:  # made already (the moved table keeps no reference back: no cycle)
        return table.parsed[("ordered",)]
    start = table.dates("start")
    id_rank = np.empty(len(table), np.int64)
    id_rank[pc.sort_indices(table.column("id")).to_numpy()] = np.arange(len(table))
    order = np.lexsort((id_rank, _days(start.first, spans.NONE_LO)))
    if (order == np.arange(len(table))).all():
        moved = table
    else:
        moved = RawTable(table.file, table.cells.take(pa.array(order, pa.int64())), table.rows[order])
        moved.parsed[("dates", "start")] = Dates(start.first[order], start.last[order], start.ok[order], start.blank[order])
        table.parsed[("ordered",)] = moved
    moved.parsed[("catalog order",)] = True
    return moved


def part_of(table: RawTable, inst: Instrument) -> Part:
    """The part of one instrument file, from its table in catalog order. What a part derives is kept in its
    table's memo, so a part is only a view and is made anew each time: a part kept in the memo of the table it
    refers to would make a reference cycle, and a replaced file's table would stay in memory until Python's
    cycle collector ran (measured: +55 MB held after some reloads at 100,000 records)."""
    return Part(catalog_order(table), inst.key)


def _own(table: RawTable) -> dict[str, np.ndarray | pa.ChunkedArray]:
    start = table.dates("start")
    end = table.dates("end")
    lat, _ = table.numbers("lat")
    lon, _ = table.numbers("lon")
    checked, _ = table.days("checked")
    located = ~empty(table.column("lat"))
    out: dict[str, np.ndarray | pa.ChunkedArray] = {
        "start": _days(start.first, spans.NONE_LO), "start_last": _days(start.last, spans.NONE_LO),
        "end_first": _days(end.first, spans.NONE_LO), "end": _days(end.last, spans.NONE_LO),
        "checked": _days(checked, spans.NONE_HI), "located": located,
        "lon": np.where(located, lon, np.nan), "lat": np.where(located, lat, np.nan),
        "partners": per_unique(table.column("partners"), split_list),
        "routes": per_unique(table.column("routes"), split_list),
        "sources": per_unique(table.column("sources"), split_urls),
    }
    out["spans"], out["periods"] = spans.own_span_tuples(out["start"], out["start_last"], out["end_first"], out["end"],  # type: ignore[arg-type]
                                                         table.column("status"), out["checked"])  # type: ignore[arg-type]
    out["start_first"], out["end_last"] = _dates(out["start"]), _dates(out["end"])  # type: ignore[arg-type]
    return out


_SEARCH: dict[int, tuple[weakref.ref, pa.ChunkedArray]] = {}  # per records table while it lives


def search_text(records: pd.DataFrame) -> pa.ChunkedArray:
    """The folded search text of every record of ``records``: ``fold`` of its text fields, joined by spaces.

    Made on the first text search of a records table and kept while the table lives (not held beyond it: an old
    version's records are not kept alive by it). Not made with the catalog: at 100,000 records it was 0.3 s of
    a whole load's 3.3 CPU-seconds and 56 MB of its memory, for a filter most sessions never use (measured
    2026-12-06). A search word has no space, so fields a records table lacks (all "") change no result."""
    held = _SEARCH.get(id(records))
    if held is not None and held[0]() is records:
        return held[1]
    text = _folded([_chunked(records[f]) for f in TEXT_FIELDS if f in records.columns], len(records))
    key = id(records)
    _SEARCH[key] = (weakref.ref(records, lambda _, key=key: _SEARCH.pop(key, None)), text)
    return text


def _chunked(values: pd.Series) -> pa.ChunkedArray:
    """A text column of a records table as Arrow text (its own buffers: pandas stores it in Arrow), "" for none."""
    out = pa.array(values.array)
    out = out if isinstance(out, pa.ChunkedArray) else pa.chunked_array([out])
    return out.cast(TEXT).fill_null("")


def _folded(columns: list[pa.ChunkedArray], n: int, block: int = 8192) -> pa.ChunkedArray:
    """The fields of each row joined by spaces and folded, a block of rows at a time (small intermediate texts)."""
    if not columns:
        return pa.chunked_array([pa.array([""] * n, TEXT)])
    space = pa.scalar(" ", TEXT)
    joined = [pc.binary_join_element_wise(*[c.slice(first, block) for c in columns], space) for first in range(0, n, block)]
    return pa.chunked_array([fold_column(j) for j in joined] or [pa.array([], TEXT)], TEXT)


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


SMALL = 8192  # parts shorter than this share one chunk per column (a filter then takes from few chunks)


def _text_table(parts: list[Part]) -> pa.Table:
    """Every part's text cells under one set of columns (first appearance order; "" where a part lacks one).

    The big parts' chunks are the tables' own (shared, not copied); runs of small parts (the curated files) are
    concatenated, so that selecting rows (``geo.apply``) does not step through a dozen tiny chunks per column.
    """
    names = _union_columns(parts)
    columns = []
    for name in names:
        chunks, small = [], []
        for part in parts:
            if name == "instrument":
                mine = [part.constant(part.instrument)]
            elif name in part.cells.column_names:
                mine = part.cells.column(name).chunks
            else:
                mine = [part.constant("")]
            if len(part) < SMALL:
                small += mine
                continue
            if small:
                chunks.append(pa.concat_arrays(small))
                small = []
            chunks += mine
        if small:
            chunks.append(pa.concat_arrays(small))
        columns.append(pa.chunked_array(chunks, TEXT))
    return pa.table(columns, names=names)


_AREAS: dict[int, tuple[object, dict]] = {}  # per country table: partners -> outline (geo.memo)


def area_outline(countries: gpd.GeoDataFrame, partners: tuple[str, ...]) -> BaseGeometry | None:
    """The full-resolution outline of a record drawn as the area of its partners (kept per basemap).

    Built when first asked for, not with the catalog: only the GeoJSON export needs it (the map draws the
    coverage-simplified unions of ``display_geometry``). At 100,000 records the 45 distinct partner sets took
    0.73 s of one core to dissolve, about half the whole load's work (measured 2026-12-06)."""
    cache: dict[tuple[str, ...], BaseGeometry | None] = per_object(_AREAS, countries, dict)
    if partners not in cache:
        cache[partners] = geometry.dissolve(partners, dict(zip(countries["iso3"], countries.geometry, strict=True)))
    return cache[partners]


def record_shapes(records: pd.DataFrame, countries: gpd.GeoDataFrame) -> np.ndarray:
    """Each record's geometry: its point where located, else the union of its partners' outlines (None if none)."""
    shapes = np.asarray(records.geometry.array, dtype=object).copy() if len(records) else np.zeros(0, object)
    area = np.flatnonzero(~records["located"].to_numpy(bool))
    shapes[area] = [area_outline(countries, ps) for ps in records["partners"].iloc[area].tolist()] if len(area) else []
    return shapes


def _points(located: np.ndarray, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Each record's own position: its point where located, else None (areas: ``record_shapes``). Records at the
    same position (the same doubles, bit for bit) share one point, made once: a 25,000-record synthetic file has
    a handful of places, and a point a record took 15 ms a file (2026-12-07)."""
    geoms = np.empty(len(located), dtype=object)
    at = np.flatnonzero(located)
    if len(at):
        x, y = lon[at], lat[at]
        first, back = distinct_rows(np.stack([x.view(np.int64), y.view(np.int64)], axis=1))
        geoms[at] = shapely.points(x[first], y[first])[back]
    return geoms


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
    found = History(_changes(history), _activations(acts), {})  # small tables: a pass over their rows
    special = bools(pc.is_in(ids, pa.array(list(found.changes) + list(found.activations), TEXT)))
    parent = text.column("parent")
    at = index_in(parent, ids)
    linked = np.flatnonzero((at >= 0) & ~empty(parent))
    instrument = text.column("instrument")  # compared in Arrow: no Python string per record
    same = bools(pc.equal(instrument.take(pa.array(linked, pa.int64())), instrument.take(pa.array(at[linked], pa.int64()))))
    candidates = linked[same]
    rows = text.select(["id", "start", "end", "status", "parent"]).take(pa.array(candidates, pa.int64())).to_pylist()
    for k, rec in sorted(zip(candidates.tolist(), rows, strict=True), key=lambda kr: file_order[kr[0]]):
        applies = first_in_force(found.timeline(rec, _checked(checked[k]), successor=False))
        held = found.successors.get(rec["parent"])
        if applies != (None, None) and (held is None or (applies[0] or dt.date.min) < (held[1][0] or dt.date.min)):
            found.successors[rec["parent"]] = (rec["id"], applies)
    ending = bools(pc.is_in(text.column("status"), pa.array(["superseded", "ended"], TEXT)))
    return found, special | (bools(pc.is_in(ids, pa.array(list(found.successors), TEXT))) & ending)


def _concat(parts: list[Part], name: str) -> np.ndarray:
    return np.concatenate([p.own()[name] for p in parts]) if parts else np.zeros(0)  # type: ignore[misc]


def build_records(tables: dict[str, RawTable | None], partners: RawTable | None, region_of: dict[str, str], history: pd.DataFrame, acts: pd.DataFrame) -> tuple[gpd.GeoDataFrame, History]:
    """Every record of every instrument, in catalog order (instrument, start, id), with its derived columns."""
    parts = [part_of(tables[i.key], i) for i in INSTRUMENTS if tables.get(i.key) is not None]  # type: ignore[arg-type]
    text = _text_table(parts)
    which = np.concatenate([np.full(len(p), n) for n, p in enumerate(parts)]) if parts else np.zeros(0, np.int64)
    file_order = np.argsort(np.lexsort((np.concatenate([p.rows for p in parts]) if parts else which, which)))
    checked = _concat(parts, "checked")
    found, one_by_one = timelines(text, checked, history, acts, file_order)
    spans_, periods = _concat(parts, "spans"), _concat(parts, "periods")
    special = np.flatnonzero(one_by_one)
    if len(special):  # records with history rows, activations or a successor: their timelines one by one
        recs = text.select(["id", "start", "end", "status"]).take(pa.array(special, pa.int64())).to_pylist()
        built = [found.timeline(rec, _checked(checked[k])) for k, rec in zip(special.tolist(), recs, strict=True)]
        spans_[special], periods[special] = spans.span_tuples(spans.Steps.of(built))

    frame = text.to_pandas(types_mapper={TEXT: STR}.get)
    for name in ("partners", "routes", "sources"):
        frame[name] = pd.Series(_concat(parts, name), dtype=object)
    sensitivity = text.column("sensitivity")
    frame["sensitivity"] = pd.Series(pc.if_else(pc.equal(sensitivity, ""), "public", sensitivity), dtype=STR)
    frame["regions"] = pd.Series(np.concatenate([p.regions(partners, region_of) for p in parts]) if parts else [], dtype=object)
    frame["spans"] = pd.Series(spans_, dtype=object)
    frame["periods"] = pd.Series(periods, dtype=object)
    frame["start_first"] = pd.Series(_concat(parts, "start_first"), dtype=object)
    frame["end_last"] = pd.Series(_concat(parts, "end_last"), dtype=object)
    frame["located"] = _concat(parts, "located").astype(bool)
    geoms = np.concatenate([p.points() for p in parts]) if parts else np.zeros(0, object)
    return gpd.GeoDataFrame(frame, geometry=gpd.array.from_shapely(geoms, crs=4326), crs=4326), found


def _dates(day: np.ndarray) -> np.ndarray:
    out = (np.datetime64("1970-01-01", "D") + np.clip(day, -719162, 2932896)).astype(object)
    out[day == spans.NONE_LO] = None
    return out
