"""Synthetic data directories for the benchmarks: the shipped data plus copies of its located records.

Shared by ``benchmarks/database.py`` and ``benchmarks/map_browser.py``; no I/O at import.
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import geo

SYNTHETIC_FILES = ("events.csv", "operations.csv", "organisations.csv", "risk_networks.csv", "liaison_officers.csv")


def synthetic(target: Path, size: int, vary: bool = False) -> Path:
    """The shipped data plus ``size`` records copied from located records (new ids), spread over four files.

    ``vary``: every copy also gets its own description, notes and start year, so no two records share their text
    or their dates (caches keyed by distinct values gain nothing).
    """
    shutil.copytree(geo.settings.DEFAULT_DATA_DIR, target)
    sources = {}
    for name in SYNTHETIC_FILES:
        with (target / name).open(encoding="utf-8", newline="") as fh:
            rows = list(csv.DictReader(fh))
        if any(r.get("lat") for r in rows):
            sources[name] = rows
    per_file = size // len(sources)
    for name, rows in sources.items():
        path = target / name
        header = list(rows[0])
        located = [r for r in rows if r.get("lat")]
        with path.open("a", encoding="utf-8", newline="") as fh:
            writer = csv.DictWriter(fh, header, lineterminator="\n")
            for n in range(per_file):
                base = located[n % len(located)]
                row = {**base, "id": f"{base['id']}-s{n}", "name": f"{base['name']} #{n}"}
                if "parent" in base:
                    row["parent"] = ""
                if vary:
                    year = 1990 + n % 35
                    row |= {"description": f"{base['description']} Copy {n} of {name}.", "notes": f"Synthetic copy {n}; {base['notes']}",
                            "start": f"{year}-{1 + n % 12:02d}" if n % 3 else str(year), "end": ""}
                writer.writerow(row)
    return target
