"""PostgreSQL + PostGIS: connect, initialise, read a consistent snapshot, load a directory in one transaction.

The layout is described in ``geo.dbschema``. Reading produces the same ``Tables`` of text cells as reading
the data directory, so validation and catalog building are shared verbatim.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import psycopg
import psycopg.types.json
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv
import shapely
import shapely.geometry
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict

from geo.columns import TEXT, per_unique, strip
from geo.dbaccess import TOP, set_clearance
from geo.dbschema import COUNTRIES, INIT_LOCK, LIST_SEPARATOR, SCHEMA, TABLES, TableSpec, ddl, sql_type
from geo.errors import DatabaseError, Problem
from geo.io import ROW_COLUMN, RawTable
from geo.schema import Column, Kind, split_list, split_urls
from geo.settings import CONNECT_TIMEOUT_S
from geo.validate import Tables, check_basemap


def where(url: str) -> str:
    """The server a URL names, without the password: ``bb@dbhost:5432/bb``."""
    try:
        info = conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        return "an unparseable database URL"
    host = info.get("host") or "local socket"
    user = f"{info['user']}@" if info.get("user") else ""
    return f"{user}{host}:{info.get('port') or 5432}/{info.get('dbname') or '(default database)'}"


@contextmanager
def guarded(url: str, doing: str) -> Iterator[None]:
    """Turn driver errors into a ``DatabaseError`` naming the server and what failed."""
    try:
        yield
    except psycopg.errors.UndefinedTable as exc:
        raise DatabaseError(
            f"PostgreSQL at {where(url)}: {doing} failed: the schema '{SCHEMA}' is not initialised "
            f"({exc.diag.message_primary}); run: python -m geo db init"
        ) from exc
    except psycopg.Error as exc:
        reason = " ".join(line.strip() for line in str(exc).splitlines() if line.strip()) or type(exc).__name__
        raise DatabaseError(f"PostgreSQL at {where(url)}: {doing} failed: {reason}") from exc


def connect(url: str, *, autocommit: bool = True) -> psycopg.Connection:
    """Open a connection that fails within ``CONNECT_TIMEOUT_S`` seconds if the server is unreachable."""
    with guarded(url, "connecting"):
        try:
            return psycopg.connect(url, connect_timeout=CONNECT_TIMEOUT_S, autocommit=autocommit)
        except psycopg.ProgrammingError as exc:  # an invalid URL
            raise DatabaseError(f"BB_DATABASE_URL is not a valid PostgreSQL URL: {exc}") from exc


def init_schema(conn: psycopg.Connection) -> None:
    """Create the extension, schema, tables, indexes and triggers; safe to run again (one transaction)."""
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (INIT_LOCK,))
        for statement in ddl():
            conn.execute(statement)


VERSION_SQL = "SELECT epoch || '-' || counter FROM bb.meta"


def version(conn: psycopg.Connection) -> str:
    """The data version: one primary-key read of ``bb.meta``."""
    row = conn.execute(VERSION_SQL).fetchone()
    if row is None:
        raise DatabaseError("bb.meta has no row; run: python -m geo db init")
    return f"db:{row[0]}"


# --- reading ------------------------------------------------------------------------------------------


@dataclass
class Snapshot:
    """Everything read in one repeatable-read transaction: data, its version and the dump layout."""

    version: str
    tables: Tables
    problems: list[Problem]
    layout: dict[str, list[str]] = field(default_factory=dict)
    basemap_header: dict = field(default_factory=dict)
    counters: dict[str, int] = field(default_factory=dict)  # per table: the version counter of its last change
    clearance: str = TOP  # the clearance it was read at (row-level security, ``geo.dbaccess``)


def _copy_out(conn: psycopg.Connection, query: sql.Composable) -> bytearray:
    """The rows of a query as CSV text, straight from ``COPY … TO STDOUT`` (no row tuples in Python)."""
    data = bytearray()  # grown in place: no list of blocks and no second, joined copy
    with conn.cursor().copy(sql.SQL("COPY ({}) TO STDOUT WITH (FORMAT csv)").format(query)) as copy:
        for block in copy:
            data += block
    return data


def _csv_columns(data: bytes | bytearray, names: list[str]) -> pa.Table:
    if not data:
        return pa.table({n: pa.array([], TEXT) for n in names})
    return pcsv.read_csv(
        pa.py_buffer(data),
        read_options=pcsv.ReadOptions(column_names=names),
        parse_options=pcsv.ParseOptions(newlines_in_values=True),
        convert_options=pcsv.ConvertOptions(column_types=dict.fromkeys(names, TEXT), strings_can_be_null=False,
                                            quoted_strings_can_be_null=False),
    )


def _shortest(values: pa.ChunkedArray) -> pa.ChunkedArray:
    """Coordinates as Python writes a float (``repr``: 20.0, not PostgreSQL's 20), once per distinct value."""
    return pa.chunked_array([pa.array(per_unique(values, lambda t: repr(float(t)) if t else ""), TEXT)])


def _read_table(conn: psycopg.Connection, spec: TableSpec, layout: list[str]) -> RawTable:
    """One table as text cells, columns in the order of the file it was loaded from (then the schema's).

    Read with ``COPY … TO STDOUT`` as CSV into Arrow columns: list cells joined in SQL (``array_to_string`` skips
    NULL items, as the files have none), empty cells and NULL both read as "".
    """
    cols = spec.stored
    fields = [sql.SQL("row_no")]
    for c in cols:
        ident = sql.Identifier(c.name)
        fields.append(sql.SQL("array_to_string({}, {})").format(ident, sql.Literal(LIST_SEPARATOR[c.kind])) if c.kind in LIST_SEPARATOR else ident)
    if spec.located:
        fields += [sql.SQL("ST_Y(geom)"), sql.SQL("ST_X(geom)")]
    query = sql.SQL("SELECT {} FROM {} ORDER BY row_no, {}").format(sql.SQL(", ").join(fields), spec.ident(), sql.Identifier(spec.key))
    names = ["row_no", *(c.name for c in cols), *(["lat", "lon"] if spec.located else [])]
    table = _csv_columns(_copy_out(conn, query), names)
    cells = {c.name: table.column(c.name) if c.kind in LIST_SEPARATOR else strip(table.column(c.name)) for c in cols}
    if spec.located:
        cells["lat"], cells["lon"] = _shortest(table.column("lat")), _shortest(table.column("lon"))
    known = [c.name for c in spec.columns]
    order = [c for c in layout if c in known] + [c for c in known if c not in layout]
    rows = np.asarray(pc.cast(table.column("row_no"), pa.int64()).to_numpy(), dtype=np.int64)
    out = RawTable(spec.label, pa.table([cells[c] for c in order], names=order), rows)
    return out  # the parse's buffers are freed for the next table to reuse (geo.reload.reading)


def _read_countries(conn: psycopg.Connection, problems: list[Problem]) -> gpd.GeoDataFrame | None:
    label = f"{SCHEMA}.{COUNTRIES}"
    rows = conn.execute("SELECT row_no, iso3, properties, ST_AsBinary(geom) FROM bb.countries ORDER BY row_no, iso3").fetchall()
    if not rows:
        problems.append(Problem(label, None, None, "the country outlines", "no rows (load a data directory)"))
        return None
    geoms = [_single(shapely.from_wkb(bytes(r[3]))) if r[3] is not None else None for r in rows]
    props = pd.DataFrame([r[2] or {} for r in rows])
    props.insert(0, "iso3", [r[1] for r in rows])
    gdf = gpd.GeoDataFrame(props.drop(columns=["geometry"], errors="ignore"), geometry=geoms, crs=4326)
    problems += check_basemap(gdf, label, [r[0] for r in rows])
    return gdf


def _single(geom: shapely.Geometry) -> shapely.Geometry:
    """A one-part MultiPolygon back to the Polygon it was loaded from (the column is MultiPolygon)."""
    if geom.geom_type == "MultiPolygon" and len(geom.geoms) == 1:
        return geom.geoms[0]
    return geom


def snapshot(conn: psycopg.Connection, previous: Snapshot | None = None, clearance: str = TOP) -> Snapshot:
    """Read every table in one REPEATABLE READ transaction: a load running meanwhile is seen whole or not at all.

    The transaction states ``clearance``: the database's row-level security (``geo.dbaccess``) returns only the
    rows at or below it (and below the connection role's cap), whatever the caller does with them.

    With a ``previous`` snapshot of the same database, a table whose change counter (``bb.meta.tables``, set by the
    same triggers as the version) is the same as then is not read again: its cells are taken from ``previous``.
    """
    with conn.transaction():
        conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        set_clearance(conn, clearance)
        ver = version(conn)
        meta = conn.execute("SELECT to_jsonb(m) FROM bb.meta AS m").fetchone()
        meta = meta[0] if meta else {}
        layout, header, counters = meta.get("layout") or {}, meta.get("basemap") or {}, meta.get("tables") or {}
        same = (previous is not None and previous.version.split("-")[0] == ver.split("-")[0] and previous.layout == layout
                and previous.clearance == clearance)

        def unchanged(name: str) -> bool:
            return same and name in counters and previous.counters.get(name) == counters[name]  # type: ignore[union-attr]

        raw: dict[str, RawTable | None] = {}
        old = previous.tables.by_file() if previous is not None else {}
        for spec in TABLES:
            kept = old.get(spec.file)
            raw[spec.file] = kept if kept is not None and unchanged(spec.name) else _read_table(conn, spec, layout.get(spec.file, []))
        problems: list[Problem] = []
        if unchanged(COUNTRIES) and previous is not None and previous.tables.countries is not None:
            countries = previous.tables.countries
            problems += [p for p in previous.problems if p.file == f"{SCHEMA}.{COUNTRIES}"]
        else:
            countries = _read_countries(conn, problems)
    return Snapshot(ver, Tables.assemble(raw, countries), problems, layout, header, dict(counters), clearance)


def by_file(tables: Tables) -> dict[str, RawTable | None]:
    """The raw tables keyed by the data file each mirrors (every table of ``TABLES``)."""
    return tables.by_file()


# --- loading ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LoadCounts:
    """What a load did to one table."""

    inserted: int
    updated: int
    deleted: int


def _list(value: str, col: Column) -> list[str] | None:
    items = split_urls(value) if col.kind is Kind.URLS else split_list(value)
    return list(items) or None


def _staged_rows(spec: TableSpec, table: RawTable) -> Iterator[list]:
    for rec in table.frame.to_dict("records"):
        row: list = [int(rec[ROW_COLUMN])]
        for col in spec.stored:
            value = rec.get(col.name, "")
            row.append(_list(value, col) if col.kind in LIST_SEPARATOR else (value or None))
        if spec.located:
            lat, lon = rec.get("lat", ""), rec.get("lon", "")
            row += [float(lat), float(lon)] if lat and lon else [None, None]
        yield row


@dataclass(frozen=True)
class Staging:
    """How one table is loaded: stage columns (COPY) and the target columns with the values computed from them."""

    table: str
    key: str
    stage: list[tuple[str, str]]  # (name, type) of the staged columns
    target: list[tuple[str, sql.Composable]]  # (column, value over the stage)


def _upsert(conn: psycopg.Connection, plan: Staging, rows: Iterator[list], by: str) -> LoadCounts:
    """Stage rows with COPY into a temporary table, upsert by key (only rows that differ), delete rows not staged."""
    t, stage, key = sql.Identifier(SCHEMA, plan.table), sql.Identifier(f"stage_{plan.table}"), sql.Identifier(plan.key)
    defs = sql.SQL(", ").join(sql.SQL("{} " + typ).format(sql.Identifier(n)) for n, typ in plan.stage)
    conn.execute(sql.SQL("CREATE TEMPORARY TABLE {} ({}) ON COMMIT DROP").format(stage, defs))
    names = sql.SQL(", ").join(sql.Identifier(n) for n, _ in plan.stage)
    with conn.cursor().copy(sql.SQL("COPY {} ({}) FROM STDIN").format(stage, names)) as copy:
        copy.set_types([typ for _, typ in plan.stage])
        for row in rows:
            copy.write_row(row)
    cols = [sql.Identifier(c) for c, _ in plan.target]
    assign = [sql.SQL("{0} = EXCLUDED.{0}").format(c) for c, (n, _) in zip(cols, plan.target, strict=True) if n != plan.key]
    assign.append(sql.SQL("updated_by = EXCLUDED.updated_by"))
    upsert = sql.SQL(
        "INSERT INTO {t} AS t ({cols}, updated_by) SELECT {vals}, %s FROM {stage} "
        "ON CONFLICT ({key}) DO UPDATE SET {assign} WHERE ({old}) IS DISTINCT FROM ({new}) RETURNING (xmax = 0)"
    ).format(
        t=t, cols=sql.SQL(", ").join(cols), vals=sql.SQL(", ").join(v for _, v in plan.target), stage=stage, key=key,
        assign=sql.SQL(", ").join(assign),
        old=sql.SQL(", ").join(sql.SQL("t.{}").format(c) for c in cols),
        new=sql.SQL(", ").join(sql.SQL("EXCLUDED.{}").format(c) for c in cols),
    )
    flags = [r[0] for r in conn.execute(upsert, (by,)).fetchall()]
    deleted = conn.execute(
        sql.SQL("DELETE FROM {t} AS t WHERE NOT EXISTS (SELECT 1 FROM {stage} AS s WHERE s.{key} = t.{key})").format(
            t=t, stage=stage, key=key)
    ).rowcount
    # Rows inserted later with SQL (no row_no given) go after the loaded ones.
    conn.execute(sql.SQL("SELECT setval(pg_get_serial_sequence({}, 'row_no'), greatest((SELECT max(row_no) FROM {}), 1))").format(
        sql.Literal(f"{SCHEMA}.{plan.table}"), t))
    inserted = sum(flags)
    return LoadCounts(inserted, len(flags) - inserted, deleted)


def _load_table(conn: psycopg.Connection, spec: TableSpec, table: RawTable, by: str) -> LoadCounts:
    stage = [("row_no", "int4"), *((c.name, sql_type(c)) for c in spec.stored)]
    target: list[tuple[str, sql.Composable]] = [(n, sql.Identifier(n)) for n, _ in stage]
    if spec.located:
        stage += [("lat", "float8"), ("lon", "float8")]
        target.append(("geom", sql.SQL("CASE WHEN lat IS NULL THEN NULL ELSE ST_SetSRID(ST_MakePoint(lon, lat), 4326) END")))
    return _upsert(conn, Staging(spec.name, spec.key, stage, target), _staged_rows(spec, table), by)


def _load_countries(conn: psycopg.Connection, basemap: dict, by: str) -> LoadCounts:
    rows = []
    for n, feature in enumerate(basemap["features"], start=1):
        props = dict(feature.get("properties") or {})
        iso3 = props.pop("iso3")
        geom = shapely.geometry.shape(feature["geometry"])
        rows.append([n, iso3, psycopg.types.json.Jsonb(props), shapely.to_wkb(geom)])
    plan = Staging(
        COUNTRIES, "iso3",
        [("row_no", "int4"), ("iso3", "text"), ("properties", "jsonb"), ("wkb", "bytea")],
        [("row_no", sql.SQL("row_no")), ("iso3", sql.SQL("iso3")), ("properties", sql.SQL("properties")),
         ("geom", sql.SQL("ST_Multi(ST_SetSRID(ST_GeomFromWKB(wkb), 4326))"))],
    )
    return _upsert(conn, plan, iter(rows), by)


def load(conn: psycopg.Connection, tables: Tables, basemap: dict, directory: Path) -> dict[str, LoadCounts]:
    """Make the database equal to validated ``tables`` in ONE transaction (upsert by key, delete the rest)."""
    by = f"load:{directory}"
    raw = by_file(tables)
    counts: dict[str, LoadCounts] = {}
    layout = {}
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (INIT_LOCK,))
        set_clearance(conn, TOP)  # a load writes every marking: the owner's role allows it (geo.dbaccess)
        for spec in TABLES:
            table = raw[spec.file]
            assert table is not None, f"{spec.file} was validated, so it was read"
            counts[spec.label] = _load_table(conn, spec, table, by)
            known = {c.name for c in spec.columns}
            layout[spec.file] = [c for c in table.frame.columns if c in known]
        counts[f"{SCHEMA}.{COUNTRIES}"] = _load_countries(conn, basemap, by)
        header = {k: v for k, v in basemap.items() if k not in ("type", "features")}
        conn.execute("UPDATE bb.meta SET layout = %s, basemap = %s",
                     (psycopg.types.json.Jsonb(layout), psycopg.types.json.Jsonb(header)))
    return counts


def name_records(problems: list[Problem], tables: Tables) -> list[Problem]:
    """Add the record's id to problems found in database rows (``row_no`` alone is hard to see in SQL tools).

    Looks up only the rows that have a problem (no problem: nothing to do; at 100,000 records a map of every
    row's id took 0.29 s of each reload, measured 2026-12-06)."""
    wanted: dict[str, set[int]] = {}
    for p in problems:
        if p.row is not None:
            wanted.setdefault(p.file, set()).add(p.row)
    ids: dict[tuple[str, int], str] = {}
    for table in [tables.partners, tables.routes, *tables.instruments.values()]:
        if table is None or table.file not in wanted:
            continue
        at = np.flatnonzero(np.isin(table.rows, np.fromiter(wanted[table.file], np.int64)))
        names = table.column("code" if "code" in table.cells.column_names else "id").take(pa.array(at, pa.int64())).to_pylist()
        ids |= {(table.file, int(table.rows[k])): name for k, name in zip(at.tolist(), names, strict=True)}
    return [replace(p, record=ids.get((p.file, p.row))) if p.row is not None and (p.file, p.row) in ids else p
            for p in problems]
