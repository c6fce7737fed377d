"""Benchmark of briefing exports on the shipped data: cold (first, starts Chromium) and warm time per format.

Run: ``.venv/bin/python benchmarks/exports.py``. Targets (issue 4): warm PNG <= 1.5 s, warm PPTX <= 2 s.
Two views: the Western Balkans preset (the issue's reference) and the default view with every record (the
widest frame, the most outlines). Prints figures; asserts nothing.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import geo  # noqa: E402
from dashboard.briefing import ALL_FORMATS, RENDERED_FORMATS, snapshot_from, write_products  # noqa: E402


def main() -> None:
    catalog = geo.load_catalog(geo.data_dir())
    out = Path(tempfile.mkdtemp(prefix="bb-bench-"))
    views = [("Western Balkans preset", "Western Balkans", ALL_FORMATS), ("default view, all records", None, (*RENDERED_FORMATS, "html"))]
    for label, preset, formats in views:
        snap, _ = snapshot_from(None if preset else "", preset, None, "PUBLIC", catalog)
        print(f"-- {label}")
        for fmt in formats:
            times = []
            for _ in range(4):
                t = time.perf_counter()
                write_products(catalog, snap, [fmt], out)
                times.append(time.perf_counter() - t)
            size = (out / f"briefing.{fmt}").stat().st_size
            print(f"{fmt:8} cold {times[0]:6.2f} s   warm median {statistics.median(times[1:]):6.2f} s   ({size:,} bytes)")
    print("targets: warm PNG <= 1.5 s, warm PPTX <= 2 s (the first line's cold time includes starting Chromium)")


if __name__ == "__main__":
    main()
