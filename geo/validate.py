"""Validation rules: every problem in the data directory, with file, row, column, expected and found."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import shapely

from geo import geometry
from geo.errors import Problem
from geo.io import ROW_COLUMN, RawTable, read_table
from geo.schema import (
    ACTIVATION_COLUMNS,
    BASEMAP_FILE,
    BORDER_TOLERANCE_KM,
    CODE_PATTERN,
    CONFIDENCES,
    HOST_TOLERANCE_KM,
    ID_PATTERN,
    INSTRUMENTS,
    PARTNER_COLUMNS,
    PARTNER_FILE,
    PRECISIONS,
    ROUTE_COLUMNS,
    ROUTES,
    SENSITIVITIES,
    STATUS_CHANGE_COLUMNS,
    STATUSES,
    SUPPORT_FILES,
    URL_PATTERN,
    Column,
    Kind,
    PartialDate,
    split_list,
    split_urls,
)


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
    for file, cols in [(f.file, f.columns) for f in SUPPORT_FILES] + [(i.file, i.columns) for i in INSTRUMENTS]:
        raw[file], found = read_table(directory, file, cols)
        problems.extend(found)
    countries = _read_basemap(directory, problems)
    return Tables.assemble(raw, countries), problems


def _read_basemap(directory: Path, problems: list[Problem]) -> gpd.GeoDataFrame | None:
    path = directory / BASEMAP_FILE
    if not path.is_file():
        problems.append(Problem(BASEMAP_FILE, None, None, "the country outlines GeoJSON", f"no file at {path}"))
        return None
    try:
        gdf = geometry.read_countries(path)
    except Exception as exc:  # noqa: BLE001 - GDAL raises many types; any failure means "unreadable"
        problems.append(Problem(BASEMAP_FILE, None, None, "a readable GeoJSON file", f"{type(exc).__name__}: {exc}"))
        return None
    if "iso3" not in gdf.columns:
        problems.append(Problem(BASEMAP_FILE, None, "iso3", "an 'iso3' property on every feature", "no such property"))
        return None
    problems += check_basemap(gdf, BASEMAP_FILE)
    return gdf


def check_basemap(gdf: gpd.GeoDataFrame, file: str, rows: list[int] | None = None) -> list[Problem]:
    """Codes and outlines of the basemap; ``rows`` numbers the features (1, 2, … when None)."""
    problems: list[Problem] = []
    numbers = rows if rows is not None else range(1, len(gdf) + 1)
    seen: set[str] = set()
    for n, code, geom in zip(numbers, gdf["iso3"], gdf.geometry, strict=True):
        if not isinstance(code, str) or not CODE_PATTERN.match(code):
            problems.append(Problem(file, n, "iso3", "a three-letter upper-case code", repr(code)))
        elif code in seen:
            problems.append(Problem(file, n, "iso3", "one feature per code", f"{code} again"))
        seen.add(str(code))
        if geom is None or geom.is_empty:
            problems.append(Problem(file, n, "geometry", "a non-empty polygon", "empty geometry"))
        elif not geom.is_valid:
            problems.append(Problem(file, n, "geometry", "a valid polygon", shapely.is_valid_reason(geom)))
    return problems


# --- cell rules ---------------------------------------------------------------------------------------


@dataclass
class Context:
    """What cell checks need to know about the other files."""

    partner_codes: set[str]
    all_ids: set[str]


def check_cell(col: Column, value: str, ctx: Context) -> str | None:
    """Return what was expected if ``value`` breaks the column's rule, else None. Empty cells pass here."""
    if value == "":
        return None
    kind = col.kind
    if kind is Kind.ID:
        return None  # checked with duplicates, below
    if kind is Kind.DATE:
        try:
            PartialDate.parse(value)
        except ValueError as exc:
            return str(exc).removeprefix("expected ")
        return None
    if kind is Kind.DAY:
        try:
            day = dt.date.fromisoformat(value)
        except ValueError:
            return "a full date YYYY-MM-DD"
        if day > dt.date.today():
            return "a date not in the future"
        return None
    if kind in (Kind.CODES, Kind.CODE):
        codes = split_list(value) if kind is Kind.CODES else (value,)
        unknown = [c for c in codes if c not in ctx.partner_codes]
        if unknown:
            return f"partner codes listed in {PARTNER_FILE} (unknown: {';'.join(unknown)})"
        if len(set(codes)) != len(codes):
            return "each code once"
        return None
    if kind is Kind.ROUTES:
        unknown = [r for r in split_list(value) if r not in ROUTES]
        return f"route ids {sorted(ROUTES)} (unknown: {';'.join(unknown)})" if unknown else None
    if kind is Kind.URLS:
        bad = [u for u in split_urls(value) if not URL_PATTERN.match(u)]
        return f"http(s) URLs separated by spaces (malformed: {bad[0]!r})" if bad else None
    choices = {
        Kind.STATUS: STATUSES,
        Kind.CONFIDENCE: CONFIDENCES,
        Kind.SENSITIVITY: SENSITIVITIES,
        Kind.PRECISION: PRECISIONS,
        Kind.CHOICE: col.choices,
    }.get(kind)
    if choices is not None:
        return f"one of {', '.join(choices)}" if value not in choices else None
    if kind in (Kind.LAT, Kind.LON, Kind.NUMBER):
        try:
            number = float(value)
        except ValueError:
            return "a number"
        limit = {Kind.LAT: 90.0, Kind.LON: 180.0}.get(kind)
        if limit is not None and not -limit <= number <= limit:
            return f"a {'latitude' if kind is Kind.LAT else 'longitude'} between -{limit:g} and {limit:g}"
        if kind is Kind.NUMBER and number < 0:
            return "a non-negative number"
        return None
    if kind is Kind.REF:
        return None if value in ctx.all_ids else "the id of a record in the data"
    return None  # TEXT


def check_table(table: RawTable, columns: tuple[Column, ...], ctx: Context) -> list[Problem]:
    """Required cells and per-cell rules, plus period order, for one table."""
    problems: list[Problem] = []
    for rec in table.frame.to_dict("records"):
        row = rec[ROW_COLUMN]
        for col in columns:
            value = rec.get(col.name, "")
            if value == "":
                if col.required:
                    problems.append(Problem(table.file, row, col.name, "a value", "an empty cell"))
                continue
            expected = check_cell(col, value, ctx)
            if expected:
                problems.append(Problem(table.file, row, col.name, expected, repr(value)))
        problems.extend(_check_period(table.file, row, rec))
    return problems


def _check_period(file: str, row: int, rec: dict) -> list[Problem]:
    try:
        start = PartialDate.parse(rec["start"]) if rec.get("start") else None
        end = PartialDate.parse(rec["end"]) if rec.get("end") else None
    except ValueError:
        return []  # reported as a malformed date already
    if start and end and end.last < start.first:
        return [Problem(file, row, "end", f"an end on or after the start ({start})", str(end))]
    return []


def _check_ids(tables: Iterable[RawTable]) -> tuple[list[Problem], set[str]]:
    problems: list[Problem] = []
    first_seen: dict[str, str] = {}
    for table in tables:
        for rid, row in zip(table.frame["id"], table.frame[ROW_COLUMN], strict=True):
            if rid == "":
                continue
            if not ID_PATTERN.match(rid):
                problems.append(Problem(table.file, row, "id", "lowercase a-z, 0-9 and single hyphens", repr(rid)))
            if rid in first_seen:
                problems.append(Problem(table.file, row, "id", "an id used only once", f"{rid!r}, already at {first_seen[rid]}"))
            else:
                first_seen[rid] = f"{table.file} row {row}"
    return problems, set(first_seen)


# --- record rules needing geometry -----------------------------------------------------------------


def _route_entry_rules(table: RawTable) -> list[Problem]:
    """A route's entry point is complete or absent: both coordinates, a place name and a precision."""
    problems: list[Problem] = []
    for rec in table.frame.to_dict("records"):
        row = rec[ROW_COLUMN]
        lat, lon = rec.get("entry_lat", ""), rec.get("entry_lon", "")
        if bool(lat) != bool(lon):
            problems.append(Problem(table.file, row, "entry_lon" if lat else "entry_lat", "both entry_lat and entry_lon, or neither", "only one of them"))
        elif lat:
            for col in ("entry_place", "entry_precision"):
                if not rec.get(col):
                    problems.append(Problem(table.file, row, col, "a value for a route with an entry point", "an empty cell"))
    return problems


def _location_rules(table: RawTable, instrument: str, shapes: dict, ctx: Context) -> list[Problem]:
    problems: list[Problem] = []
    for rec in table.frame.to_dict("records"):
        row = rec[ROW_COLUMN]
        lat, lon = rec.get("lat", ""), rec.get("lon", "")
        partners = split_list(rec.get("partners", ""))
        if instrument == "coordination_point" and len(partners) != 2:
            problems.append(Problem(table.file, row, "partners", "exactly two countries (both sides of the crossing)", f"{len(partners)}"))
        if instrument == "liaison_officer" and rec.get("host") and rec["host"] not in partners:
            problems.append(Problem(table.file, row, "host", "the host country also listed in 'partners'", rec["host"]))
        if bool(lat) != bool(lon):
            problems.append(Problem(table.file, row, "lon" if lat else "lat", "both lat and lon, or neither", "only one of them"))
            continue
        if not lat:
            continue
        if not rec.get("precision"):
            problems.append(Problem(table.file, row, "precision", "a precision for a located record", "an empty cell"))
        try:
            la, lo = float(lat), float(lon)
        except ValueError:
            continue  # reported by the cell rules
        if not (-90 <= la <= 90 and -180 <= lo <= 180):
            continue
        if instrument == "liaison_officer":
            host = rec.get("host", "")
            if host in shapes:
                d = geometry.distance_km(la, lo, shapes[host])
                if d > HOST_TOLERANCE_KM:
                    problems.append(Problem(table.file, row, "lat", f"a duty station inside the host country {host} (tolerance {HOST_TOLERANCE_KM:g} km)", f"({la}, {lo}), {d:.0f} km outside"))
        if instrument == "coordination_point" and len(partners) == 2 and all(p in shapes for p in partners):
            a, b = (shapes[p] for p in partners)
            border = geometry.shared_border(a, b)
            if border.is_empty:
                problems.append(Problem(table.file, row, "partners", "two countries sharing a land border", f"{partners[0]} and {partners[1]} are not neighbours"))
            else:
                d = geometry.distance_km(la, lo, border)
                if d > BORDER_TOLERANCE_KM:
                    problems.append(Problem(table.file, row, "lat", f"a point within {BORDER_TOLERANCE_KM:g} km of the {partners[0]}–{partners[1]} border", f"({la}, {lo}), {d:.0f} km away"))
    return problems


def _needs_partners(table: RawTable) -> list[Problem]:
    return [
        Problem(table.file, row, "partners", "at least one partner code", "an empty cell")
        for row, value in zip(table.frame[ROW_COLUMN], table.frame["partners"], strict=True)
        if value == ""
    ]


def _activation_rules(acts: RawTable, cp_ids: set[str]) -> list[Problem]:
    return [
        Problem(acts.file, row, "record_id", "the id of a coordination point", repr(rid))
        for row, rid in zip(acts.frame[ROW_COLUMN], acts.frame["record_id"], strict=True)
        if rid and rid not in cp_ids
    ]


def _duplicate_rows(table: RawTable, key: tuple[str, ...], column: str, expected: str) -> list[Problem]:
    """A row repeating an earlier row's ``key`` cells: an error naming the earlier row."""
    problems: list[Problem] = []
    first: dict[tuple[str, ...], int] = {}
    for rec in table.frame.to_dict("records"):
        cells = tuple(rec.get(c, "") for c in key)
        if not any(cells):
            continue
        if cells in first:
            shown = " ".join(f"{c}={v!r}" for c, v in zip(key, cells, strict=True) if v)
            problems.append(Problem(table.file, rec[ROW_COLUMN], column, expected, f"{shown}, already at row {first[cells]}"))
        else:
            first[cells] = rec[ROW_COLUMN]
    return problems


def _record_starts(tables: Iterable[RawTable]) -> dict[str, tuple[PartialDate, str]]:
    """Record id -> (its start, where it is), for records with a readable start."""
    out: dict[str, tuple[PartialDate, str]] = {}
    for table in tables:
        for rid, start, row in zip(table.frame["id"], table.frame["start"], table.frame[ROW_COLUMN], strict=True):
            try:
                out.setdefault(rid, (PartialDate.parse(start), f"{table.file} row {row}"))
            except ValueError:
                continue  # empty or malformed (reported by the cell rules)
    return out


def _status_change_rules(changes: RawTable, starts: dict[str, tuple[PartialDate, str]]) -> list[Problem]:
    """Each row says something (a status or an event), once, and never before its record's start."""
    problems = _duplicate_rows(changes, ("record_id", "date", "status", "event"), "date", "each status change of a record once")
    for rec in changes.frame.to_dict("records"):
        row = rec[ROW_COLUMN]
        if not rec.get("status") and not rec.get("event"):
            problems.append(Problem(changes.file, row, "status", "a status, an event or both", "both empty"))
        if rec["record_id"] not in starts or not rec.get("date"):
            continue
        try:
            day = PartialDate.parse(rec["date"])
        except ValueError:
            continue  # reported by the cell rules
        start, where = starts[rec["record_id"]]
        if day.last < start.first:
            problems.append(Problem(changes.file, row, "date", f"a date on or after the start of {rec['record_id']} ({start}, {where})", str(day)))
    return problems


def check_tables(tables: Tables) -> list[Problem]:
    """Every rule that concerns the content of the tables read from a directory."""
    problems: list[Problem] = []
    partner_codes: set[str] = set()
    if tables.partners is not None:
        frame = tables.partners.frame
        for code, row in zip(frame["code"], frame[ROW_COLUMN], strict=True):
            if code and not CODE_PATTERN.match(code):
                problems.append(Problem(tables.partners.file, row, "code", "an ISO 3166-1 alpha-3 code (XKX for Kosovo)", repr(code)))
            elif code in partner_codes:
                problems.append(Problem(tables.partners.file, row, "code", "each code once", f"{code} again"))
            partner_codes.add(code)
    record_tables = [t for t in tables.instruments.values() if t is not None]
    id_problems, all_ids = _check_ids(record_tables)
    problems += id_problems
    ctx = Context(partner_codes, all_ids)

    if tables.partners is not None:
        problems += check_table(tables.partners, PARTNER_COLUMNS, ctx)
    if tables.routes is not None:
        problems += check_table(tables.routes, ROUTE_COLUMNS, ctx)
        problems += _route_entry_rules(tables.routes)
        problems += _duplicate_rows(tables.routes, ("id",), "id", "a route id used only once")

    shapes: dict = {}
    if tables.countries is not None:
        shapes = {c: g for c, g in zip(tables.countries["iso3"], tables.countries.geometry, strict=True) if g is not None and g.is_valid}
        if tables.partners is not None:
            for code, row in zip(tables.partners.frame["code"], tables.partners.frame[ROW_COLUMN], strict=True):
                if code and code not in shapes:
                    problems.append(Problem(tables.partners.file, row, "code", f"a country outline in {BASEMAP_FILE}", f"none for {code} (it cannot be drawn as an area)", "warning"))

    for inst in INSTRUMENTS:
        table = tables.instruments[inst.key]
        if table is None:
            continue
        problems += check_table(table, inst.columns, ctx)
        if inst.needs_partners:
            problems += _needs_partners(table)
        if inst.located:
            problems += _location_rules(table, inst.key, shapes, ctx)

    cp = tables.instruments.get("coordination_point")
    if tables.activations is not None:
        problems += check_table(tables.activations, ACTIVATION_COLUMNS, ctx)
        if cp is not None:
            problems += _activation_rules(tables.activations, set(cp.frame["id"]))
        problems += _duplicate_rows(tables.activations, ("record_id", "start", "end"), "start",
                                    "each activation period of a coordination point once")
    if tables.status_changes is not None:
        problems += check_table(tables.status_changes, STATUS_CHANGE_COLUMNS, ctx)
        problems += _status_change_rules(tables.status_changes, _record_starts(record_tables))
    return problems


def validate(directory: Path) -> ValidationReport:
    """Read and check a data directory; never raises for bad data."""
    tables, problems = read_all(directory)
    problems += check_tables(tables)
    return ValidationReport(problems)
