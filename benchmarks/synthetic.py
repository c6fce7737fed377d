"""Synthetic data directories for the benchmarks: the shipped data plus copies of its located records.

Shared by ``benchmarks/database.py`` and ``benchmarks/map_browser.py``; no I/O at import.
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import geo

SYNTHETIC_FILES = ("events.csv", "operations.csv", "organisations.csv", "risk_networks.csv", "liaison_officers.csv")


def synthetic(target: Path, size: int) -> Path:
    """The shipped data plus ``size`` records copied from located records (new ids), spread over four files."""
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
                writer.writerow({**base, "id": f"{base['id']}-s{n}", "name": f"{base['name']} #{n}", "parent": ""}
                                if "parent" in base else {**base, "id": f"{base['id']}-s{n}", "name": f"{base['name']} #{n}"})
    return target
