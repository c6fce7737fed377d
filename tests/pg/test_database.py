"""The PostgreSQL + PostGIS source against a real throwaway cluster: init, load, dump, atomicity, versions."""

from __future__ import annotations

import csv
import json
import shutil
import threading
import time
from pathlib import Path

import psycopg
import pytest
import shapely

import geo
from geo import PostgresSource
from geo.__main__ import main
from geo.dbschema import DATA_TABLES
from geo.settings import DEFAULT_DATA_DIR
from tests import pgcluster

DATA = DEFAULT_DATA_DIR


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def edit_csv(path: Path, change) -> None:
    """Rewrite a CSV after ``change(rows)`` mutated its list of row dicts."""
    rows = read_csv(path)
    header = list(rows[0]) if rows else next(csv.reader(path.open(encoding="utf-8")))
    change(rows)
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, header, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def state(url: str) -> dict[str, object]:
    """Everything in the data tables (including the stamps), to compare before and after."""
    out: dict[str, object] = {}
    with psycopg.connect(url) as conn:
        for table in DATA_TABLES:
            rows = conn.execute(f"SELECT to_jsonb(t) FROM bb.{table} AS t ORDER BY row_no").fetchall()
            out[table] = [r[0] for r in rows]
    out["version"] = PostgresSource(url).version()
    return out


def modified_copy(tmp_path: Path) -> Path:
    """The shipped data with every operation renamed, one event removed and one event added."""
    target = tmp_path / "data-v2"
    shutil.copytree(DATA, target)

    def rename(rows: list[dict[str, str]]) -> None:
        for row in rows:
            row["name"] += " v2"

    def swap_events(rows: list[dict[str, str]]) -> None:
        removed = rows.pop(0)
        rows.append({**removed, "id": "ev-added-in-v2", "name": "Added in v2"})

    edit_csv(target / "operations.csv", rename)
    edit_csv(target / "events.csv", swap_events)
    return target


# --- schema ----------------------------------------------------------------------------------------


def test_init_creates_every_table_and_is_idempotent(empty_db: str) -> None:
    assert main(["db", "--url", empty_db, "init"]) == 0
    before = PostgresSource(empty_db).version()
    assert main(["db", "--url", empty_db, "init"]) == 0
    with psycopg.connect(empty_db) as conn:
        tables = {r[0] for r in conn.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = 'bb'")}
        geom = dict(conn.execute(
            "SELECT f_table_name, type FROM geometry_columns WHERE f_table_schema = 'bb'").fetchall())
        arrays = conn.execute(
            "SELECT data_type FROM information_schema.columns WHERE table_schema='bb' AND table_name='routes' AND column_name='partners'"
        ).fetchone()
    assert tables == {*DATA_TABLES, "meta"}
    assert geom["operations"] == "POINT" and geom["countries"] == "MULTIPOLYGON"
    assert arrays == ("ARRAY",)
    assert PostgresSource(empty_db).version() == before  # re-running init writes no data


# --- load and dump ---------------------------------------------------------------------------------


def test_load_then_dump_reproduces_the_shipped_files(empty_db: str, tmp_path: Path) -> None:
    assert main(["db", "--url", empty_db, "load", str(DATA)]) == 0
    out = tmp_path / "dumped"
    assert main(["db", "--url", empty_db, "dump", str(out)]) == 0
    assert geo.validate(out).ok
    for original in sorted(DATA.glob("*.csv")):
        assert read_csv(out / original.name) == read_csv(original), f"{original.name} differs cell by cell"
    a = json.loads((DATA / "basemap/countries.geojson").read_text(encoding="utf-8"))
    b = json.loads((out / "basemap/countries.geojson").read_text(encoding="utf-8"))
    assert [f["properties"] for f in b["features"]] == [f["properties"] for f in a["features"]]
    for fa, fb in zip(a["features"], b["features"], strict=True):
        ga, gb = shapely.geometry.shape(fa["geometry"]), shapely.geometry.shape(fb["geometry"])
        assert ga.equals_exact(gb, 1e-9), fa["properties"]["iso3"]


def test_load_stamps_who_and_when_and_a_reload_restamps_only_changed_rows(loaded_db: str, tmp_path: Path) -> None:
    with psycopg.connect(loaded_db) as conn:
        stamps = dict(conn.execute("SELECT id, (updated_at, updated_by)::text FROM bb.events").fetchall())
        by = conn.execute("SELECT DISTINCT updated_by FROM bb.operations").fetchall()
    assert by == [(f"load:{DATA}",)]
    v2 = modified_copy(tmp_path)
    assert main(["db", "--url", loaded_db, "load", str(v2)]) == 0
    with psycopg.connect(loaded_db) as conn:
        after = dict(conn.execute("SELECT id, (updated_at, updated_by)::text FROM bb.events").fetchall())
        ops = conn.execute("SELECT DISTINCT updated_by FROM bb.operations").fetchall()
    unchanged = set(stamps) & set(after)
    assert unchanged and all(after[i] == stamps[i] for i in unchanged)  # moved up one row: not a change
    assert "ev-added-in-v2" in after and len(after) == len(stamps)
    assert ops == [(f"load:{v2.resolve()}",)]


def test_catalog_from_the_database_equals_the_catalog_from_the_directory(loaded_db: str) -> None:
    from_db = geo.load_catalog(PostgresSource(loaded_db))
    from_dir = geo.load_catalog(DATA)
    assert from_db.version.startswith("db:")
    a, b = from_db.records, from_dir.records
    assert a.drop(columns="geometry").equals(b.drop(columns="geometry"))
    for ga, gb in zip(a.geometry, b.geometry, strict=True):
        assert (ga is None and gb is None) or ga.equals_exact(gb, 1e-9)
    assert from_db.partners.drop(columns="geometry").equals(from_dir.partners.drop(columns="geometry"))
    assert from_db.routes.equals(from_dir.routes)
    assert from_db.activations.equals(from_dir.activations)


# --- failed loads leave the database unchanged ------------------------------------------------------


def test_invalid_directory_is_refused_with_every_problem(loaded_db: str, tmp_path: Path, capsys) -> None:
    before = state(loaded_db)
    broken = modified_copy(tmp_path)

    def break_rows(rows: list[dict[str, str]]) -> None:
        rows[0]["lat"] = "north"
        rows[1]["status"] = "finished"

    edit_csv(broken / "operations.csv", break_rows)
    assert main(["db", "--url", loaded_db, "load", str(broken)]) == 1
    out = capsys.readouterr().out
    assert "ERROR: operations.csv, row 2, column 'lat': expected a number; found 'north'" in out
    assert "ERROR: operations.csv, row 3, column 'status'" in out and "nothing loaded" in out
    assert state(loaded_db) == before


def test_load_failing_midway_rolls_everything_back(loaded_db: str, sql: psycopg.Connection, tmp_path: Path, capsys) -> None:
    # Events are loaded after operations: make the events insert fail after operations were already written.
    sql.execute("""CREATE FUNCTION bb.refuse() RETURNS trigger LANGUAGE plpgsql AS $$
                   BEGIN RAISE EXCEPTION 'refused by test'; END $$""")
    sql.execute("CREATE TRIGGER refuse BEFORE INSERT ON bb.events FOR EACH ROW EXECUTE FUNCTION bb.refuse()")
    before = state(loaded_db)
    assert main(["db", "--url", loaded_db, "load", str(modified_copy(tmp_path))]) == 3
    assert "refused by test" in capsys.readouterr().out
    assert state(loaded_db) == before
    names = [r[0] for r in sql.execute("SELECT name FROM bb.operations")]
    assert names and not any(n.endswith(" v2") for n in names)


def test_records_absent_from_the_directory_are_deleted(loaded_db: str, tmp_path: Path) -> None:
    v2 = modified_copy(tmp_path)
    assert main(["db", "--url", loaded_db, "load", str(v2)]) == 0
    out = tmp_path / "dumped"
    assert main(["db", "--url", loaded_db, "dump", str(out)]) == 0
    assert read_csv(out / "events.csv") == read_csv(v2 / "events.csv")
    assert read_csv(out / "operations.csv") == read_csv(v2 / "operations.csv")


# --- the version -----------------------------------------------------------------------------------


def test_version_changes_on_every_write_also_by_plain_sql(loaded_db: str, sql: psycopg.Connection) -> None:
    source = PostgresSource(loaded_db)
    seen = [source.version()]
    writes = [
        "INSERT INTO bb.events (id, name, status) VALUES ('ev-sql', 'By SQL', 'active')",
        "UPDATE bb.events SET name = 'Renamed by SQL' WHERE id = 'ev-sql'",
        "UPDATE bb.countries SET geom = ST_Multi(ST_Translate(ST_GeometryN(geom, 1), 0.001, 0)) WHERE iso3 = 'ALB'",
        "DELETE FROM bb.events WHERE id = 'ev-sql'",
        "TRUNCATE bb.activations",
    ]
    for statement in writes:
        sql.execute(statement)
        seen.append(source.version())
    assert len(set(seen)) == len(seen), seen
    sql.execute("UPDATE bb.events SET name = name WHERE false")  # touches no row: no new version
    assert source.version() == seen[-1]
    by = sql.execute("SELECT updated_by FROM bb.countries WHERE iso3 = 'ALB'").fetchone()
    assert by == (pgcluster.SUPERUSER,)  # a plain SQL change is stamped with the database user
    source.close()


def test_version_survives_a_dropped_connection(loaded_db: str, sql: psycopg.Connection) -> None:
    source = PostgresSource(loaded_db)
    first = source.version()
    sql.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")
    assert source.version() == first  # reconnected once


def test_concurrent_reads_see_all_old_or_all_new_never_a_mix(loaded_db: str, tmp_path: Path) -> None:
    v2 = modified_copy(tmp_path)
    source = PostgresSource(loaded_db)
    observed: list[tuple[str, bool, int]] = []
    mixed: list[str] = []
    stop = threading.Event()
    read = threading.Condition()  # notified after each snapshot the reader has checked

    def reader() -> None:
        while not stop.is_set():
            version, tables, _ = source.snapshot()
            names = list(tables.instruments["operation"].frame["name"])
            events = set(tables.instruments["event"].frame["id"])
            new = [n.endswith(" v2") for n in names]
            added = "ev-added-in-v2" in events
            if len(set(new)) != 1 or added != new[0]:
                mixed.append(f"{version}: {sum(new)} of {len(new)} renamed, added event {added}")
            with read:
                observed.append((version, new[0], len(events)))
                read.notify_all()

    thread = threading.Thread(target=reader)
    thread.start()
    try:
        for n in range(6):
            count = len(observed)
            assert main(["db", "--url", loaded_db, "load", str(v2 if n % 2 == 0 else DATA)]) == 0
            with read:  # two more whole snapshots read while (or after) this load ran
                read.wait_for(lambda c=count: len(observed) >= c + 2, timeout=20)
    finally:
        stop.set()
        thread.join(30)
    assert mixed == []
    assert {flag for _, flag, _ in observed} == {True, False}  # both datasets were seen, each whole
    versions = {}
    for version, flag, _ in observed:
        versions.setdefault(version, set()).add(flag)
    assert all(len(flags) == 1 for flags in versions.values())  # one version, one dataset


# --- problems and errors ---------------------------------------------------------------------------


def test_problems_in_database_rows_name_table_row_and_id(loaded_db: str, sql: psycopg.Connection) -> None:
    sql.execute("UPDATE bb.operations SET status = 'finished' WHERE id = 'op-alb'")
    row = sql.execute("SELECT row_no FROM bb.operations WHERE id = 'op-alb'").fetchone()[0]
    with pytest.raises(geo.ValidationError) as err:
        geo.load_catalog(PostgresSource(loaded_db))
    problem = next(p for p in err.value.problems if p.severity == "error")
    assert (problem.file, problem.row, problem.column, problem.record) == ("bb.operations", row, "status", "op-alb")
    assert str(problem).startswith(f"ERROR: bb.operations, row {row} (id 'op-alb'), column 'status': expected one of active")


def test_unreachable_database_fails_fast_with_a_clear_error() -> None:
    port = pgcluster.free_port()
    source = PostgresSource(f"postgresql://bb@127.0.0.1:{port}/bb")
    started = time.monotonic()
    with pytest.raises(geo.DatabaseError) as err:
        source.version()
    assert time.monotonic() - started < 5
    assert f"127.0.0.1:{port}/bb" in str(err.value) and "connecting failed" in str(err.value)
    assert isinstance(err.value, geo.DataError)
    with pytest.raises(geo.DatabaseError):
        geo.load_catalog(source)
    assert main(["db", "--url", f"postgresql://bb@127.0.0.1:{port}/bb", "version"]) == 3


def test_uninitialised_database_says_to_run_init(pg_cluster: pgcluster.Cluster) -> None:
    url = pgcluster.create_database(pg_cluster, f"bare_{pgcluster.free_port()}")
    with pytest.raises(geo.DatabaseError, match="python -m geo db init"):
        PostgresSource(url).version()


def test_db_commands_need_a_url(monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    monkeypatch.delenv("BB_DATABASE_URL", raising=False)
    assert main(["db", "version"]) == 2
    assert "BB_DATABASE_URL" in capsys.readouterr().out


def test_open_source_follows_the_setting(monkeypatch: pytest.MonkeyPatch, loaded_db: str) -> None:
    monkeypatch.setenv("BB_DATABASE_URL", loaded_db)
    source = geo.open_source()
    assert isinstance(source, PostgresSource) and source.version().startswith("db:")
    monkeypatch.setenv("BB_DATABASE_URL", "")
    assert isinstance(geo.open_source(), geo.DirectorySource)


def test_missing_postgresql_is_reported_with_the_apt_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pgcluster, "PG_BIN", tmp_path / "no-such-bin")
    why = pgcluster.missing()
    assert why is not None and pgcluster.APT_COMMAND in why and "initdb" in why
    with pytest.raises(RuntimeError, match="apt-get install -y postgresql postgresql-15-postgis-3"):
        pgcluster.start()
