"""The record table under the map, one page at a time, names first (pure: no Streamlit).

Only the page shown is built and sent: a 100,000-record result used to go to the browser whole on every
rerun (about 20 MB); a page of ``PAGE_SIZE`` rows is a few tens of kilobytes.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from geo import INSTRUMENT_BY_KEY, STATUS_LABELS

PAGE_SIZE = 200
# record column -> header, in the order shown: what a reader scans for first, the id (for citing) last
COLUMNS = {"name": "Name", "instrument": "Instrument", "partners": "Partners", "start": "Start", "end": "End",
           "status": "Status", "confidence": "Confidence", "id": "ID"}
ID = COLUMNS["id"]


def page_count(rows: int, size: int = PAGE_SIZE) -> int:
    """Pages needed for ``rows`` rows; at least one (an empty table is one empty page)."""
    return max(1, -(-rows // size))


def page_bounds(rows: int, page: int, size: int = PAGE_SIZE) -> tuple[int, int]:
    """Row positions [start, stop) of ``page`` (1-based; clamped to the pages there are)."""
    page = min(max(1, page), page_count(rows, size))
    start = (page - 1) * size
    return start, min(start + size, rows)


def table_page(records: pd.DataFrame, names: Mapping[str, str], page: int, size: int = PAGE_SIZE) -> pd.DataFrame:
    """The rows of ``page`` in the records' order, with readable labels; the ``ID`` column maps a row back
    to its record."""
    start, stop = page_bounds(len(records), page, size)
    rows = records.iloc[start:stop]
    table = pd.DataFrame({
        "name": rows["name"],
        "instrument": rows["instrument"].map(lambda k: INSTRUMENT_BY_KEY[k].label if k in INSTRUMENT_BY_KEY else k),
        "partners": rows["partners"].map(lambda ps: ", ".join(names.get(p, p) for p in ps)),
        "start": rows["start"],
        "end": rows["end"],
        "status": rows["status"].map(lambda s: STATUS_LABELS.get(s, s)),
        "confidence": rows["confidence"],
        "id": rows["id"],
    }, columns=list(COLUMNS))
    return table.rename(columns=COLUMNS).reset_index(drop=True)
