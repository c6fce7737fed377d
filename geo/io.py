"""Read the data directory: raw CSV tables with row numbers, and the data version fingerprint."""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv

from geo.columns import TEXT, Dates, empty, parse_dates, parse_days, parse_numbers, per_distinct, strip
from geo.errors import Problem
from geo.schema import Column

T = TypeVar("T")

ROW_COLUMN = "_row"  # spreadsheet row number of each record (header = row 1)


@dataclass(frozen=True, eq=False)
class RawTable:
    """A data file (or table) read as text cells, with the spreadsheet row number of every record.

    ``cells`` holds one string column per column of the file ("" when empty; stripped), absent optional columns
    included; ``rows`` the row numbers. ``parsed`` memoises column-wise parses of this table's cells (dates,
    lists, numbers: ``geo.validate`` and ``geo.catalog`` share them, so a column is parsed once per read).
    """

    file: str
    cells: pa.Table
    rows: np.ndarray
    parsed: dict = field(default_factory=dict, repr=False)

    def __len__(self) -> int:
        return self.cells.num_rows

    def column(self, name: str) -> pa.ChunkedArray:
        """One column's cells (all "" for a column the table lacks)."""
        if name in self.cells.column_names:
            return self.cells.column(name)
        return pa.chunked_array([pa.array([""] * len(self), TEXT)])

    def memo(self, key: tuple, build: Callable[[], T]) -> T:
        """``build()`` once per table and key."""
        if key not in self.parsed:
            self.parsed[key] = build()
        return self.parsed[key]

    def dates(self, name: str) -> Dates:
        """The partial dates of a column, parsed once per table."""
        return self.memo(("dates", name), lambda: per_distinct(self.column(name), parse_dates))

    def days(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """The full dates of a column (days, parsed), once per table."""
        return self.memo(("days", name), lambda: per_distinct(self.column(name), parse_days))

    def numbers(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """The numbers of a column (values, parsed), once per table."""
        return self.memo(("numbers", name), lambda: per_distinct(self.column(name), parse_numbers))

    @property
    def frame(self) -> pd.DataFrame:
        """The cells as a pandas frame (string columns) with ``ROW_COLUMN``, made on first use."""
        if "frame" not in self.parsed:
            frame = self.cells.to_pandas(types_mapper={TEXT: pd.StringDtype("pyarrow", na_value=np.nan)}.get)
            frame[ROW_COLUMN] = self.rows
            self.parsed["frame"] = frame
        return self.parsed["frame"]


def data_files(directory: Path) -> list[Path]:
    """The files whose content makes up the data: every CSV and the basemap GeoJSON."""
    found = sorted(directory.glob("*.csv")) + sorted((directory / "basemap").glob("*.geojson"))
    return [p for p in found if p.is_file()]


FileKey = tuple[int, int]  # size and modification time (ns): a save changes it


def file_keys(directory: Path) -> tuple[str, dict[str, FileKey]]:
    """The data version of a directory and the key of each data file (relative path -> size, mtime).

    Costs one ``stat`` per file, so sessions can poll it often. Any save changes the modification time
    and so the version (and the key of the file saved: ``geo.reload`` re-reads only that file).
    """
    h = hashlib.sha1()
    keys: dict[str, FileKey] = {}
    try:
        for path in data_files(directory):
            st = path.stat()
            name = str(path.relative_to(directory))
            keys[name] = (st.st_size, st.st_mtime_ns)
            h.update(f"{name}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    except OSError as exc:  # a file vanished between glob and stat: report a version that differs
        h.update(f"unreadable:{exc}".encode())
    return h.hexdigest()[:12], keys


def data_version(directory: Path) -> str:
    """A cheap fingerprint of the data directory (names, sizes, modification times)."""
    return file_keys(directory)[0]


def read_table(directory: Path, filename: str, columns: tuple[Column, ...]) -> tuple[RawTable | None, list[Problem]]:
    """Read one CSV into text cells; report missing file, bad encoding, bad shape and missing columns.

    Arrow's CSV reader reads a well-formed file (one record per line, the strict quoting of Python's ``csv``),
    which is every file of a working dataset; anything else (a bad byte, a quoted line break, a blank line, a
    row with the wrong number of cells, a stray quote) is read by ``read_rows``, the reference reader, which
    finds and reports the problem exactly as it always did.
    """
    path = directory / filename
    if not path.is_file():
        return None, [Problem(filename, None, None, "the file to exist", f"no file at {path}")]
    data = path.read_bytes()
    return read_fast(data, filename, columns) or read_rows(data, filename, columns)


def header_problems(filename: str, header: list[str], columns: tuple[Column, ...]) -> list[Problem]:
    """Missing and unknown columns, and repeated names (``read_rows`` and ``read_fast`` alike)."""
    problems: list[Problem] = []
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
    return problems


# One record per line, fields quoted as Python's strict csv reader requires, no blank line: what read_fast accepts.
_FIELD = r'(?:"(?:[^"\r\n]|"")*"|[^,"\r\n][^,\r\n]*|)'
_FILLED = r'(?:"(?:[^"\r\n]|"")*"|[^,"\r\n][^,\r\n]*)'  # a first field that is not empty
_LINE = rf"(?:{_FILLED}(?:,{_FIELD})*|(?:,{_FIELD})+)"
WELL_FORMED = rf"\A(?:\xef\xbb\xbf)?{_LINE}(?:(?:\r\n|\n|\r){_LINE})*(?:\r\n|\n|\r)?\z"
FIELD_LIMIT = 131072  # csv.field_size_limit(): longer cells are the reference reader's to report
BOM = b"\xef\xbb\xbf"


def read_fast(data: bytes, filename: str, columns: tuple[Column, ...]) -> tuple[RawTable | None, list[Problem]] | None:
    """Read a well-formed file with Arrow, or None to leave it to ``read_rows``."""
    begin = len(BOM) if data.startswith(BOM) else 0
    head = data[begin : data.find(b"\n", begin) if b"\n" in data[begin : begin + 65536] else begin + 65536]
    if b'"' in head or b"\r" in head.rstrip(b"\r") or not head.strip():
        return None
    whole = pa.Array.from_buffers(pa.binary(), 1, [None, pa.py_buffer(np.array([0, len(data)], np.int32)), pa.py_buffer(data)])
    if len(data) >= 2**31 or not pc.match_substring_regex(whole, WELL_FORMED)[0].as_py():  # the file as one value, no copy
        return None
    try:
        header = [h.strip() for h in head.decode("utf-8").rstrip("\r").split(",")]
        if len(set(header)) != len(header):
            return None
        table = pcsv.read_csv(
            pa.py_buffer(data),
            # One thread: as fast on two cores shared with other work, and it keeps fewer parse buffers alive.
            # Arrow's default 1 MiB blocks: a block's parse buffers stay in the core's cache (1 MiB L2 here). 8 MiB
            # blocks (fewer chunks) parsed a 24 MB file in 75 ms instead of 45 (2026-12-06); the copy in catalog
            # order (geo.records.catalog_order) leaves one chunk a column anyway.
            read_options=pcsv.ReadOptions(column_names=[f"c{k}" for k in range(len(header))], skip_rows=1, use_threads=False),
            parse_options=pcsv.ParseOptions(newlines_in_values=False),
            convert_options=pcsv.ConvertOptions(column_types={f"c{k}": TEXT for k in range(len(header))},
                                                strings_can_be_null=False, quoted_strings_can_be_null=False),
        )
    except (pa.ArrowInvalid, UnicodeDecodeError):
        return None  # bad UTF-8, a row with the wrong number of cells: the reference reader says where
    # The pattern admits no quoted line break and no blank line, so row k of Arrow's table is line k + 2.
    if len(data) > FIELD_LIMIT and any((pc.max(pc.binary_length(c)).as_py() or 0) > FIELD_LIMIT for c in table.columns):
        return None
    cells = pa.table([strip(table.column(k)) for k in range(len(header))], names=header)
    rows = np.arange(2, table.num_rows + 2, dtype=np.int64)
    blank = np.ones(table.num_rows, dtype=bool)
    for col in cells.columns:  # until no row is left that may be blank: mostly the first column (the id) settles it
        blank &= empty(col)
        if not blank.any():
            break
    if blank.any():  # a row of empty cells is skipped, as by the reference reader; the others keep their line
        cells, rows = cells.filter(pa.array(~blank)), rows[~blank]
    return _finish(filename, header, cells, rows, columns)


def _finish(filename: str, header: list[str], cells: pa.Table, rows: np.ndarray,
            columns: tuple[Column, ...]) -> tuple[RawTable | None, list[Problem]]:
    problems = header_problems(filename, header, columns)
    if len(set(header)) != len(header):
        return None, problems
    for col in columns:  # absent optional columns read as empty
        if col.name not in cells.column_names:
            cells = cells.append_column(col.name, pa.array([""] * cells.num_rows, TEXT))
    return RawTable(filename, cells, rows), problems


def read_rows(data: bytes, filename: str, columns: tuple[Column, ...]) -> tuple[RawTable | None, list[Problem]]:
    """The reference reader: Python's strict ``csv`` module, one row at a time, every problem located."""
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
    if len(set(header)) != len(header):
        return None, header_problems(filename, header, columns)

    rows: list[list[str]] = []
    numbers: list[int] = []
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
                rows.append([c.strip() for c in cells])
                numbers.append(start)
            start = reader.line_num + 1
    except csv.Error as exc:
        return None, [*header_problems(filename, header, columns), *problems,
                      Problem(filename, start, None, "well-formed CSV", f"unparseable CSV ({exc})")]
    table = pa.table([pa.array([r[k] for r in rows], TEXT) for k in range(len(header))], names=header)
    found, more = _finish(filename, header, table, np.array(numbers, dtype=np.int64), columns)
    return found, more + problems


def write_table(path: Path, frame: pd.DataFrame, columns: list[str]) -> None:
    """Write text cells as a UTF-8 CSV with ``\\n`` line ends and minimal quoting (the shipped files' format)."""
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows(frame[columns].itertuples(index=False, name=None))
