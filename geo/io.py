"""Read the data directory: raw CSV tables with row numbers, and the data version fingerprint."""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from geo.errors import Problem
from geo.schema import Column

ROW_COLUMN = "_row"  # spreadsheet row number of each record (header = row 1)


@dataclass(frozen=True)
class RawTable:
    """A CSV file read as text cells, with the row number of every record."""

    file: str
    frame: pd.DataFrame  # all cells as str ("" when empty) plus ROW_COLUMN


def data_files(directory: Path) -> list[Path]:
    """The files whose content makes up the data: every CSV and the basemap GeoJSON."""
    found = sorted(directory.glob("*.csv")) + sorted((directory / "basemap").glob("*.geojson"))
    return [p for p in found if p.is_file()]


def data_version(directory: Path) -> str:
    """A cheap fingerprint of the data directory (names, sizes, modification times).

    Costs one ``stat`` per file, so sessions can poll it often. Any save changes the modification time
    and so the version.
    """
    h = hashlib.sha1()
    try:
        for path in data_files(directory):
            st = path.stat()
            h.update(f"{path.relative_to(directory)}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    except OSError as exc:  # a file vanished between glob and stat: report a version that differs
        h.update(f"unreadable:{exc}".encode())
    return h.hexdigest()[:12]


def read_table(directory: Path, filename: str, columns: tuple[Column, ...]) -> tuple[RawTable | None, list[Problem]]:
    """Read one CSV into text cells; report missing file, bad encoding, bad shape and missing columns."""
    path = directory / filename
    if not path.is_file():
        return None, [Problem(filename, None, None, "the file to exist", f"no file at {path}")]
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        row = data[: exc.start].count(b"\n") + 1
        bad = data[exc.start : exc.start + 1].hex()
        return None, [
            Problem(filename, row, None, "UTF-8 text", f"byte 0x{bad} at offset {exc.start} (not UTF-8; save the file as UTF-8)")
        ]
    problems: list[Problem] = []
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        return None, [Problem(filename, 1, None, "a header row", "an empty file")]
    except csv.Error as exc:
        return None, [Problem(filename, 1, None, "a CSV header row", f"unparseable CSV ({exc})")]

    known = {c.name for c in columns}
    for col in columns:
        if col.name not in header:
            sev = "error" if col.required else "warning"
            problems.append(Problem(filename, 1, col.name, f"a column '{col.name}'", "no such column in the header", sev))
    for name in header:
        if name not in known:
            problems.append(Problem(filename, 1, name, "only known columns", f"unknown column '{name}' (ignored)", "warning"))
    if len(set(header)) != len(header):
        dupes = sorted({h for h in header if header.count(h) > 1})
        problems.append(Problem(filename, 1, None, "unique column names", f"repeated {dupes}"))
        return None, problems

    rows: list[list[str]] = []
    start = reader.line_num + 1
    try:
        for cells in reader:
            if not any(c.strip() for c in cells):
                start = reader.line_num + 1
                continue
            if len(cells) != len(header):
                problems.append(
                    Problem(filename, start, None, f"{len(header)} cells as in the header", f"{len(cells)} cells")
                )
            else:
                rows.append([c.strip() for c in cells] + [str(start)])
            start = reader.line_num + 1
    except csv.Error as exc:
        problems.append(Problem(filename, start, None, "well-formed CSV", f"unparseable CSV ({exc})"))
        return None, problems

    frame = pd.DataFrame(rows, columns=[*header, ROW_COLUMN], dtype=str)
    for col in columns:  # absent optional columns read as empty
        if col.name not in frame.columns:
            frame[col.name] = ""
    frame[ROW_COLUMN] = frame[ROW_COLUMN].astype(int)
    return RawTable(filename, frame), problems


def write_table(path: Path, frame: pd.DataFrame, columns: list[str]) -> None:
    """Write text cells as a UTF-8 CSV with ``\\n`` line ends and minimal quoting (the shipped files' format)."""
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows(frame[columns].itertuples(index=False, name=None))
