"""The PostgreSQL + PostGIS layout of the dataset, derived from ``geo.schema`` (the single source of truth).

- Schema ``bb``; one table per data file (``bb.operations`` for ``operations.csv``) with the file's columns.
  Text cells stay text (partial dates such as ``2009`` are not dates), so a dump reproduces the files.
  Empty cells are NULL.
- List cells (partners, routes, sources) are ``text[]`` arrays: ``'{ALB,MKD}'`` for ``ALB;MKD``.
- ``lat``/``lon`` are stored as ``geom geometry(Point, 4326)``; NULL where the record has no place.
- ``row_no`` keeps the file order (the spreadsheet row the record was loaded from); rows added by SQL without
  one get the next number. Activations and status changes have no id in the files, so ``row_no`` is their key.
- The tables are derived from ``geo.schema`` (``SUPPORT_FILES`` and ``INSTRUMENTS``): a new file there gets its table
  here, and ``init`` (idempotent) creates it in an existing database.
- ``updated_at``/``updated_by`` on every row, set by a row trigger: a real change stamps the time and
  ``updated_by`` (``load:<directory>`` for a load, else the database user); a row only moved keeps its stamp.
- ``bb.countries``: the basemap, ``geometry(MultiPolygon, 4326)`` keyed by ``iso3``, other properties jsonb.
- ``bb.meta``: one row; ``counter`` is bumped by statement-level triggers on every write to any data table that
  touches a row,
  so the data version is one primary-key read. ``epoch`` is random per database, so a re-created database
  never repeats an old version.
- Row-level security (``geo.dbaccess``): a transaction reads only the records at or below the clearance it states,
  capped by its role.
- The database is permissive (only keys are enforced): the validator is the one authority on the rules, so a
  broken write made with SQL is reported with the same messages as a broken file.
"""

from __future__ import annotations

from dataclasses import dataclass

from psycopg import sql

from geo.dbaccess import security_ddl
from geo.schema import INSTRUMENTS, SUPPORT_FILES, Column, Kind

SCHEMA = "bb"
SCHEMA_VERSION = 1
LIST_SEPARATOR: dict[Kind, str] = {Kind.CODES: ";", Kind.ROUTES: ";", Kind.URLS: " "}
POINT_COLUMNS = ("lat", "lon")
INIT_LOCK = 0x6262_0001  # advisory lock: one init or load at a time


@dataclass(frozen=True)
class TableSpec:
    """One data file and the table that mirrors it."""

    name: str
    file: str
    columns: tuple[Column, ...]
    key: str  # upsert key: "id", "code", or "row_no" for files without an identifying column (activations, status changes)

    @property
    def label(self) -> str:
        return f"{SCHEMA}.{self.name}"

    @property
    def located(self) -> bool:
        return any(c.name == "lat" for c in self.columns)

    @property
    def stored(self) -> tuple[Column, ...]:
        """The columns stored as they are (lat/lon become ``geom``)."""
        return tuple(c for c in self.columns if c.name not in POINT_COLUMNS)

    def ident(self) -> sql.Composable:
        return sql.Identifier(SCHEMA, self.name)


# Every file of geo.schema, in its order: a file added there (a support file, an instrument) gets its table here.
TABLES: tuple[TableSpec, ...] = (
    *(TableSpec(f.name, f.file, f.columns, f.key) for f in SUPPORT_FILES),
    *(TableSpec(i.file.removesuffix(".csv"), i.file, i.columns, "id") for i in INSTRUMENTS),
)
COUNTRIES = "countries"
DATA_TABLES: tuple[str, ...] = (*(t.name for t in TABLES), COUNTRIES)


def sql_type(col: Column) -> str:
    return "text[]" if col.kind in LIST_SEPARATOR else "text"


_FUNCTIONS = """
CREATE TABLE IF NOT EXISTS bb.meta (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    epoch text NOT NULL DEFAULT substr(md5(random()::text || clock_timestamp()::text), 1, 8),
    counter bigint NOT NULL DEFAULT 0,
    changed_at timestamptz NOT NULL DEFAULT now(),
    schema_version integer NOT NULL,
    basemap jsonb NOT NULL DEFAULT '{}',  -- FeatureCollection members other than the features (its name)
    layout jsonb NOT NULL DEFAULT '{}'    -- column order of each file as last loaded; dump writes the same
);
INSERT INTO bb.meta (schema_version) VALUES (__SCHEMA_VERSION__) ON CONFLICT DO NOTHING;
-- Per data table, the counter value of its last change: a reader holding a table read at that counter need not
-- read it again (geo.db.snapshot). Added by a later init; tables missing here are read every time.
ALTER TABLE bb.meta ADD COLUMN IF NOT EXISTS tables jsonb NOT NULL DEFAULT '{}';

-- Statement-level: once per writing statement, and only if it touched a row (the transition table
-- "changed" holds the rows), so a load that changes nothing leaves the version (and every cache) alone.
CREATE OR REPLACE FUNCTION bb.bump_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN  -- no transition table for TRUNCATE (and OR would still plan the query)
        UPDATE bb.meta SET counter = counter + 1, changed_at = now(),
                           tables = tables || jsonb_build_object(TG_TABLE_NAME, counter + 1);
    ELSIF EXISTS (SELECT 1 FROM changed) THEN
        UPDATE bb.meta SET counter = counter + 1, changed_at = now(),
                           tables = tables || jsonb_build_object(TG_TABLE_NAME, counter + 1);
    END IF;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION bb.stamp_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        NEW.updated_at := now();
        NEW.updated_by := coalesce(NEW.updated_by, current_user);
    ELSIF (to_jsonb(NEW) - 'row_no' - 'updated_at' - 'updated_by')
          IS NOT DISTINCT FROM (to_jsonb(OLD) - 'row_no' - 'updated_at' - 'updated_by') THEN
        NEW.updated_at := OLD.updated_at;  -- only moved in the file: not a change of the record
        NEW.updated_by := OLD.updated_by;
    ELSE
        NEW.updated_at := now();
        IF NEW.updated_by IS NOT DISTINCT FROM OLD.updated_by THEN
            NEW.updated_by := current_user;
        END IF;
    END IF;
    RETURN NEW;
END $$;
"""


def _table_ddl(spec: TableSpec) -> list[sql.Composable]:
    t = spec.ident()
    if spec.key == "row_no":
        first = sql.SQL("row_no integer GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY")
    else:
        first = sql.SQL("{} text PRIMARY KEY, row_no integer GENERATED BY DEFAULT AS IDENTITY").format(
            sql.Identifier(spec.key)
        )
    out: list[sql.Composable] = [sql.SQL("CREATE TABLE IF NOT EXISTS {} ({})").format(t, first)]
    # ADD COLUMN IF NOT EXISTS: running init again after a column was added to geo.schema migrates the table.
    for col in spec.stored:
        if col.name != spec.key:
            out.append(sql.SQL("ALTER TABLE {} ADD COLUMN IF NOT EXISTS {} " + sql_type(col)).format(t, sql.Identifier(col.name)))
    if spec.located:
        out.append(sql.SQL("ALTER TABLE {} ADD COLUMN IF NOT EXISTS geom geometry(Point, 4326)").format(t))
        out.append(sql.SQL("CREATE INDEX IF NOT EXISTS {} ON {} USING gist (geom)").format(sql.Identifier(f"{spec.name}_geom"), t))
    if any(c.name == "partners" for c in spec.columns):
        out.append(sql.SQL("CREATE INDEX IF NOT EXISTS {} ON {} USING gin (partners)").format(sql.Identifier(f"{spec.name}_partners"), t))
    return out


def _countries_ddl() -> list[sql.Composable]:
    return [
        sql.SQL(
            "CREATE TABLE IF NOT EXISTS bb.countries (iso3 text PRIMARY KEY, "
            "row_no integer GENERATED BY DEFAULT AS IDENTITY, properties jsonb NOT NULL DEFAULT '{}', "
            "geom geometry(MultiPolygon, 4326))"
        ),
        sql.SQL("CREATE INDEX IF NOT EXISTS countries_geom ON bb.countries USING gist (geom)"),
    ]


def _stamp_ddl(name: str) -> list[sql.Composable]:
    t = sql.Identifier(SCHEMA, name)
    return [
        sql.SQL("ALTER TABLE {} ADD COLUMN IF NOT EXISTS updated_at timestamptz NOT NULL DEFAULT now()").format(t),
        sql.SQL("ALTER TABLE {} ADD COLUMN IF NOT EXISTS updated_by text").format(t),
        sql.SQL(
            "CREATE OR REPLACE TRIGGER stamp_row BEFORE INSERT OR UPDATE ON {} FOR EACH ROW EXECUTE FUNCTION bb.stamp_row()"
        ).format(t),
    ] + [
        # PostgreSQL allows a transition table only on a single-event trigger: one trigger per event.
        sql.SQL(
            "CREATE OR REPLACE TRIGGER {} AFTER " + event + " ON {} " + ref + " FOR EACH STATEMENT EXECUTE FUNCTION bb.bump_version()"
        ).format(sql.Identifier(f"bump_version_on_{event.lower()}"), t)
        for event, ref in (
            ("INSERT", "REFERENCING NEW TABLE AS changed"),
            ("UPDATE", "REFERENCING NEW TABLE AS changed"),
            ("DELETE", "REFERENCING OLD TABLE AS changed"),
            ("TRUNCATE", ""),
        )
    ]


def ddl() -> list[sql.Composable | str]:
    """Every statement of ``init``, in order; each is idempotent."""
    out: list[sql.Composable | str] = [
        "CREATE EXTENSION IF NOT EXISTS postgis",
        "CREATE SCHEMA IF NOT EXISTS bb",
        _FUNCTIONS.replace("__SCHEMA_VERSION__", str(SCHEMA_VERSION)),
    ]
    for spec in TABLES:
        out += _table_ddl(spec)
    out += _countries_ddl()
    for name in DATA_TABLES:
        out += _stamp_ddl(name)
    # Every table gets a counter (the current one) if it has none yet, so readers can reuse it from then on.
    seeds = sql.SQL(", ").join(sql.SQL("{}, counter").format(sql.Literal(name)) for name in DATA_TABLES)
    out.append(sql.SQL("UPDATE bb.meta SET tables = jsonb_build_object({}) || tables").format(seeds))
    return out + security_ddl()  # row-level security last: its policies and grants name the tables
