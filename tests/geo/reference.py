"""The reference validator: every rule, one row and one cell at a time, in plain Python.

Obviously correct and slow; it is what ``geo.validate`` computed before the rules became column-wise, kept here so
the property tests can check that the column-wise rules find exactly the same problems, in the same order. It reads
files with the reference reader (Python's ``csv``), applies the per-cell rule (``geo.rules.check_cell`` and
``check_text``, the one place a cell message is written) to every cell, and the record rules row by row.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from geo import geometry
from geo.errors import Problem
from geo.io import read_rows
from geo.places import check_basemap
from geo.rules import Context, cell_problem
from geo.schema import (
    ACTIVATION_COLUMNS,
    BASEMAP_FILE,
    BORDER_TOLERANCE_KM,
    CODE_PATTERN,
    HOST_TOLERANCE_KM,
    ID_PATTERN,
    INSTRUMENTS,
    PARTNER_COLUMNS,
    ROUTE_COLUMNS,
    SENSITIVITIES,
    STATUS_CHANGE_COLUMNS,
    SUPPORT_FILES,
    Column,
    PartialDate,
    split_list,
)

Row = dict[str, str | int]


def read(directory: Path, file: str, columns: tuple[Column, ...]) -> tuple[list[Row] | None, list[Problem]]:
    path = directory / file
    if not path.is_file():
        return None, [Problem(file, None, None, "the file to exist", f"no file at {path}")]
    table, problems = read_rows(path.read_bytes(), file, columns)
    if table is None:
        return None, problems
    rows = [dict(zip(table.cells.column_names, cells, strict=True)) for cells in zip(*table.cells.to_pydict().values(), strict=True)]
    if not table.cells.num_columns:
        rows = [{} for _ in table.rows]
    for row, number in zip(rows, table.rows.tolist(), strict=True):
        row["_row"] = number
    return rows, problems


def check_rows(file: str, rows: list[Row], columns: tuple[Column, ...], ctx: Context) -> list[Problem]:
    problems: list[Problem] = []
    for rec in rows:
        for col in columns:
            value = str(rec.get(col.name, ""))
            if value == "":
                if col.required:
                    problems.append(Problem(file, rec["_row"], col.name, "a value", "an empty cell"))
                continue
            found = cell_problem(file, rec["_row"], col, value, ctx)
            if found:
                problems.append(found)
        try:
            start = PartialDate.parse(rec["start"]) if rec.get("start") else None
            end = PartialDate.parse(rec["end"]) if rec.get("end") else None
        except ValueError:
            continue
        if start and end and end.last < start.first:
            problems.append(Problem(file, rec["_row"], "end", f"an end on or after the start ({start})", str(end)))
    return problems


def duplicates(file: str, rows: list[Row], key: tuple[str, ...], column: str, expected: str) -> list[Problem]:
    problems, first = [], {}
    for rec in rows:
        cells = tuple(rec.get(c, "") for c in key)
        if not any(cells):
            continue
        if cells in first:
            shown = " ".join(f"{c}={v!r}" for c, v in zip(key, cells, strict=True) if v)
            problems.append(Problem(file, rec["_row"], column, expected, f"{shown}, already at row {first[cells]}"))
        else:
            first[cells] = rec["_row"]
    return problems


def locations(file: str, rows: list[Row], instrument: str, shapes: dict) -> list[Problem]:
    problems = []
    for rec in rows:
        row, lat, lon = rec["_row"], rec.get("lat", ""), rec.get("lon", "")
        partners = split_list(str(rec.get("partners", "")))
        if instrument == "coordination_point" and len(partners) != 2:
            problems.append(Problem(file, row, "partners", "exactly two countries (both sides of the crossing)", f"{len(partners)}"))
        if instrument == "liaison_officer" and rec.get("host") and rec["host"] not in partners:
            problems.append(Problem(file, row, "host", "the host country also listed in 'partners'", rec["host"]))
        if bool(lat) != bool(lon):
            problems.append(Problem(file, row, "lon" if lat else "lat", "both lat and lon, or neither", "only one of them"))
            continue
        if not lat:
            continue
        if not rec.get("precision"):
            problems.append(Problem(file, row, "precision", "a precision for a located record", "an empty cell"))
        try:
            la, lo = float(lat), float(lon)
        except ValueError:
            continue
        if not (-90 <= la <= 90 and -180 <= lo <= 180):
            continue
        if instrument == "liaison_officer" and rec.get("host", "") in shapes:
            host = rec["host"]
            d = geometry.distance_km(la, lo, shapes[host])
            if d > HOST_TOLERANCE_KM:
                problems.append(Problem(file, row, "lat", f"a duty station inside the host country {host} (tolerance {HOST_TOLERANCE_KM:g} km)",
                                        f"({la}, {lo}), {d:.0f} km outside"))
        if instrument == "coordination_point" and len(partners) == 2 and all(p in shapes for p in partners):
            border = geometry.shared_border(shapes[partners[0]], shapes[partners[1]])
            if border.is_empty:
                problems.append(Problem(file, row, "partners", "two countries sharing a land border", f"{partners[0]} and {partners[1]} are not neighbours"))
            else:
                d = geometry.distance_km(la, lo, border)
                if d > BORDER_TOLERANCE_KM:
                    problems.append(Problem(file, row, "lat", f"a point within {BORDER_TOLERANCE_KM:g} km of the {partners[0]}–{partners[1]} border",
                                            f"({la}, {lo}), {d:.0f} km away"))
    return problems


def validate(directory: Path, today: dt.date | None = None) -> list[Problem]:
    """Every problem of a data directory, as the per-row rules find them."""
    problems: list[Problem] = []
    raw: dict[str, list[Row] | None] = {}
    for file, cols in [(f.file, f.columns) for f in SUPPORT_FILES] + [(i.file, i.columns) for i in INSTRUMENTS]:
        raw[file], found = read(directory, file, cols)
        problems += found
    countries = geometry.read_countries(directory / BASEMAP_FILE)
    problems += check_basemap(countries, BASEMAP_FILE)
    partners, routes = raw["partners.csv"], raw["routes.csv"]

    codes: list[str] = []
    for rec in partners or []:
        code = str(rec["code"])
        if code and not CODE_PATTERN.match(code):
            problems.append(Problem("partners.csv", rec["_row"], "code", "an ISO 3166-1 alpha-3 code (XKX for Kosovo)", repr(code)))
        elif code in codes:
            problems.append(Problem("partners.csv", rec["_row"], "code", "each code once", f"{code} again"))
        codes.append(code)
    first_seen: dict[str, str] = {}
    for inst in INSTRUMENTS:
        for rec in raw[inst.file] or []:
            rid = str(rec["id"])
            if rid == "":
                continue
            if not ID_PATTERN.match(rid):
                problems.append(Problem(inst.file, rec["_row"], "id", "lowercase a-z, 0-9 and single hyphens", repr(rid)))
            if rid in first_seen:
                problems.append(Problem(inst.file, rec["_row"], "id", "an id used only once", f"{rid!r}, already at {first_seen[rid]}"))
            else:
                first_seen[rid] = f"{inst.file} row {rec['_row']}"
    import pyarrow as pa

    ctx = Context(pa.array(sorted(set(codes)), pa.string()), pa.array(sorted(first_seen), pa.string()), today or dt.date.today())
    if partners is not None:
        problems += check_rows("partners.csv", partners, PARTNER_COLUMNS, ctx)
    if routes is not None:
        problems += check_rows("routes.csv", routes, ROUTE_COLUMNS, ctx)
        for rec in routes:
            lat, lon = rec.get("entry_lat", ""), rec.get("entry_lon", "")
            if bool(lat) != bool(lon):
                problems.append(Problem("routes.csv", rec["_row"], "entry_lon" if lat else "entry_lat", "both entry_lat and entry_lon, or neither", "only one of them"))
            elif lat:
                for col in ("entry_place", "entry_precision"):
                    if not rec.get(col):
                        problems.append(Problem("routes.csv", rec["_row"], col, "a value for a route with an entry point", "an empty cell"))
        problems += duplicates("routes.csv", routes, ("id",), "id", "a route id used only once")
    shapes = {c: g for c, g in zip(countries["iso3"], countries.geometry, strict=True) if g is not None and g.is_valid}
    for rec in partners or []:
        if rec["code"] and rec["code"] not in shapes:
            problems.append(Problem("partners.csv", rec["_row"], "code", f"a country outline in {BASEMAP_FILE}",
                                    f"none for {rec['code']} (it cannot be drawn as an area)", "warning"))
    for inst in INSTRUMENTS:
        rows = raw[inst.file]
        if rows is None:
            continue
        problems += check_rows(inst.file, rows, inst.columns, ctx)
        if inst.needs_partners:
            problems += [Problem(inst.file, r["_row"], "partners", "at least one partner code", "an empty cell") for r in rows if r["partners"] == ""]
        if inst.located:
            problems += locations(inst.file, rows, inst.key, shapes)
    marks: dict[str, str] = {}
    for inst in INSTRUMENTS:
        for rec in raw[inst.file] or []:
            marks.setdefault(str(rec["id"]), str(rec.get("sensitivity", "")))
    top = SENSITIVITIES[-1]

    def ranked(code: str) -> str:
        return code if code in SENSITIVITIES else top

    for inst in INSTRUMENTS:
        for rec in raw[inst.file] or []:
            parent = str(rec.get("parent", ""))
            if parent in marks:
                own, theirs = ranked(str(rec.get("sensitivity", ""))), ranked(marks[parent])
                if SENSITIVITIES.index(theirs) > SENSITIVITIES.index(own):
                    problems.append(Problem(inst.file, rec["_row"], "parent", f"a parent no more sensitive than this record ({own})",
                                            f"{parent} ({theirs})"))
    acts, changes = raw["activations.csv"], raw["status_changes.csv"]
    cp = raw["coordination_points.csv"]
    if acts is not None:
        problems += check_rows("activations.csv", acts, ACTIVATION_COLUMNS, ctx)
        if cp is not None:
            cp_ids = {r["id"] for r in cp}
            problems += [Problem("activations.csv", r["_row"], "record_id", "the id of a coordination point", repr(r["record_id"]))
                         for r in acts if r["record_id"] and r["record_id"] not in cp_ids]
        problems += duplicates("activations.csv", acts, ("record_id", "start", "end"), "start", "each activation period of a coordination point once")
    if changes is not None:
        problems += check_rows("status_changes.csv", changes, STATUS_CHANGE_COLUMNS, ctx)
        problems += duplicates("status_changes.csv", changes, ("record_id", "date", "status", "event"), "date", "each status change of a record once")
        starts: dict[str, tuple[PartialDate, str]] = {}
        for inst in INSTRUMENTS:
            for rec in raw[inst.file] or []:
                try:
                    starts.setdefault(str(rec["id"]), (PartialDate.parse(str(rec["start"])), f"{inst.file} row {rec['_row']}"))
                except ValueError:
                    continue
        for rec in changes:
            if not rec.get("status") and not rec.get("event"):
                problems.append(Problem("status_changes.csv", rec["_row"], "status", "a status, an event or both", "both empty"))
            if rec["record_id"] not in starts or not rec.get("date"):
                continue
            try:
                day = PartialDate.parse(str(rec["date"]))
            except ValueError:
                continue
            start, where = starts[str(rec["record_id"])]
            if day.last < start.first:
                problems.append(Problem("status_changes.csv", rec["_row"], "date",
                                        f"a date on or after the start of {rec['record_id']} ({start}, {where})", str(day)))
    return problems
