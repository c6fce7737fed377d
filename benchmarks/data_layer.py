"""Benchmark of the data layer: the shipped data (cold load, filters) and synthetic data at 1k, 10k and 100k records.

Run: ``.venv/bin/python benchmarks/data_layer.py [--sizes 1000,10000,100000] [--no-database]``. Prints figures;
asserts nothing. Targets (issues 2 and 12), on the 2-core reference machine:

- shipped data: cold load + validate < 1 s; filter < 10 ms per spec;
- 100,000 records: whole load <= 5 s and <= 10x a bare ``pyarrow.csv.read_csv`` of the same files (measured in the
  same run, the floor); one changed file -> reloaded <= 1 s; peak RSS <= 600 MB.

Every synthetic measurement runs in a fresh process (its peak RSS is that process's high-water mark): from the
data directory and from PostgreSQL (a throwaway local cluster, ``tests/pgcluster.py``). Figures are medians. The
basemap's parse is kept in a cache directory of the run's own (``BB_CACHE_DIR``, ``geo.basemapcache``), as an app
keeps it between starts; the first load of a directory, with that cache still empty, is shown apart.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

COLD = """
import time
t0 = time.perf_counter()
import geo
t1 = time.perf_counter()
cat = geo.load_catalog(geo.data_dir())
t2 = time.perf_counter()
disp = geo.display_geometry(cat)
t3 = time.perf_counter()
print(f"{t1 - t0:.3f} {t2 - t1:.3f} {t3 - t2:.3f} {len(cat.records)}")
"""


def cold_runs(n: int = 3) -> list[tuple[float, float, float, int]]:
    """``n + 1`` fresh processes sharing an empty parse cache (``BB_CACHE_DIR``): the first parses the basemap and
    keeps it, the others find it, as an app does from its second start on."""
    out = []
    with tempfile.TemporaryDirectory(prefix="bb-bench-cache-") as cache:
        for _ in range(n + 1):
            res = subprocess.run([sys.executable, "-c", COLD], capture_output=True, text=True, check=True, cwd=ROOT,
                                 env={**os.environ, "BB_CACHE_DIR": cache})
            a, b, c, d = res.stdout.split()
            out.append((float(a), float(b), float(c), int(d)))
    return out


def shipped() -> None:
    import geo

    first, *runs = cold_runs()
    imp = statistics.median(r[0] for r in runs)
    load = statistics.median(r[1] for r in runs)
    disp = statistics.median(r[2] for r in runs)
    print(f"records: {runs[0][3]}")
    print(f"cold import of geo (pandas, geopandas, shapely, pyarrow): {imp * 1000:.0f} ms (median of {len(runs)})")
    print(f"cold load + validate of the shipped data:        {load * 1000:.0f} ms (target < 1000 ms)")
    print(f"  the same, basemap parse not kept yet (one run): {first[1] * 1000:.0f} ms")
    print(f"cold import + load + validate:                   {(imp + load) * 1000:.0f} ms")
    print(f"display geometry (simplify + dissolve), once per data version: {disp * 1000:.0f} ms")

    t = time.perf_counter()
    report = geo.validate(geo.data_dir())
    print(f"warm validate: {(time.perf_counter() - t) * 1000:.0f} ms ({len(report.errors)} errors, {len(report.warnings)} warnings)")
    t = time.perf_counter()
    for _ in range(100):
        geo.data_version(geo.data_dir())
    print(f"data version check: {(time.perf_counter() - t) * 10:.2f} ms")

    cat = geo.load_catalog(geo.data_dir())
    today = dt.date.today()
    specs = {
        "no filter": geo.FilterSpec(),
        "one instrument": geo.FilterSpec(instruments=("status_agreement",)),
        "region preset": geo.FilterSpec(regions=("western_balkans",)),
        "route": geo.FilterSpec(routes=("central-mediterranean",)),
        "partner + as-of": geo.FilterSpec(partners=("SRB", "MDA"), as_of=today),
        "period": geo.FilterSpec(period_start=dt.date(2015, 1, 1), period_end=dt.date(2020, 12, 31)),
        "free text": geo.FilterSpec(text="risk analysis"),
        "everything at once": geo.FilterSpec(regions=("western_balkans", "eastern_partnership"), routes=("western-balkan",),
                                             instruments=("status_agreement", "operation"), statuses=("active",), as_of=today, text="a"),
    }
    print("filter time per spec (median of 200 runs of geo.apply):")
    for name, spec in specs.items():
        times = []
        for _ in range(200):
            t = time.perf_counter()
            out = geo.apply(cat, spec)
            times.append(time.perf_counter() - t)
        print(f"  {name:<20} {statistics.median(times) * 1000:7.3f} ms  -> {len(out.records)} records (target < 10 ms)")


# --- one measurement, in a child process ----------------------------------------------------------------------


def peak_mb() -> float:
    with open(f"/proc/{os.getpid()}/status", encoding="ascii") as fh:
        return next(int(line.split()[1]) for line in fh if line.startswith("VmHWM")) / 1024


def timed(fn, n: int = 1) -> tuple[float, object]:
    times, out = [], None
    for _ in range(n):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), out


def floor(directory: Path, n: int) -> float:
    """A bare ``pyarrow.csv.read_csv`` of every CSV file (default options): the least any reader can cost."""
    import pyarrow.csv as pcsv

    files = sorted(directory.glob("*.csv"))
    return timed(lambda: [pcsv.read_csv(f) for f in files], n)[0]


EDIT = """
import sys
from pathlib import Path
path = Path(sys.argv[1]) / "events.csv"
data = path.read_bytes()
at = data.index(b",", data.index(b"\\n") + 1) + 1  # the first record's name
path.write_bytes(data[:at] + f"(edit {sys.argv[2]}) ".encode() + data[at:])
"""


def change(kind: str, where: str, n: int) -> None:
    """Change one record: a name in events.csv (by another process, as an editor would: its memory is not the
    dashboard's), or one row of bb.events by SQL."""
    if kind == "dir":
        subprocess.run([sys.executable, "-c", EDIT, where, str(n)], check=True)
    else:
        import psycopg
        from psycopg.conninfo import make_conninfo

        from tests.pgcluster import SUPERUSER

        with psycopg.connect(make_conninfo(where, user=SUPERUSER), autocommit=True) as conn:  # the writer, not the reader
            conn.execute("UPDATE bb.events SET name = name || ' ' WHERE row_no = (SELECT min(row_no) FROM bb.events)")


def measure(kind: str, where: str, what: str) -> dict:
    """``load``: a whole load, then one changed file (or table) reloaded three times, holding the previous catalog
    as the dashboard does (last good and current), and the process's peak RSS. ``stages``: the floor, then read,
    validate and build apart."""
    import geo
    from geo.catalog import build_catalog
    from geo.validate import ValidationReport, check_tables

    source = geo.DirectorySource(Path(where)) if kind == "dir" else geo.PostgresSource(where)
    if what == "load":
        loader = geo.Loader(source)
        whole, cat = timed(loader.load)
        reloads = []
        for n in range(1, 4):
            change(kind, where, n)
            t, new = timed(loader.load)
            reloads.append(t)
            cat = new
        return {"whole": whole, "reload": statistics.median(reloads), "peak": peak_mb(), "records": len(cat.records)}  # type: ignore[union-attr]
    out = {"floor": floor(Path(where), 3)} if kind == "dir" else {}
    out["read"], (version, tables, problems) = timed(geo.Loader(source).snapshot)
    out["validate"], more = timed(lambda: check_tables(tables))
    out["build"], _ = timed(lambda: build_catalog(tables, version, ValidationReport(problems + more)))
    return out


def child(kind: str, where: str, repeat: int) -> dict:
    """The median of ``repeat`` fresh processes for a whole load (each one cold, as an app starting), and the stages.

    The stages (with the floor) and a whole load run in turn, a process each, and the ratio to the floor is taken
    pair by pair: this machine's speed drifts by up to 2x within a minute (a pure-Python loop took 0.27-0.53 s in
    one minute, 2026-12-06), and two batches run one after the other could each catch a different speed."""
    with tempfile.TemporaryDirectory(prefix="bb-bench-cache-") as cache:  # the basemap's kept parse: this run's own
        def run(what: str) -> dict:
            env = {**os.environ, "BB_CACHE_DIR": cache}
            res = subprocess.run([sys.executable, __file__, "--child", kind, where, what], capture_output=True, text=True, check=True, cwd=ROOT, env=env)
            return json.loads(res.stdout.strip().splitlines()[-1])

        first = run("load")["whole"] if kind == "dir" else None  # the cache still empty: the basemap parsed, and kept
        stages, loads = [], []
        for _ in range(repeat):
            stages.append(run("stages"))
            loads.append(run("load"))
        out = {k: statistics.median(m[k] for m in loads) for k in ("whole", "reload", "peak")} | {"records": loads[0]["records"], "first": first}
    if "floor" in stages[0]:
        out["ratio"] = statistics.median(m["whole"] / f["floor"] for m, f in zip(loads, stages, strict=True))
    return out | {k: statistics.median(m[k] for m in stages) for k in stages[0]}


def row(label: str, m: dict) -> str:
    ratio = f"{m['ratio']:.1f}x" if m.get("ratio") else "—"  # pair by pair (``child``)
    fl = f"{m['floor']:.2f} s" if m.get("floor") else "—"
    first = f"{m['first']:.2f} s" if m.get("first") else "—"
    return (f"| {label} | {m['records']:,} | {fl} | {m['read']:.2f} s | {m['validate']:.2f} s | {m['build']:.2f} s | "
            f"{m['whole']:.2f} s | {ratio} | {first} | {m['reload']:.2f} s | {m['peak']:.0f} MB |")


def synthetic_runs(sizes: list[int], database: bool, repeat: int) -> None:
    from benchmarks.synthetic import synthetic

    print(f"\n== synthetic data (medians of {repeat} fresh processes each; load average {os.getloadavg()[0]:.1f})")
    print("| source | records | floor: bare read_csv | read | validate | build | whole load | ×floor (median of pairs) "
          "| whole load, basemap parse not kept yet (one process) | one file changed → reloaded | peak RSS |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        dirs = {}
        for size in sizes:
            dirs[size] = synthetic(Path(tmp) / f"syn-{size}", size)
            print(row("directory", child("dir", str(dirs[size]), repeat)), flush=True)
        if sizes:
            varied = synthetic(Path(tmp) / "varied", max(sizes), vary=True)
            print(row("directory, every text and date distinct", child("dir", str(varied), repeat)), flush=True)
        if not database:
            return
        from geo.__main__ import main as cli
        from tests import pgcluster

        with pgcluster.running("bb-bench-") as cluster:
            for size in sizes:
                url = pgcluster.create_database(cluster, f"syn_{size}")
                with contextlib.redirect_stdout(io.StringIO()):
                    cli(["db", "--url", url, "init"])
                    cli(["db", "--url", url, "load", str(dirs[size])])
                print(row("PostgreSQL", child("db", reader(url), repeat)), flush=True)


def reader(url: str) -> str:
    """The URL of a plain login in ``bb_restricted``: the app's kind of role, so row-level security applies (the
    cluster's superuser would skip every policy)."""
    import psycopg
    from psycopg.conninfo import make_conninfo

    from geo.dbaccess import ROLES, TOP

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'bench_reader') THEN "
                     "CREATE ROLE bench_reader LOGIN; END IF; END $$")
        conn.execute(f"GRANT {ROLES[TOP]} TO bench_reader")
    return make_conninfo(url, user="bench_reader")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1000,10000,100000", help="synthetic dataset sizes (records added to the shipped data)")
    parser.add_argument("--no-database", action="store_true", help="skip the PostgreSQL runs")
    parser.add_argument("--no-shipped", action="store_true", help="skip the shipped-data figures")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--child", nargs=3, metavar=("KIND", "WHERE", "WHAT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(*args.child)))
        return
    if not args.no_shipped:
        shipped()
    synthetic_runs([int(s) for s in args.sizes.split(",") if s], not args.no_database, args.repeat)


if __name__ == "__main__":
    main()
