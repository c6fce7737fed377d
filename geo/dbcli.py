"""``python -m geo db init|load DIR|dump DIR|version``: the database commands.

Exit codes: 0 done, 1 the data is invalid (nothing was loaded; or the dump wrote data that fails validation),
2 bad usage (no database URL), 3 the database cannot be reached or used.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import shapely

from geo import db
from geo.dbschema import TABLES
from geo.errors import DatabaseError
from geo.io import ROW_COLUMN, write_table
from geo.schema import BASEMAP_FILE
from geo.settings import data_dir, database_url
from geo.validate import ValidationReport, check_tables, read_all, validate

EXIT_INVALID, EXIT_USAGE, EXIT_DATABASE = 1, 2, 3


def add_parser(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("db", help="PostgreSQL + PostGIS: init, load, dump, version")
    parser.add_argument("--url", help="libpq URL, e.g. postgresql://bb@dbhost/bb (default: BB_DATABASE_URL)")
    cmds = parser.add_subparsers(dest="db_command", required=True)
    cmds.add_parser("init", help="create the PostGIS extension, schema 'bb', tables and triggers (idempotent)")
    load = cmds.add_parser("load", help="validate a data directory, then make the database equal to it in one transaction")
    load.add_argument("directory", nargs="?", type=Path, help="data directory (default: BB_DATA_DIR or the repo's data/)")
    dump = cmds.add_parser("dump", help="write the database back as a data directory (CSV files and basemap)")
    dump.add_argument("directory", type=Path, help="directory to write (created if needed; data files overwritten)")
    cmds.add_parser("version", help="print the data version")


def run(args: argparse.Namespace) -> int:
    url = args.url or database_url()
    if not url:
        print("No database: give --url or set BB_DATABASE_URL (e.g. postgresql://bb@localhost:5432/bb)")
        return EXIT_USAGE
    try:
        with db.connect(url) as conn, db.guarded(url, f"'db {args.db_command}'"):
            return {"init": _init, "load": _load, "dump": _dump, "version": _version}[args.db_command](conn, url, args)
    except DatabaseError as exc:
        print(f"ERROR: {exc}")
        return EXIT_DATABASE


def _init(conn, url: str, args: argparse.Namespace) -> int:
    db.init_schema(conn)
    print(f"{db.where(url)}: schema 'bb' ready (PostGIS, {len(TABLES) + 1} data tables, version {db.version(conn)})")
    return 0


def _load(conn, url: str, args: argparse.Namespace) -> int:
    directory = (args.directory or data_dir()).resolve()
    tables, problems = read_all(directory)
    report = ValidationReport(problems + check_tables(tables))
    for problem in report.problems:
        print(problem)
    if not report.ok:
        print(f"{directory}: {len(report.errors)} error(s): nothing loaded")
        return EXIT_INVALID
    basemap = json.loads((directory / BASEMAP_FILE).read_text(encoding="utf-8"))
    started = time.perf_counter()
    counts = db.load(conn, tables, basemap, directory)
    took = time.perf_counter() - started
    for table, c in counts.items():
        if c.inserted or c.updated or c.deleted:
            print(f"{table}: {c.inserted} inserted, {c.updated} updated, {c.deleted} deleted")
    total = sum(c.inserted + c.updated + c.deleted for c in counts.values())
    print(f"loaded {directory} into {db.where(url)} in {took:.2f} s: {total} row(s) changed; version {db.version(conn)}")
    return 0


def _dump(conn, url: str, args: argparse.Namespace) -> int:
    snap = db.snapshot(conn)
    directory: Path = args.directory.resolve()
    (directory / BASEMAP_FILE).parent.mkdir(parents=True, exist_ok=True)
    for file, table in db.by_file(snap.tables).items():
        assert table is not None, "every table is read from the database"
        write_table(directory / file, table.frame, [c for c in table.frame.columns if c != ROW_COLUMN])
    countries = snap.tables.countries
    features = []
    if countries is not None:
        props = [c for c in countries.columns if c != "geometry"]
        for rec, geom in zip(countries[props].to_dict("records"), countries.geometry, strict=True):
            clean = {k: v for k, v in rec.items() if isinstance(v, str) or v == v}  # drop NaN: property absent
            features.append({"type": "Feature", "properties": clean, "geometry": shapely.geometry.mapping(geom)})
    collection = {"type": "FeatureCollection", **snap.basemap_header, "features": features}
    (directory / BASEMAP_FILE).write_text(json.dumps(collection, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
    report = validate(directory)
    for problem in report.errors:
        print(problem)
    print(f"dumped {db.where(url)} (version {snap.version}) to {directory}: {len(report.errors)} error(s), "
          f"{len(report.warnings)} warning(s) when validated")
    return 0 if report.ok else EXIT_INVALID


def _version(conn, url: str, args: argparse.Namespace) -> int:
    print(db.version(conn))
    return 0
