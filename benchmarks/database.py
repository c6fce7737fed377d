"""Benchmark of the PostgreSQL + PostGIS source against the data directory, on a throwaway local cluster.

Run: ``.venv/bin/python benchmarks/database.py [--sizes 10000,100000]``. Prints figures; asserts nothing.

- version check (polled by every session): median of 500 calls; target <= 5 ms
- reload after a change, shipped data: a change, then version check + full catalog load, from files and from the DB
- synthetic datasets (copies of the shipped located records with new ids, spread over four instruments):
  validate, load into the DB in one transaction, read a snapshot back, and build the catalog from the DB
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402

import geo  # noqa: E402
from benchmarks.synthetic import synthetic  # noqa: E402
from geo import DirectorySource, PostgresSource, db  # noqa: E402
from geo.__main__ import main as cli  # noqa: E402
from geo.validate import check_tables, read_all  # noqa: E402
from tests import pgcluster  # noqa: E402


def median_ms(fn, n: int) -> float:
    times = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times) * 1000


def timed(fn) -> tuple[float, object]:
    t = time.perf_counter()
    out = fn()
    return time.perf_counter() - t, out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="10000,100000", help="synthetic dataset sizes (records)")
    sizes = [int(s) for s in parser.parse_args().sizes.split(",") if s]
    with pgcluster.running("bb-bench-") as cluster, tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        url = pgcluster.create_database(cluster, "bench")
        cli(["db", "--url", url, "init"])
        shipped = work / "shipped"
        shutil.copytree(geo.settings.DEFAULT_DATA_DIR, shipped)
        cli(["db", "--url", url, "load", str(shipped)])
        directory, database = DirectorySource(shipped), PostgresSource(url)
        print("\n== version check (polled by every session; target <= 5 ms)")
        print(f"data directory ({len(geo.io.data_files(shipped))} files, one stat each): median {median_ms(directory.version, 500):.3f} ms")
        database.version()
        print(f"database (one primary-key read, open connection):       median {median_ms(database.version, 500):.3f} ms")
        first = time.perf_counter()
        PostgresSource(url).version()
        print(f"database, first call (opens the connection):            {(time.perf_counter() - first) * 1000:.1f} ms")

        print("\n== reload after a change, shipped data (version check + read + validate + build catalog)")
        runs_dir, runs_db = [], []
        with psycopg.connect(url, autocommit=True) as conn:
            for n in range(5):
                path = shipped / "events.csv"
                path.write_text(path.read_text(encoding="utf-8").replace("\n", "\n", 1), encoding="utf-8")
                path.touch()
                runs_dir.append(timed(lambda: (directory.version(), geo.load_catalog(directory)))[0])
                conn.execute("UPDATE bb.events SET notes = %s WHERE row_no = (SELECT min(row_no) FROM bb.events)", (f"bench {n}",))
                runs_db.append(timed(lambda: (database.version(), geo.load_catalog(database)))[0])
        print(f"from files:    median {statistics.median(runs_dir) * 1000:.0f} ms")
        print(f"from database: median {statistics.median(runs_db) * 1000:.0f} ms")

        print("\n== synthetic datasets in the database")
        for size in sizes:
            data = synthetic(work / f"syn-{size}", size)
            t_val, (tables, problems) = timed(lambda d=data: read_all(d))
            t_chk, more = timed(lambda t=tables: check_tables(t))
            errors = [p for p in problems + more if p.severity == "error"]
            total = sum(len(t.frame) for t in tables.instruments.values() if t is not None)
            syn_url = pgcluster.create_database(cluster, f"syn_{size}")
            cli(["db", "--url", syn_url, "init"])
            basemap = __import__("json").loads((data / "basemap/countries.geojson").read_text(encoding="utf-8"))
            with db.connect(syn_url) as conn:
                t_load, _ = timed(lambda c=conn, t=tables, b=basemap, d=data: db.load(c, t, b, d))
                t_reload, _ = timed(lambda c=conn, t=tables, b=basemap, d=data: db.load(c, t, b, d))
            source = PostgresSource(syn_url)
            t_snap, _ = timed(source.snapshot)
            t_cat, cat = timed(lambda s=source: geo.load_catalog(s))
            print(f"{total:>7} records ({len(errors)} errors): read files {t_val:.2f} s, validate {t_chk:.2f} s, "
                  f"load into DB (one transaction) {t_load:.2f} s, unchanged reload {t_reload:.2f} s, "
                  f"read snapshot from DB {t_snap:.2f} s, catalog from DB (read + validate + build) {t_cat:.2f} s "
                  f"[{len(cat.records)} records]")


if __name__ == "__main__":
    main()
