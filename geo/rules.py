"""Cell rules: what each kind of column accepts, checked a column at a time.

Each rule exists twice, on purpose:

- ``check_cell`` (and ``check_text``) say, for one cell, what was expected. They are the only place a cell
  message is written, so every message reads exactly as it always has.
- ``suspects`` finds, a whole column at once (Arrow kernels, numpy), the cells a rule may reject: a superset of
  the cells ``check_cell`` rejects, exact wherever it is cheap. Only those cells are looked at one by one.

``cell_problems`` puts the two together for a table; a property test (tests/geo/test_columnar.py) checks the
result against a per-row reference checker on random data.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from geo.columns import TEXT, WHITESPACE, bools, empty, index_in, matches, per_distinct, split_items
from geo.errors import Problem
from geo.io import RawTable
from geo.schema import (
    CONFIDENCES,
    PARTNER_FILE,
    PRECISIONS,
    ROUTES,
    SENSITIVITIES,
    STATUSES,
    URL_PATTERN,
    Column,
    Kind,
    PartialDate,
    split_list,
    split_urls,
)


@dataclass
class Context:
    """What cell checks need to know about the other files: partner codes and record ids (Arrow arrays)."""

    codes: pa.Array
    ids: pa.Array
    today: dt.date = field(default_factory=dt.date.today)

    @cached_property
    def partner_codes(self) -> set[str]:
        return set(self.codes.to_pylist())

    @cached_property
    def all_ids(self) -> set[str]:
        return set(self.ids.to_pylist())


CHOICES: dict[Kind, tuple[str, ...]] = {
    Kind.STATUS: STATUSES,
    Kind.CONFIDENCE: CONFIDENCES,
    Kind.SENSITIVITY: SENSITIVITIES,
    Kind.PRECISION: PRECISIONS,
}
CONTEXT_KINDS = frozenset({Kind.CODES, Kind.CODE, Kind.REF})  # rules that read other files

# --- free text: no markup, no control characters (issue 11) -----------------------------------------------

_WS = re.escape(WHITESPACE)
# A tag (<svg, </script, <!--, <?xml), a character reference (&#60; &lt;), a script URL, a data URL.
MARKUP = re.compile(
    rf"<[A-Za-z/!?]|&(?:#[0-9]+|#[xX][0-9A-Fa-f]+|[A-Za-z][A-Za-z0-9]*);|(?:java|vb)script[{_WS}]*:|data:[^\s,]*,",
    re.IGNORECASE,
)
# C0 and C1 controls (line breaks and tabs included: a cell is one line) and the bidirectional overrides and
# isolates that make text display in another order than it is stored.
CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
URL_MARKUP = re.compile(r"[<>\"`]")
PLAIN_TEXT = "plain text: no markup (HTML tags, character references, script or data URLs) and no control characters"
PLAIN_URLS = "http(s) URLs without markup or control characters"


def check_text(value: str, url: bool = False) -> tuple[str, str] | None:
    """(expected, found) if a free-text cell (``url``: a sources cell) holds markup or a control character."""
    control = CONTROL.search(value)
    if control:
        return (PLAIN_URLS if url else PLAIN_TEXT), f"control character U+{ord(control.group()):04X} at character {control.start() + 1}"
    markup = (URL_MARKUP if url else MARKUP).search(value)
    if markup:
        return (PLAIN_URLS if url else PLAIN_TEXT), f"markup {value[markup.start():markup.start() + 20]!r} at character {markup.start() + 1}"
    return None


# Sources that pass for certain: printable ASCII without markup characters, URLs of URL_PATTERN's form apart.
_HOST = r"[!$-.0-;=@-Z\[\\\]^_a-z{|}~]"  # printable ASCII but / ? # < > " `
_SAFE_URL = rf"https?://{_HOST}+\.{_HOST}+(?:[/?#][!#-;=?-_a-~]*)?"  # the path: printable ASCII but < > " `
_SAFE_URLS = rf"^{_SAFE_URL}(?: +{_SAFE_URL})*$"
# Superset of MARKUP and CONTROL in RE2 syntax: the characters that start them, script/data URL prefixes, and
# the non-ASCII letters that ignore-case matching treats as ASCII ones (ſ, K, İ, ı).
_SUSPECT_TEXT = r"[<&\x00-\x1f\x{7f}-\x{9f}\x{202a}-\x{202e}\x{2066}-\x{2069}\x{17f}\x{212a}\x{130}\x{131}]|(?i:script|data:)"


# --- one cell ---------------------------------------------------------------------------------------------


def check_cell(col: Column, value: str, ctx: Context) -> str | None:
    """Return what was expected if ``value`` breaks the column's rule, else None. Empty cells pass here."""
    if value == "":
        return None
    kind = col.kind
    if kind is Kind.ID:
        return None  # checked with duplicates, elsewhere
    if kind is Kind.DATE:
        try:
            PartialDate.parse(value)
        except ValueError as exc:
            return str(exc).removeprefix("expected ")
        return None
    if kind is Kind.DAY:
        try:
            day = dt.date.fromisoformat(value)
        except ValueError:
            return "a full date YYYY-MM-DD"
        if day > ctx.today:
            return "a date not in the future"
        return None
    if kind in (Kind.CODES, Kind.CODE):
        codes = split_list(value) if kind is Kind.CODES else (value,)
        unknown = [c for c in codes if c not in ctx.partner_codes]
        if unknown:
            return f"partner codes listed in {PARTNER_FILE} (unknown: {';'.join(unknown)})"
        if len(set(codes)) != len(codes):
            return "each code once"
        return None
    if kind is Kind.ROUTES:
        unknown = [r for r in split_list(value) if r not in ROUTES]
        return f"route ids {sorted(ROUTES)} (unknown: {';'.join(unknown)})" if unknown else None
    if kind is Kind.URLS:
        bad = [u for u in split_urls(value) if not URL_PATTERN.match(u)]
        return f"http(s) URLs separated by spaces (malformed: {bad[0]!r})" if bad else None
    choices = CHOICES.get(kind, col.choices if kind is Kind.CHOICE else None)
    if choices is not None:
        return f"one of {', '.join(choices)}" if value not in choices else None
    if kind in (Kind.LAT, Kind.LON, Kind.NUMBER):
        try:
            number = float(value)
        except ValueError:
            return "a number"
        limit = {Kind.LAT: 90.0, Kind.LON: 180.0}.get(kind)
        if limit is not None and not -limit <= number <= limit:
            return f"a {'latitude' if kind is Kind.LAT else 'longitude'} between -{limit:g} and {limit:g}"
        if kind is Kind.NUMBER and number < 0:
            return "a non-negative number"
        return None
    if kind is Kind.REF:
        return None if value in ctx.all_ids else "the id of a record in the data"
    return None  # TEXT: see check_text


def cell_problem(file: str, row: int, col: Column, value: str, ctx: Context) -> Problem | None:
    """The problem of one non-empty cell, if any: its kind's rule, then (text and sources) the plain-text rule."""
    expected = check_cell(col, value, ctx)
    if expected:
        return Problem(file, row, col.name, expected, repr(value))
    if col.kind in (Kind.TEXT, Kind.URLS):
        found = check_text(value, url=col.kind is Kind.URLS)
        if found:
            return Problem(file, row, col.name, found[0], found[1])
    return None


def check_period(file: str, row: int, start: str, end: str) -> list[Problem]:
    """An end before the start (cells that are no dates are reported by the cell rules)."""
    try:
        first = PartialDate.parse(start) if start else None
        last = PartialDate.parse(end) if end else None
    except ValueError:
        return []
    if first and last and last.last < first.first:
        return [Problem(file, row, "end", f"an end on or after the start ({first})", str(last))]
    return []


# --- a column at a time -----------------------------------------------------------------------------------


def _rows_of(items_parents: np.ndarray, bad: np.ndarray, n: int) -> np.ndarray:
    out = np.zeros(n, dtype=bool)
    out[items_parents[bad]] = True
    return out


def _list_suspects(values: pa.ChunkedArray, sep: str | None, allowed: pa.Array, unique: bool) -> np.ndarray:
    """Rows with an item not in ``allowed`` or (``unique``) an item twice."""
    items = split_items(values, sep)
    index = np.asarray(pc.index_in(items.items, allowed).fill_null(-1).to_numpy())
    out = _rows_of(items.parents, index < 0, items.rows)
    if unique and len(index):
        key = items.parents * (len(allowed) + 1) + index
        order = np.sort(key)
        dup = order[1:][order[1:] == order[:-1]]
        out[dup // (len(allowed) + 1)] = True
    return out


def suspects(table: RawTable, col: Column, ctx: Context) -> np.ndarray:
    """Rows of ``col`` that its rule (or the plain-text rule) may reject; empty cells excluded."""
    values = table.column(col.name)
    kind = col.kind
    n = len(values)
    if kind is Kind.TEXT:
        out = per_distinct(values, lambda v: matches(v, _SUSPECT_TEXT))
    elif kind is Kind.URLS:
        out = per_distinct(values, lambda v: ~bools(pc.match_substring_regex(v, _SAFE_URLS)))
    elif kind is Kind.DATE:
        out = table.dates(col.name).bad
    elif kind is Kind.DAY:
        days, ok = table.days(col.name)
        out = ~ok | (days > np.datetime64(ctx.today, "D"))
    elif kind is Kind.CODES:
        out = per_distinct(values, lambda v: _list_suspects(v, ";", ctx.codes, unique=True))
    elif kind is Kind.CODE:
        out = ~bools(pc.is_in(values, ctx.codes))
    elif kind is Kind.ROUTES:
        out = per_distinct(values, lambda v: _list_suspects(v, ";", pa.array(list(ROUTES), TEXT), unique=False))
    elif kind in CHOICES or kind is Kind.CHOICE:
        out = ~bools(pc.is_in(values, pa.array(list(CHOICES.get(kind, col.choices)), TEXT)))
    elif kind in (Kind.LAT, Kind.LON, Kind.NUMBER):
        number, ok = table.numbers(col.name)
        limit = {Kind.LAT: 90.0, Kind.LON: 180.0}.get(kind)
        with np.errstate(invalid="ignore"):
            out = ~ok | (~(np.abs(number) <= limit) if limit is not None else number < 0)
    elif kind is Kind.REF:
        out = index_in(values, ctx.ids) < 0
    else:  # ID: checked with duplicates
        out = np.zeros(n, dtype=bool)
    return out & ~table.memo(("empty", col.name), lambda: empty(values))


Keyed = list[tuple[tuple[int, int], Problem]]  # (position, column number): sorted by row number, then column


def column_problems(table: RawTable, columns: tuple[Column, ...], ctx: Context, context: bool) -> Keyed:
    """Cell problems of the columns whose rule reads other files (``context``) or of the others, keyed."""
    out: Keyed = []
    rows = table.rows
    for ci, col in enumerate(columns):
        if (col.kind in CONTEXT_KINDS) != context:
            continue
        blank = table.memo(("empty", col.name), lambda c=col: empty(table.column(c.name)))
        if col.required:
            out += [((int(k), ci), Problem(table.file, int(rows[k]), col.name, "a value", "an empty cell")) for k in np.flatnonzero(blank)]
        picked = np.flatnonzero(suspects(table, col, ctx))
        if len(picked):
            texts = table.column(col.name).take(pa.array(picked)).to_pylist()
            for k, value in zip(picked.tolist(), texts, strict=True):
                problem = cell_problem(table.file, int(rows[k]), col, value, ctx)
                if problem:
                    out.append(((k, ci), problem))
    if not context and {"start", "end"} <= {c.name for c in columns}:
        start = table.dates("start")
        end = table.dates("end")
        with np.errstate(invalid="ignore"):
            reversed_ = np.flatnonzero(start.ok & end.ok & (end.last < start.first))
        if len(reversed_):
            starts = table.column("start").take(pa.array(reversed_)).to_pylist()
            ends = table.column("end").take(pa.array(reversed_)).to_pylist()
            for k, a, b in zip(reversed_.tolist(), starts, ends, strict=True):
                out += [((k, len(columns)), p) for p in check_period(table.file, int(rows[k]), a, b)]
    return out


def local_problems(table: RawTable, columns: tuple[Column, ...], today: dt.date) -> Keyed:
    """The cell problems of the rules that read only this table (once per read of it and per day)."""
    ctx = Context(pa.array([], TEXT), pa.array([], TEXT), today)  # these rules read no other file
    return table.memo(("cells", columns, today), lambda: column_problems(table, columns, ctx, context=False))


def cell_problems(table: RawTable, columns: tuple[Column, ...], ctx: Context) -> list[Problem]:
    """Required cells and per-cell rules, plus period order, for one table, in row order.

    The rules that read only this table are computed once per read of it (memoised on the table: an unchanged
    file keeps them across reloads); the ones that read partner codes or record ids are re-run every time.
    """
    keyed = local_problems(table, columns, ctx.today) + column_problems(table, columns, ctx, context=True)
    keyed.sort(key=lambda kp: (kp[1].row, kp[0][1]))  # the order of a scan of the file, row by row
    return [p for _, p in keyed]
