"""Validation rules: every problem in the data directory, with file, row, column, expected and found."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from concurrent.futures import Executor, Future
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from geo import basemapcache
from geo.columns import TEXT, bools, empty, first_rows, group_ids, index_in
from geo.errors import Problem
from geo.io import RawTable, read_table
from geo.places import check_basemap, location_rules, outlines
from geo.rules import Context, cell_problems, check_cell
from geo.schema import (
    ACTIVATION_COLUMNS,
    BASEMAP_FILE,
    CODE_PATTERN,
    ID_PATTERN,
    INSTRUMENTS,
    PARTNER_COLUMNS,
    ROUTE_COLUMNS,
    SENSITIVITIES,
    STATUS_CHANGE_COLUMNS,
    SUPPORT_FILES,
    Instrument,
    PartialDate,
)

__all__ = ["Context", "Tables", "ValidationReport", "check_basemap", "check_cell", "check_tables", "read_all", "validate"]


@dataclass
class ValidationReport:
    """Every problem found, errors and warnings, in file order."""

    problems: list[Problem] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    @property
    def ok(self) -> bool:
        return not self.errors

    def format(self) -> str:
        lines = [str(p) for p in self.problems]
        lines.append(f"{len(self.errors)} error(s), {len(self.warnings)} warning(s)")
        return "\n".join(lines)


@dataclass
class Tables:
    """The raw tables of a data directory, as read (None where a file could not be read).

    One attribute per ``geo.schema.SUPPORT_FILES`` entry (named by its ``name``), the instruments by key, and the
    basemap. ``assemble`` and ``by_file`` are the one place that maps files to attributes, so a new support file in
    the schema reaches the directory reader, the validator and the database alike.
    """

    partners: RawTable | None
    routes: RawTable | None
    activations: RawTable | None
    instruments: dict[str, RawTable | None]
    countries: gpd.GeoDataFrame | None
    status_changes: RawTable | None = None

    @classmethod
    def assemble(cls, raw: Mapping[str, RawTable | None], countries: gpd.GeoDataFrame | None) -> Tables:
        """From the raw tables keyed by file name (missing files: None)."""
        support = {f.name: raw.get(f.file) for f in SUPPORT_FILES}
        return cls(**support, instruments={i.key: raw.get(i.file) for i in INSTRUMENTS}, countries=countries)

    def by_file(self) -> dict[str, RawTable | None]:
        """The raw tables keyed by the data file each one is (support files first, then the instruments)."""
        return {f.file: getattr(self, f.name) for f in SUPPORT_FILES} | {i.file: self.instruments.get(i.key) for i in INSTRUMENTS}


def read_all(directory: Path) -> tuple[Tables, list[Problem]]:
    """Read every file of the data directory, collecting file-level problems."""
    problems: list[Problem] = []
    if not directory.is_dir():
        problems.append(Problem(str(directory), None, None, "a data directory", "no such directory"))
        return Tables.assemble({}, None), problems

    raw: dict[str, RawTable | None] = {}
    for file, cols in DATA_FILES:
        raw[file], found = read_table(directory, file, cols)
        problems.extend(found)
    countries, found = read_basemap(directory)
    return Tables.assemble(raw, countries), problems + found


DATA_FILES = [(f.file, f.columns) for f in SUPPORT_FILES] + [(i.file, i.columns) for i in INSTRUMENTS]  # in reading order


def read_basemap(directory: Path) -> tuple[gpd.GeoDataFrame | None, list[Problem]]:
    """The country outlines and the problems of the basemap file."""
    path = directory / BASEMAP_FILE
    if not path.is_file():
        return None, [Problem(BASEMAP_FILE, None, None, "the country outlines GeoJSON", f"no file at {path}")]
    try:
        gdf, valid = basemapcache.read_countries(path)
    except Exception as exc:  # noqa: BLE001 - GDAL raises many types; any failure means "unreadable"
        return None, [Problem(BASEMAP_FILE, None, None, "a readable GeoJSON file", f"{type(exc).__name__}: {exc}")]
    if "iso3" not in gdf.columns:
        return None, [Problem(BASEMAP_FILE, None, "iso3", "an 'iso3' property on every feature", "no such property")]
    outlines(gdf, valid)  # the validity found with the parse (``basemapcache``): what check_basemap reads
    return gdf, check_basemap(gdf, BASEMAP_FILE)


# --- rules across rows and files -------------------------------------------------------------------------

Keyed = list[tuple[tuple, Problem]]


def _sorted(keyed: Keyed) -> list[Problem]:
    keyed.sort(key=lambda kp: kp[0])
    return [p for _, p in keyed]


def _text(table: RawTable, name: str, picked: np.ndarray) -> list[str]:
    return table.column(name).take(pa.array(picked, pa.int64())).to_pylist() if len(picked) else []


def _file_order(tables: list[RawTable]) -> np.ndarray:
    """Positions of the rows of ``tables`` (concatenated) in file order: table by table, row number by row number.
    A table need not hold its rows in file order (instrument tables are kept in catalog order)."""
    if not tables:
        return np.zeros(0, np.int64)
    which = np.concatenate([np.full(len(t), n) for n, t in enumerate(tables)])
    return np.lexsort((np.concatenate([t.rows for t in tables]), which))


def _first_of_each(keys: list[pa.ChunkedArray], order: np.ndarray) -> np.ndarray:
    """Per row, the position of the first row in file order (``order``) with the same key cells."""
    ordered = pa.array(order, pa.int64())
    first = order[first_rows(group_ids([k.take(ordered) for k in keys]))]
    out = np.empty(len(order), np.int64)
    out[order] = first
    return out


def partner_code_rules(partners: RawTable) -> tuple[list[Problem], pa.Array]:
    """Partner codes well formed and each once; returns the problems and every code listed."""
    codes = partners.column("code")
    bad = ~empty(codes) & ~bools(pc.match_substring_regex(codes, CODE_PATTERN.pattern))
    again = _first_of_each([codes], _file_order([partners])) != np.arange(len(codes))
    keyed: Keyed = []
    for k, code in zip(np.flatnonzero(bad).tolist(), _text(partners, "code", np.flatnonzero(bad)), strict=True):
        keyed.append(((partners.rows[k],), Problem(partners.file, int(partners.rows[k]), "code", "an ISO 3166-1 alpha-3 code (XKX for Kosovo)", repr(code))))
    dup = np.flatnonzero(again & ~bad)
    for k, code in zip(dup.tolist(), _text(partners, "code", dup), strict=True):
        keyed.append(((partners.rows[k],), Problem(partners.file, int(partners.rows[k]), "code", "each code once", f"{code} again")))
    return _sorted(keyed), pc.unique(codes.combine_chunks())


def _all_ids(tables: list[RawTable]) -> pa.ChunkedArray:
    return pa.chunked_array([c for t in tables for c in t.column("id").chunks], TEXT)


def well_formed_ids(table: RawTable) -> np.ndarray:
    """Which rows' ids match the id pattern (per read of the table: ``geo.reload`` works it out with the file's own
    rules)."""
    return table.memo(("id pattern",), lambda: bools(pc.match_substring_regex(table.column("id"), ID_PATTERN.pattern)))


def id_rules(tables: list[RawTable]) -> tuple[list[Problem], pa.Array]:
    """Ids well formed and unique across every record file; returns the problems and every id used."""
    if not tables:
        return [], pa.array([], TEXT)
    ids = _all_ids(tables)
    which = np.concatenate([np.full(len(t), n) for n, t in enumerate(tables)])
    pos = np.concatenate([np.arange(len(t)) for t in tables])
    used = ~empty(ids)
    bad = used & ~np.concatenate([well_formed_ids(t) for t in tables])
    distinct = pc.unique(ids.filter(pa.array(used)).combine_chunks())
    if len(distinct) == used.sum():  # no id used twice (the usual case): no need to find the first of each
        first, again = np.arange(len(ids)), np.zeros(len(ids), dtype=bool)
    else:
        first = _first_of_each([ids], _file_order(tables))
        again = used & (first != np.arange(len(ids)))
    keyed: Keyed = []
    for k in np.flatnonzero(bad | again).tolist():
        t, r = tables[which[k]], pos[k]
        rid = ids[k].as_py()
        if bad[k]:
            keyed.append(((which[k], t.rows[r], 0), Problem(t.file, int(t.rows[r]), "id", "lowercase a-z, 0-9 and single hyphens", repr(rid))))
        if again[k]:
            f = first[k]
            where = f"{tables[which[f]].file} row {tables[which[f]].rows[pos[f]]}"
            keyed.append(((which[k], t.rows[r], 1), Problem(t.file, int(t.rows[r]), "id", "an id used only once", f"{rid!r}, already at {where}")))
    return _sorted(keyed), distinct


def duplicate_rows(table: RawTable, key: tuple[str, ...], column: str, expected: str) -> list[Problem]:
    """A row repeating an earlier row's ``key`` cells: an error naming the earlier row."""
    cols = [table.column(c) for c in key]
    first = _first_of_each(cols, _file_order([table]))
    some = np.zeros(len(table), dtype=bool)
    for c in cols:
        some |= ~empty(c)
    again = np.flatnonzero(some & (first != np.arange(len(table))))
    cells = [_text(table, c, again) for c in key]
    keyed: Keyed = []
    for n, k in enumerate(again.tolist()):
        shown = " ".join(f"{c}={v[n]!r}" for c, v in zip(key, cells, strict=True) if v[n])
        keyed.append(((table.rows[k],), Problem(table.file, int(table.rows[k]), column, expected, f"{shown}, already at row {table.rows[first[k]]}")))
    return _sorted(keyed)


def route_entry_rules(routes: RawTable) -> list[Problem]:
    """A route's entry point is complete or absent: both coordinates, a place name and a precision."""
    lat, lon = ~empty(routes.column("entry_lat")), ~empty(routes.column("entry_lon"))
    keyed: Keyed = []
    for k in np.flatnonzero(lat != lon).tolist():
        keyed.append(((routes.rows[k], 0), Problem(routes.file, int(routes.rows[k]), "entry_lon" if lat[k] else "entry_lat",
                                      "both entry_lat and entry_lon, or neither", "only one of them")))
    for n, col in enumerate(("entry_place", "entry_precision"), start=1):
        for k in np.flatnonzero(lat & lon & empty(routes.column(col))).tolist():
            keyed.append(((routes.rows[k], n), Problem(routes.file, int(routes.rows[k]), col, "a value for a route with an entry point", "an empty cell")))
    return _sorted(keyed)


def needs_partners(table: RawTable) -> list[Problem]:
    return [Problem(table.file, int(r), "partners", "at least one partner code", "an empty cell")
            for r in np.sort(table.rows[empty(table.column("partners"))])]


def activation_rules(acts: RawTable, cp_ids: pa.ChunkedArray) -> list[Problem]:
    rid = acts.column("record_id")
    bad = np.flatnonzero(~empty(rid) & ~bools(pc.is_in(rid, cp_ids.combine_chunks())))
    return _sorted([((acts.rows[k],), Problem(acts.file, int(acts.rows[k]), "record_id", "the id of a coordination point", repr(v)))
                    for k, v in zip(bad.tolist(), _text(acts, "record_id", bad), strict=True)])


def record_starts(tables: list[RawTable]) -> tuple[pa.Array, np.ndarray, np.ndarray]:
    """The records with a readable start, each id once (its first such row in file order): ids, first days,
    and where each is (table number, row position)."""
    if not tables:
        return pa.array([], TEXT), np.zeros(0, "datetime64[D]"), np.zeros((0, 2), np.int64)
    starts = [t.dates("start") for t in tables]
    order = _file_order(tables)
    readable = np.concatenate([s.ok for s in starts])[order]
    kept = order[readable]  # readable rows, in file order
    where = np.concatenate([np.stack([np.full(len(t), n), np.arange(len(t))], axis=1) for n, t in enumerate(tables)])[kept]
    ids = _all_ids(tables).take(pa.array(kept, pa.int64()))
    once = first_rows(group_ids([ids])) == np.arange(len(ids))
    return ids.filter(pa.array(once)).combine_chunks(), np.concatenate([s.first for s in starts])[kept][once], where[once]


def status_change_rules(changes: RawTable, tables: list[RawTable]) -> list[Problem]:
    """Each row says something (a status or an event), once, and never before its record's start."""
    problems = duplicate_rows(changes, ("record_id", "date", "status", "event"), "date", "each status change of a record once")
    keyed: Keyed = [((changes.rows[k], 0), Problem(changes.file, int(changes.rows[k]), "status", "a status, an event or both", "both empty"))
                    for k in np.flatnonzero(empty(changes.column("status")) & empty(changes.column("event"))).tolist()]
    ids, firsts, where = record_starts(tables)
    at = index_in(changes.column("record_id"), ids)
    dates = changes.dates("date")
    known = at >= 0
    early = np.zeros(len(changes), dtype=bool)
    early[known] = dates.ok[known] & (dates.last[known] < firsts[at[known]])
    for k in np.flatnonzero(early).tolist():
        n, r = where[at[k]]
        record, day = changes.column("record_id")[k].as_py(), PartialDate.parse(changes.column("date")[k].as_py())
        start = PartialDate.parse(tables[n].column("start")[r].as_py())
        keyed.append(((changes.rows[k], 1), Problem(changes.file, int(changes.rows[k]), "date",
                                      f"a date on or after the start of {record} ({start}, {tables[n].file} row {tables[n].rows[r]})", str(day))))
    return problems + _sorted(keyed)


def parent_marking_rules(tables: list[RawTable]) -> list[Problem]:
    """A record is at least as sensitive as its parent: whoever may read it may read what it points to, so a cut by
    clearance (``geo.access.visible``, the database's row-level security) never leaves a pointer to a record the
    viewer may not know of. (An unknown or empty marking counts as the highest, as everywhere.)"""
    if not tables:
        return []
    top = len(SENSITIVITIES) - 1
    codes = pa.array(list(SENSITIVITIES), TEXT)

    def ranks(t: RawTable) -> np.ndarray:
        return np.asarray(pc.index_in(t.column("sensitivity"), codes).fill_null(top).to_numpy(zero_copy_only=False))

    each = [ranks(t) for t in tables]
    all_ranks = np.concatenate(each)
    ids = _all_ids(tables)
    keyed: Keyed = []
    for n, t in enumerate(tables):
        if "parent" not in t.cells.column_names:
            continue
        at = index_in(t.column("parent"), ids)
        own = each[n]
        bad = np.flatnonzero((at >= 0) & (all_ranks[np.maximum(at, 0)] > own))
        for k in bad.tolist():
            keyed.append(((n, t.rows[k], 0), Problem(
                t.file, int(t.rows[k]), "parent", f"a parent no more sensitive than this record ({SENSITIVITIES[own[k]]})",
                f"{t.column('parent')[k].as_py()} ({SENSITIVITIES[all_ranks[at[k]]]})")))
    return _sorted(keyed)


def check_tables(tables: Tables, today: dt.date | None = None, pool: Executor | None = None) -> list[Problem]:
    """Every rule that concerns the content of the tables read from a directory (or a database).

    Given a ``pool``, independent groups of rules run on it side by side (Arrow and numpy release the GIL): the
    ones that need no ids or codes start at once, the others once the ids and codes are gathered. The problems
    come in the same order as without a pool."""
    run = pool.submit if pool is not None else _at_once
    record_tables = [t for t in tables.instruments.values() if t is not None]
    instruments = [(i, t) for i in INSTRUMENTS if (t := tables.instruments[i.key]) is not None]
    changes = tables.status_changes
    no_context = {  # started first: they read neither partner codes nor record ids
        "parents": run(parent_marking_rules, record_tables),
        "history": run(status_change_rules, changes, record_tables) if changes is not None else None,
        **{i.key: run(_instrument_rules, i, t, tables.countries) for i, t in instruments},
    }
    problems: list[Problem] = []
    codes = pa.array([], TEXT)
    if tables.partners is not None:
        found, codes = partner_code_rules(tables.partners)
        problems += found
    id_problems, ids = id_rules(record_tables)
    problems += id_problems
    ctx = Context(codes, ids, today or dt.date.today())
    cells = {i.key: run(cell_problems, t, i.columns, ctx) for i, t in instruments}
    ordered: list[Future] = [run(_support_rules, tables, ctx)]
    for inst, _ in instruments:
        ordered += [cells[inst.key], no_context[inst.key]]
    ordered.append(no_context["parents"])
    if tables.activations is not None:
        ordered.append(run(_activation_rules, tables.activations, tables.instruments.get("coordination_point"), ctx))
    if changes is not None:
        ordered += [run(cell_problems, changes, STATUS_CHANGE_COLUMNS, ctx), no_context["history"]]  # type: ignore[list-item]
    return problems + [p for future in ordered for p in future.result()]


def _at_once(fn: Callable[..., list[Problem]], *args: object) -> Future:
    """``fn(*args)`` now, as a finished future (``check_tables`` without a pool; what it raises, it raises now)."""
    future: Future = Future()
    future.set_result(fn(*args))
    return future


def _support_rules(tables: Tables, ctx: Context) -> list[Problem]:
    problems: list[Problem] = []
    if tables.partners is not None:
        problems += cell_problems(tables.partners, PARTNER_COLUMNS, ctx)
    if tables.routes is not None:
        problems += cell_problems(tables.routes, ROUTE_COLUMNS, ctx)
        problems += route_entry_rules(tables.routes)
        problems += duplicate_rows(tables.routes, ("id",), "id", "a route id used only once")
    if tables.countries is not None and tables.partners is not None:
        shapes = outlines(tables.countries).shapes
        codes = tables.partners.column("code").to_pylist()
        for k in np.argsort(tables.partners.rows, kind="stable").tolist():
            if codes[k] and codes[k] not in shapes:
                problems.append(Problem(tables.partners.file, int(tables.partners.rows[k]), "code", f"a country outline in {BASEMAP_FILE}",
                                        f"none for {codes[k]} (it cannot be drawn as an area)", "warning"))
    return problems


def _instrument_rules(inst: Instrument, table: RawTable, countries: gpd.GeoDataFrame | None) -> list[Problem]:
    """An instrument file's rules beyond its cells: partners present, locations inside their country."""
    problems = table.memo(("needs_partners",), lambda: needs_partners(table)) if inst.needs_partners else []
    return problems + (location_rules(table, inst.key, countries) if inst.located else [])


def _activation_rules(acts: RawTable, cp: RawTable | None, ctx: Context) -> list[Problem]:
    problems = cell_problems(acts, ACTIVATION_COLUMNS, ctx)
    if cp is not None:
        problems += activation_rules(acts, cp.column("id"))
    return problems + acts.memo(("dups",), lambda: duplicate_rows(
        acts, ("record_id", "start", "end"), "start", "each activation period of a coordination point once"))


def validate(directory: Path) -> ValidationReport:
    """Read and check a data directory; never raises for bad data."""
    tables, problems = read_all(directory)
    problems += check_tables(tables)
    return ValidationReport(problems)
