"""Benchmark of the data layer on the shipped data: load + validate (cold, in a fresh process) and filter time.

Run: ``.venv/bin/python benchmarks/data_layer.py``. Targets (issue 2): load + validate < 2 s cold on the
2-core reference machine; filter < 10 ms per spec. Prints figures; asserts nothing.
"""

from __future__ import annotations

import datetime as dt
import statistics
import subprocess
import sys
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
    out = []
    for _ in range(n):
        res = subprocess.run([sys.executable, "-c", COLD], capture_output=True, text=True, check=True, cwd=ROOT)
        a, b, c, d = res.stdout.split()
        out.append((float(a), float(b), float(c), int(d)))
    return out


def main() -> None:
    import geo

    runs = cold_runs()
    imp = statistics.median(r[0] for r in runs)
    load = statistics.median(r[1] for r in runs)
    disp = statistics.median(r[2] for r in runs)
    print(f"records: {runs[0][3]}")
    print(f"cold import of geo (pandas, geopandas, shapely): {imp * 1000:.0f} ms (median of {len(runs)})")
    print(f"cold load + validate of the shipped data:        {load * 1000:.0f} ms (target < 2000 ms)")
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


if __name__ == "__main__":
    main()
