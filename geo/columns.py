"""Column-wise parsing of text cells (Arrow arrays): trimming, partial dates, days, numbers, code lists.

Every function here answers for a whole column at once and agrees exactly with its per-cell counterpart in
``geo.schema`` (``PartialDate.parse``, ``split_list``, ``split_urls``, ``float``, ``date.fromisoformat``). The
vectorised path handles the plain ASCII forms the data uses; the rare cell it cannot decide on its own (digits
from another script, an ISO week date, ``1_000``) is passed to the per-cell function, so the answer is always the
per-cell one. Tests compare the two on random cells.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from geo.schema import PartialDate

T = TypeVar("T")

# Exactly the characters ``str.strip()`` and ``str.split()`` treat as white space (tests/geo check the list).
WHITESPACE = ("\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007"
              "\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000")
NAT = np.datetime64("NaT", "D")
TEXT = pa.large_string()  # every cell: what pandas keeps text in, so handing columns to pandas copies nothing
EPOCH_YEAR = 1970

Array = pa.Array | pa.ChunkedArray


def flat(values: Array) -> pa.Array:
    """One contiguous array (Arrow's kernels return chunked arrays for chunked input)."""
    if isinstance(values, pa.ChunkedArray):
        return values.combine_chunks() if values.num_chunks != 1 else values.chunk(0)
    return values


def _edges_need_trim(chunk: pa.Array) -> bool:
    """Does any cell start or end with a byte that may be white space? Read from the buffers, no copy.

    The bytes at every offset and before every offset (clipped to the buffer) are each the first or last byte of
    some non-empty cell, and every such byte is among them: no need to pick the non-empty cells first (a few numpy
    steps a chunk: the reader gives a column in 1 MiB chunks, two dozen of them in a 25 MB file)."""
    data = chunk.buffers()[2] if len(chunk) else None
    if data is None or data.size == 0:
        return False
    offsets = _offsets(chunk)
    first, end = int(offsets[0]), int(offsets[-1])
    if end == first:
        return False
    raw = np.frombuffer(data, dtype=np.uint8)[first:end]  # the chunk's own cells (a slice shares its parent's buffer)
    offsets = offsets - first
    edges = np.concatenate([raw.take(offsets, mode="clip"), raw.take(offsets - 1, mode="clip")])
    return bool(((edges <= 0x20) | (edges >= 0x80)).any())  # ASCII space and controls; any multi-byte character


def strip(values: Array) -> pa.ChunkedArray:
    """``str.strip()`` of every cell (only chunks with a cell that may need it are rewritten)."""
    chunks = values.chunks if isinstance(values, pa.ChunkedArray) else [values]
    out = [pc.utf8_trim(c, WHITESPACE) if _edges_need_trim(c) else c for c in chunks]
    return pa.chunked_array(out, values.type)


def bools(values: Array) -> np.ndarray:
    """A boolean Arrow array as numpy (nulls count as False)."""
    filled = values.fill_null(False)
    if isinstance(filled, pa.ChunkedArray):
        return np.asarray(filled.to_numpy(), dtype=bool)
    return np.asarray(filled.to_numpy(zero_copy_only=False), dtype=bool)


def _chunks(values: Array) -> list[pa.Array]:
    chunks = values.chunks if isinstance(values, pa.ChunkedArray) else [values]
    return [c.fill_null("") if c.null_count else c for c in chunks]


def _offsets(chunk: pa.Array) -> np.ndarray:
    """Where each cell of a string array starts and ends in its data buffer (n + 1 positions)."""
    width = 8 if pa.types.is_large_string(chunk.type) else 4
    offsets = np.frombuffer(chunk.buffers()[1], dtype=np.int64 if width == 8 else np.int32, count=len(chunk) + 1,
                            offset=chunk.offset * width)
    return offsets if width == 8 else offsets.astype(np.int64)


def joined(chunk: pa.Array) -> pa.Array:
    """The cells of a string chunk back to back, as the one value of an array of one (no copy)."""
    data = chunk.buffers()[2] if len(chunk) else None
    offsets = _offsets(chunk) if data is not None else np.zeros(2, np.int64)
    bounds = pa.py_buffer(np.array([offsets[0], offsets[-1]], np.int64))
    return pa.Array.from_buffers(pa.large_string(), 1, [None, bounds, data if data is not None else pa.py_buffer(b"")])


def matches(values: Array, pattern: str) -> np.ndarray:
    """The cells in which an unanchored RE2 ``pattern`` finds a match (``pc.match_substring_regex``), for a pattern
    rarely found: a chunk whose cells, back to back, hold no match is answered by one search over its bytes instead
    of a call per cell (the markup rule over the free text of 100,000 records: 0.09 -> 0.06 s, 2026-12-07). A match
    there may straddle two cells, so a chunk with one is searched cell by cell."""
    out = []
    for chunk in _chunks(values):
        found = len(chunk) and pc.match_substring_regex(joined(chunk), pattern)[0].as_py()
        out.append(bools(pc.match_substring_regex(chunk, pattern)) if found else np.zeros(len(chunk), bool))
    return np.concatenate(out) if out else np.zeros(0, bool)


def lengths(values: Array) -> np.ndarray:
    """The length of every cell in bytes (read from the offsets, no copy)."""
    parts = [np.diff(_offsets(c)) for c in _chunks(values) if len(c)]
    return np.concatenate(parts) if parts else np.zeros(0, np.int64)


def empty(values: Array) -> np.ndarray:
    return lengths(values) == 0


def leading_bytes(values: Array, width: int) -> tuple[np.ndarray, np.ndarray]:
    """The first ``width`` bytes of every cell (zero after its end) as an (n, width) matrix, and the lengths."""
    mats, lens = [], []
    for chunk in _chunks(values):
        if not len(chunk):
            continue
        offs = _offsets(chunk)
        buffer = chunk.buffers()[2]
        data = np.frombuffer(buffer, dtype=np.uint8) if buffer is not None and buffer.size else np.zeros(1, np.uint8)
        size = np.diff(offs)
        at = np.minimum(offs[:-1, None] + np.arange(width), len(data) - 1)
        mats.append(np.where(np.arange(width) < size[:, None], data[at], 0).astype(np.uint8))
        lens.append(size)
    if not mats:
        return np.zeros((0, width), np.uint8), np.zeros(0, np.int64)
    return np.concatenate(mats), np.concatenate(lens)


def group_ids(columns: list[Array]) -> np.ndarray:
    """Per row, a number for its cells in ``columns``: 0 for the first distinct combination met, 1 for the next…"""
    ids: np.ndarray | None = None
    for values in columns:
        distinct = pc.unique(values)
        these = np.asarray(pc.index_in(values, distinct).to_numpy(), dtype=np.int64)
        if ids is not None:
            combined = pa.array(ids * (len(distinct) + 1) + these)
            these = np.asarray(pc.index_in(combined, pc.unique(combined)).to_numpy(), dtype=np.int64)
        ids = these
    return ids if ids is not None else np.zeros(0, np.int64)


def index_in(values: Array, value_set: Array) -> np.ndarray:
    """``pc.index_in(values, value_set)`` as numpy (-1 where absent): the first position of each cell in ``value_set``.

    Arrow hashes the whole value set on every call: 11-27 ms for the 100,000 record ids, and the rules look up a
    dozen columns in them, most of whose cells are empty or repeat (parents, record ids of status changes). When
    the column has fewer distinct cells than the set, the set is scanned once for them (hashing only those), and
    the column's distinct cells looked up among the few found. Either way the column is hashed once (``encode``)
    and only its distinct cells are looked up."""
    if values.null_count:  # (table cells have none: "" for an empty cell)
        return _positions(pc.index_in(values, value_set))
    distinct, at = encode(values)
    if len(distinct) * 4 >= len(value_set):
        return _positions(pc.index_in(distinct, value_set))[at]
    where = np.flatnonzero(bools(pc.is_in(value_set, distinct)))  # the set's cells that occur in the column, in order
    if not len(where):
        return np.full(len(at), -1, np.int64)
    found = _positions(pc.index_in(distinct, value_set.take(pa.array(where, pa.int64()))))
    return np.where(found >= 0, where[np.maximum(found, 0)], -1)[at]


def _positions(found: Array) -> np.ndarray:
    return np.asarray(found.fill_null(-1).to_numpy(zero_copy_only=False), dtype=np.int64)


_MIX = np.random.default_rng(12).integers(1, 2**63, size=64, dtype=np.uint64) | np.uint64(1)


def distinct_rows(key: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """First row of each distinct row of an int64 matrix, and each row's group: by a hash of the row, checked."""
    with np.errstate(over="ignore"):
        mixed = (key.astype(np.uint64) * np.resize(_MIX, key.shape[1])).sum(axis=1, dtype=np.uint64)
    _, first, back = np.unique(mixed, return_index=True, return_inverse=True)
    back = back.reshape(-1)
    if not (key[first][back] == key).all():  # two different rows with one hash: sort the rows themselves
        rows = np.ascontiguousarray(key).view(np.dtype((np.void, 8 * key.shape[1]))).ravel()
        _, first, back = np.unique(rows, return_index=True, return_inverse=True)
    return first, back.reshape(-1)


def first_rows(ids: np.ndarray) -> np.ndarray:
    """Per row, the position of the first row of its group (groups numbered in order of first appearance)."""
    if not len(ids):
        return ids
    seen = np.maximum.accumulate(np.concatenate([[-1], ids[:-1]]))
    return np.flatnonzero(ids > seen)[ids]


def _fallback(values: Array, rows: np.ndarray, parse: Callable[[str], object]) -> list[tuple[int, object]]:
    """The per-cell answer for the given rows: (row, parsed value or None when it does not parse)."""
    texts = values.take(pa.array(rows, pa.int64())).to_pylist() if len(rows) else []
    out = []
    for row, text in zip(rows.tolist(), texts, strict=True):
        try:
            out.append((row, parse(text)))
        except ValueError:
            out.append((row, None))
    return out


def _months(year: np.ndarray, month: np.ndarray) -> np.ndarray:
    """Months since 1970-01 (month 13 is January of the next year)."""
    return (year - EPOCH_YEAR) * 12 + (month - 1)


def _day_of(months: np.ndarray) -> np.ndarray:
    """The first day of each month (months since 1970-01)."""
    return months.astype("datetime64[M]").astype("datetime64[D]")


def _month_days(months: np.ndarray) -> np.ndarray:
    return (_day_of(months + 1) - _day_of(months)).astype(np.int64)


def _digits(mat: np.ndarray, first: int, count: int) -> tuple[np.ndarray, np.ndarray]:
    """The number written at bytes [first, first + count) of each row, and whether they are all ASCII digits."""
    part = mat[:, first:first + count].astype(np.int64) - ord("0")
    return (part * 10 ** np.arange(count - 1, -1, -1)).sum(axis=1), ((part >= 0) & (part <= 9)).all(axis=1)


def _ymd(values: Array, widths: tuple[int, ...]) -> tuple[np.ndarray, ...]:
    """Cells written YYYY, YYYY-MM or YYYY-MM-DD in ASCII (of the byte ``widths`` allowed): which are, the year, the
    month and the day (0 where absent), and whether month and day are given."""
    mat, size = leading_bytes(values, 10)
    year, ok_y = _digits(mat, 0, 4)
    month, ok_m = _digits(mat, 5, 2)
    day, ok_d = _digits(mat, 8, 2)
    dash = ord("-")
    form = np.isin(size, widths) & ok_y
    form &= (size < 7) | ((mat[:, 4] == dash) & ok_m)
    form &= (size < 10) | ((mat[:, 7] == dash) & ok_d)
    has_month, has_day = size >= 7, size >= 10
    return form, year, np.where(has_month, month, 0), np.where(has_day, day, 0), has_month, has_day


@dataclass(frozen=True)
class Dates:
    """A column of partial dates: first and last possible day (NaT where empty or not a date)."""

    first: np.ndarray  # datetime64[D]
    last: np.ndarray
    ok: np.ndarray  # a readable date
    blank: np.ndarray  # an empty cell

    @property
    def bad(self) -> np.ndarray:
        """Cells that are neither empty nor a date."""
        return ~self.ok & ~self.blank


def parse_dates(values: Array) -> Dates:
    """``PartialDate.parse`` of every cell (``YYYY``, ``YYYY-MM``, ``YYYY-MM-DD``)."""
    n = len(values)
    blank = empty(values)
    matched, year, month, day, has_month, has_day = _ymd(values, (4, 7, 10))
    # Year 0 is no calendar year: left to the per-cell rule, like every cell the pattern does not cover.
    plain = matched & (year >= 1) & (~has_month | ((month >= 1) & (month <= 12))) & (~has_day | (day >= 1))
    first, last = np.full(n, NAT), np.full(n, NAT)
    y, m, d = year[plain], month[plain], day[plain]
    first_month, last_month = _months(y, np.where(m == 0, 1, m)), _months(y, np.where(m == 0, 12, m))
    ok_day = (d == 0) | (d <= _month_days(first_month))
    start = _day_of(first_month) + np.maximum(d, 1) - 1
    first[plain] = start
    last[plain] = np.where(d == 0, _day_of(last_month + 1) - 1, start)
    ok = np.zeros(n, dtype=bool)
    ok[np.flatnonzero(plain)[ok_day]] = True
    first[plain & ~ok] = NAT
    last[plain & ~ok] = NAT
    odd = np.flatnonzero(~plain & ~blank)
    for row, parsed in _fallback(values, odd, PartialDate.parse):
        if isinstance(parsed, PartialDate):
            try:
                first[row], last[row] = np.datetime64(parsed.first, "D"), np.datetime64(parsed.last, "D")
            except ValueError:  # year 0: a partial date with no first day; the per-cell rules report it
                continue
            ok[row] = True
    return Dates(first, last, ok, blank)


def parse_days(values: Array) -> tuple[np.ndarray, np.ndarray]:
    """``date.fromisoformat`` of every cell: (day or NaT, readable)."""
    n = len(values)
    matched, year, month, day, _, _ = _ymd(values, (10,))
    plain = matched & (year >= 1) & (month >= 1) & (month <= 12) & (day >= 1)
    out = np.full(n, NAT)
    months = _months(year[plain], month[plain])
    fits = day[plain] <= _month_days(months)
    rows = np.flatnonzero(plain)[fits]
    out[rows] = (_day_of(months) + day[plain] - 1)[fits]
    ok = np.zeros(n, dtype=bool)
    ok[rows] = True
    odd = np.flatnonzero(~plain & ~empty(values))
    for row, parsed in _fallback(values, odd, dt.date.fromisoformat):
        if parsed is not None:
            out[row], ok[row] = np.datetime64(parsed, "D"), True
    return out, ok


NUMBER_PATTERN = r"^[+-]?(?:[0-9]{1,30}(?:\.[0-9]{0,30})?|\.[0-9]{1,30})(?:[eE][+-]?[0-9]{1,2})?$"


def parse_numbers(values: Array) -> tuple[np.ndarray, np.ndarray]:
    """``float`` of every cell: (value or NaN, readable)."""
    plain = bools(pc.match_substring_regex(values, NUMBER_PATTERN))
    out = np.full(len(values), np.nan)
    if plain.any():
        picked = pc.filter(values, pa.array(plain))
        out[plain] = pc.cast(picked, pa.float64()).to_numpy()
    ok = plain.copy()
    odd = np.flatnonzero(~plain & ~empty(values))
    for row, parsed in _fallback(values, odd, float):
        if parsed is not None:
            out[row], ok[row] = parsed, True
    return out, ok


@dataclass(frozen=True)
class Items:
    """A list column flattened: item ``k`` belongs to row ``parents[k]``; rows keep their items in order."""

    parents: np.ndarray
    items: pa.ChunkedArray
    rows: int

    def counts(self) -> np.ndarray:
        return np.bincount(self.parents, minlength=self.rows)


def split_items(values: Array, sep: str) -> Items:
    """``split_list(cell, sep)`` of every cell, flattened (items stripped, empty items dropped)."""
    lists = flat(pc.split_pattern(values, sep))
    parents = np.asarray(pc.list_parent_indices(lists).to_numpy(), dtype=np.int64)
    items = strip(pc.list_flatten(lists))
    keep = ~empty(items)
    if not keep.all():
        items, parents = items.filter(pa.array(keep)), parents[keep]
    return Items(parents, items, len(values))


SAMPLE = 2048  # cells looked at first (``per_distinct``): finding the distinct cells of all costs 6 ms a 6 MB column


def per_distinct(values: Array, parse: Callable[[Array], T]) -> T:
    """``parse(values)``, worked out on the column's distinct cells and spread back to every cell when those are few
    (a quarter of the cells or fewer: dates, days and coordinates repeat; a 25,000-record synthetic file has under
    ten distinct starts, and parsing them all took 9 ms a column, 2026-12-07; the rules' text searches, 15-18 ms a
    column of free text). ``parse`` gives a numpy array per cell, or a tuple or dataclass of them."""
    if values.null_count or (len(values) > 4 * SAMPLE and len(pc.unique(values.slice(0, SAMPLE))) * 4 > SAMPLE):
        return parse(values)  # a sample of cells mostly distinct: the whole column most likely too
    distinct, at = encode(values)
    if len(distinct) * 4 > len(values):
        return parse(values)
    return _spread(parse(distinct), at)


def encode(values: Array) -> tuple[pa.Array, np.ndarray]:
    """The distinct cells of a column without nulls (in order of first appearance) and each cell's position among
    them, in one hashing pass (``pc.unique`` then ``pc.index_in`` hash the column twice)."""
    encoded = pc.dictionary_encode(values)
    chunks = [c for c in (encoded.chunks if isinstance(encoded, pa.ChunkedArray) else [encoded]) if len(c)]
    if not chunks:
        return pa.array([], values.type), np.zeros(0, np.int64)
    distinct = chunks[-1].dictionary
    if any(c.dictionary.buffers()[1].address != distinct.buffers()[1].address for c in chunks):  # the offsets
        distinct = pc.unique(values)  # chunks encoded each with its own dictionary: looked up in one
        return distinct, np.asarray(pc.index_in(values, distinct).to_numpy(zero_copy_only=False), np.int64)
    return distinct, np.concatenate([np.asarray(c.indices.to_numpy(zero_copy_only=False), np.int64) for c in chunks])


def _spread(result: T, at: np.ndarray) -> T:
    if isinstance(result, np.ndarray):
        return result[at]  # type: ignore[return-value]
    if isinstance(result, tuple):
        return tuple(_spread(r, at) for r in result)  # type: ignore[return-value]
    return dataclasses.replace(result, **{f.name: _spread(getattr(result, f.name), at) for f in dataclasses.fields(result)})  # type: ignore[call-overload]


def per_unique(values: Array, build: Callable[[str], object]) -> np.ndarray:
    """``build(cell)`` for every cell, computed once per distinct cell (an object array sharing the results)."""
    distinct, at = encode(values)
    built = np.empty(len(distinct), dtype=object)
    for k, cell in enumerate(distinct.to_pylist()):
        built[k] = build(cell)
    return built[at]


def to_dates(days: np.ndarray) -> np.ndarray:
    """datetime64[D] values as an object array of ``datetime.date`` (None for NaT)."""
    return days.astype("datetime64[D]").astype(object)


def column_list(values: pd.Series) -> list:
    """A column's values as Python objects, converted at once (see ``row_dicts``)."""
    array = values.array
    return array.__arrow_array__().to_pylist() if hasattr(array, "__arrow_array__") else np.asarray(array).tolist()


def row_dicts(frame: pd.DataFrame) -> list[dict]:
    """The frame's rows as dicts, as ``frame.to_dict("records")`` gives them, made a column at a time.

    pandas converts an Arrow-backed text column by boxing every cell in Python (at 100,000 records the catalog
    took 10.9 s, three quarters of building the live map's data); Arrow's own ``to_pylist`` does it in C. Other
    columns convert with ``tolist()`` (Python scalars, objects as they are). Missing text reads as None."""
    names = [str(c) for c in frame.columns]
    values = [column_list(frame[name]) for name in frame.columns]
    return [dict(zip(names, row, strict=True)) for row in zip(*values, strict=True)] if names else [{} for _ in range(len(frame))]
