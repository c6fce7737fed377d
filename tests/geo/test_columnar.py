"""The column-wise validator agrees with the per-row reference (tests/geo/reference.py) on random data sets."""

from __future__ import annotations

import shutil
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import geo
from geo.catalog import in_catalog_order
from geo.schema import INSTRUMENTS, SUPPORT_FILES, Kind
from geo.validate import check_tables, read_all
from tests.fixtures import base_tables, write_dataset
from tests.geo import reference

FILES = {f.file: f.columns for f in SUPPORT_FILES} | {i.file: i.columns for i in INSTRUMENTS}

# Values per kind of column: valid ones, broken ones, and the payloads of issue 11.
MARKUP = ["<svg><script>alert(41)</script></svg>", "<img src=x onerror=alert(1)>", '<a href="https://x.org">x</a>',
          "<form action=https://x.org>", "javascript:alert(1)", "JaVaScRiPt :alert(1)", "data:text/html,<b>x</b>",
          "a &lt;b&gt; c", "&#60;script", "tab\there", "bell\x07", "right\u202eleft", "5 < 10 km", "AT&T", "the description",
          "Chișinău – Odesa", "İstanbul", " padded ", "data: 2021 figures, rounded"]
POOLS: dict[Kind, list[str]] = {
    Kind.TEXT: ["", "plain text", *MARKUP],
    Kind.DATE: ["", "2009", "2009-05", "2009-05-31", "2009-02-30", "2009-13", "2021-00", "11/06/2007", "٢٠٠٩", "2030-01-01", "1999", "2014-07"],
    Kind.DAY: ["", "2026-11-01", "2026-11", "2999-01-01", "20261101", "2023-02-29", "2024-02-29"],
    Kind.CODES: ["", "SRB", "SRB;MKD", "SRB;SRB", "XXX", " SRB ; ALB ", ";", "MDA;UKR", "MDA;NER", "MKD"],
    Kind.CODE: ["SRB", "XXX", "MKD", ""],
    Kind.ROUTES: ["", "western-balkan", "atlantis", "western-balkan;channel", "channel;channel"],
    Kind.URLS: ["", "https://example.org/a", "www.example.org", "https://ok.example.org/a ftp://x.org", "javascript:alert(1)",
                "data:text/html;base64,PHN2Zz4=", "https://example.org/<script>", 'https://x.org/"onmouseover=x',
                "https://a.org/\x07x", "https://exämple.org/x", "https://a.org/x  https://b.org/y"],
    Kind.LAT: ["", "44.8", "95", "east", "-90", "nan", "1e1", "46.5", "13.5", "٤٤"],
    Kind.LON: ["", "20.46", "181", "28.02", "27.0", "2.1", "1_0"],
    Kind.NUMBER: ["", "1000", "-5", "four", "1_000", "2.5e3"],
    Kind.REF: ["", "sa-alb-1", "sa-nowhere", "wa-srb", "cp-kuch"],
    Kind.ID: ["wa-srb", "DL Rabat", "x-new", "ev-visit"],
}


def pool(file: str, column: str) -> list[str]:
    col = next(c for c in FILES[file] if c.name == column)
    if col.kind is Kind.CHOICE:
        return ["", *col.choices, "boss"]
    return POOLS.get(col.kind, ["", "x"])


edit = st.sampled_from(sorted(FILES)).flatmap(lambda f: st.tuples(
    st.just(f), st.integers(0, 3), st.sampled_from([c.name for c in FILES[f]]).flatmap(
        lambda c: st.tuples(st.just(c), st.sampled_from(pool(f, c)))), st.sampled_from(["set", "set", "set", "copy", "drop", "many"])))


def apply_edits(edits: list) -> dict[str, list[dict[str, str]]]:
    tables = base_tables()
    for file, index, (column, value), how in edits:
        rows = tables[file]
        if not rows:
            continue
        k = index % len(rows)
        if how == "copy":
            rows.append(dict(rows[k]))
        elif how == "many":  # a column whose cells repeat: its rules run once per distinct cell (columns.per_distinct)
            rows.extend(dict(rows[k]) for _ in range(12))
        elif how == "drop":
            rows.pop(k)
        else:
            rows[k][column] = value
    return tables


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(edit, min_size=1, max_size=8))
def test_column_wise_rules_find_what_the_per_row_rules_find(edits: list) -> None:
    directory = Path(tempfile.mkdtemp(prefix="bb-columnar-"))
    try:
        data = write_dataset(directory / "data", apply_edits(edits))
        expected = reference.validate(data)
        assert geo.validate(data).problems == expected
        tables, problems = read_all(data)  # the loader keeps instrument rows in catalog order: same problems
        assert problems + check_tables(in_catalog_order(tables)) == expected
        with ThreadPoolExecutor(max_workers=2) as pool:  # the rules side by side, as the loader runs them
            assert problems + check_tables(tables, pool=pool) == expected
    finally:
        shutil.rmtree(directory)


def test_rules_run_once_per_distinct_cell_find_every_bad_copy(tmp_path: Path) -> None:
    """Files whose rows repeat (their rules run once per distinct cell) with a few bad rows among the copies."""
    tables = base_tables()
    bad = {"name": "<b>x</b>", "partners": "SRB;XXX", "routes": "atlantis", "sources": "javascript:alert(1)",
           "start": "2009-13", "checked": "2999-01-01", "description": "tab\there"}
    for file in ("working_arrangements.csv", "liaison_officers.csv", "events.csv", "risk_networks.csv"):
        first = tables[file][0]
        copies = [{**first, "id": f"{first['id']}-{n}"} for n in range(40)]
        for n, (column, value) in enumerate(bad.items()):
            if column in first:
                copies[5 + 4 * n][column] = value
        tables[file] += copies
    data = write_dataset(tmp_path / "data", tables)
    expected = reference.validate(data)
    assert len(expected) > 20 and geo.validate(data).problems == expected


def test_the_reference_agrees_on_the_shipped_data() -> None:
    assert geo.validate(geo.settings.DEFAULT_DATA_DIR).problems == reference.validate(geo.settings.DEFAULT_DATA_DIR)


# --- the column-wise parsers agree with the per-cell ones -------------------------------------------------

import datetime as dt  # noqa: E402

import numpy as np  # noqa: E402
import pyarrow as pa  # noqa: E402

from geo import columns  # noqa: E402
from geo.schema import PartialDate, split_list  # noqa: E402

date_like = st.one_of(
    st.from_regex(r"\A[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?\Z"),
    st.sampled_from(["", "2009", "2024-02-29", "2023-02-29", "0000", "0001-01", "9999-12-31", "٢٠٠٩", "2009-1", " 2009", "20261101",
                     "2026-W01-1", "1_0", "nan", "-1.5e3", ".5", "1e999", "+3", "4.", "١٫٥"]),
    st.text(alphabet="0123456789-.eE+_ ;ABCxyz\u00a0\u2003", max_size=12),
)


def _partial(text: str) -> tuple | None:
    try:
        p = PartialDate.parse(text)
        return (np.datetime64(p.first, "D"), np.datetime64(p.last, "D"))
    except ValueError:
        return None


@settings(max_examples=300, deadline=None)
@given(st.lists(date_like, max_size=30))
def test_column_parsers_agree_with_the_cell_parsers(cells: list[str]) -> None:
    values = pa.chunked_array([pa.array(cells[: len(cells) // 2], pa.string()), pa.array(cells[len(cells) // 2 :], pa.string())])
    dates = columns.parse_dates(values)
    days, days_ok = columns.parse_days(values)
    numbers, numbers_ok = columns.parse_numbers(values)
    for k, text in enumerate(cells):
        want = _partial(text) if text else None
        assert (dates.ok[k], dates.blank[k]) == (want is not None, text == ""), text
        if want:
            assert (dates.first[k], dates.last[k]) == want, text
        try:
            day = np.datetime64(dt.date.fromisoformat(text), "D")
        except ValueError:
            day = None
        assert days_ok[k] == (day is not None) and (day is None or days[k] == day), text
        try:
            number = float(text)
        except ValueError:
            number = None
        assert numbers_ok[k] == (number is not None) and (number is None or np.isnan(number) or numbers[k] == number), text


@settings(max_examples=200, deadline=None)
@given(st.lists(date_like, min_size=1, max_size=12), st.integers(1, 6), st.integers(0, 40))
def test_parsing_the_distinct_cells_gives_what_parsing_every_cell_gives(cells: list[str], times: int, cut: int) -> None:
    """Columns whose cells repeat (parsed once per distinct cell) and columns where they do not (parsed whole)."""
    import dataclasses

    many = cells * times
    values = pa.chunked_array([pa.array(many[:cut], pa.large_string()), pa.array(many[cut:], pa.large_string())])
    for parse in (columns.parse_dates, columns.parse_days, columns.parse_numbers):
        want, got = parse(values), columns.per_distinct(values, parse)
        as_tuple = dataclasses.astuple if dataclasses.is_dataclass(want) else tuple
        for a, b in zip(as_tuple(want), as_tuple(got), strict=True):
            assert a.dtype == b.dtype and np.array_equal(a, b, equal_nan=a.dtype.kind != "b"), (parse.__name__, many)


def test_long_columns_distinct_or_repeated_parse_as_cell_by_cell() -> None:
    """Past ``SAMPLE * 4`` cells a sample decides first: mostly distinct cells, a column whose distinct cells are
    few but come late, and one that repeats throughout."""
    import dataclasses

    n = 4 * columns.SAMPLE + 100
    distinct = [f"{k}.5" if k % 3 else f"2020-{1 + k % 12:02d}-{1 + k % 28:02d}" for k in range(n)]
    late = ["2021"] * columns.SAMPLE + [f"{k % 50}" for k in range(n)]
    repeated = ["2020-02-30", "", "1e3", "2019-12", "x"] * (n // 5)
    for cells in (distinct, late, repeated):
        values = pa.chunked_array([pa.array(cells, pa.large_string())])
        for parse in (columns.parse_dates, columns.parse_days, columns.parse_numbers):
            want, got = parse(values), columns.per_distinct(values, parse)
            as_tuple = dataclasses.astuple if dataclasses.is_dataclass(want) else tuple
            for a, b in zip(as_tuple(want), as_tuple(got), strict=True):
                assert np.array_equal(a, b, equal_nan=a.dtype.kind != "b"), parse.__name__


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet="AB ;\t\u00a0\u2003x", max_size=10), max_size=20), st.integers(0, 20))
def test_lists_and_stripping_agree_with_the_cell_functions(cells: list[str], cut: int) -> None:
    values = pa.chunked_array([pa.array(cells, pa.string())])
    whole = pa.array(cells, pa.large_string())  # chunks that are slices of one buffer, as the CSV reader may give
    assert columns.strip(pa.chunked_array([whole.slice(0, cut), whole.slice(cut)])).to_pylist() == [c.strip() for c in cells]
    items = columns.split_items(values, ";")
    got: list[list[str]] = [[] for _ in cells]
    for parent, item in zip(items.parents.tolist(), items.items.to_pylist(), strict=True):
        got[parent].append(item)
    assert [tuple(g) for g in got] == [split_list(c) for c in cells]
    assert columns.strip(values).to_pylist() == [c.strip() for c in cells]
    ids = columns.group_ids([values])
    first = {c: n for n, c in reversed(list(enumerate(cells)))}
    assert columns.first_rows(ids).tolist() == [first[c] for c in cells]


def test_whitespace_is_what_python_strips() -> None:
    assert "".join(chr(c) for c in range(0x110000) if chr(c).isspace()) == columns.WHITESPACE


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12) |
                st.sampled_from(["Chișinău", "Straße", "ΟΔΟΣ", "İstanbul", "ﬁnal", "Ⅻ", "Ǆ", "n\u0303", "Ångström", "plain ASCII"]),
                min_size=1, max_size=25))
def test_search_text_of_a_column_is_the_fold_of_each_cell(cells: list[str]) -> None:
    from geo.text import fold, fold_column

    assert fold_column(pa.chunked_array([pa.array(cells, pa.string())])).to_pylist() == [fold(c) for c in cells]


cell = st.one_of(st.text(alphabet='ab ,"\n\r\t\u00a0é;', max_size=6),  # anything, stray quotes and breaks included
                 st.text(alphabet="ab é;", max_size=6).map(lambda t: f'"{t}"'),  # properly quoted
                 st.text(alphabet='ab,"', max_size=6).map(lambda t: '"' + t.replace('"', '""') + '"'))
line = st.tuples(st.sampled_from([2, 2, 2, 2, 1, 3]).flatmap(lambda n: st.lists(cell, min_size=n, max_size=n)),
                 st.sampled_from(["\n", "\n", "\r\n", "\r", ""]))


@settings(max_examples=500, deadline=None)
@given(st.lists(line, min_size=1, max_size=8), st.booleans())
def test_the_fast_reader_reads_what_the_reference_reader_reads(lines: list, bom: bool) -> None:
    """Arrow reads a file only when it reads it exactly as Python's strict csv module does (else it declines)."""
    from geo.io import read_fast, read_rows

    columns = INSTRUMENTS[0].columns[:2]  # id, name
    text = "id,name\n" + "".join(",".join(cells) + end for cells, end in lines)
    data = ("\ufeff" if bom else "").encode() + text.encode("utf-8")
    fast = read_fast(data, "f.csv", columns)
    if fast is None:
        return
    slow = read_rows(data, "f.csv", columns)
    assert fast[1] == slow[1]
    assert (fast[0] is None) == (slow[0] is None)
    if fast[0] is not None:
        assert fast[0].cells.to_pydict() == slow[0].cells.to_pydict() and fast[0].rows.tolist() == slow[0].rows.tolist()


def test_row_dicts_are_what_pandas_gives_in_python_types() -> None:
    """``geo.row_dicts`` (a column at a time, for the live map's data at scale) gives every record as
    ``DataFrame.to_dict("records")`` does: same keys in the same order, equal values of the same Python types
    (text, tuples, bools, None for missing dates), on the whole shipped catalog."""
    import math

    records = geo.load_catalog(geo.data_dir()).records.drop(columns="geometry")
    expected, found = records.to_dict("records"), geo.row_dicts(records)
    assert len(found) == len(expected) == len(records)
    for want, got in zip(expected, found, strict=True):
        assert list(got) == list(want)
        for key, value in want.items():
            if value is None or (isinstance(value, float) and math.isnan(value)):
                assert got[key] is None or (isinstance(got[key], float) and math.isnan(got[key])), key
            else:
                assert got[key] == value and type(got[key]) is type(value), (key, value, got[key])
    assert {type(r["located"]) for r in found} == {bool} and {type(r["partners"]) for r in found} == {tuple}


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["", "a", "b", "c", "d", "e", "f", "g", "h"]), max_size=40),
       st.lists(st.sampled_from(["", "a", "b", "c", "zz", "h"]), max_size=30), st.integers(0, 3))
def test_lookup_in_a_large_set_is_arrows_index_in(value_set: list[str], cells: list[str], cut: int) -> None:
    """The first position of each cell in the set, -1 where absent, whichever side is hashed (duplicates in the set
    and empty cells included)."""
    import pyarrow.compute as pc

    values = pa.chunked_array([pa.array(cells[:cut], pa.large_string()), pa.array(cells[cut:], pa.large_string())])
    found = pa.array(value_set, pa.large_string())
    expected = pc.index_in(values, found).fill_null(-1).to_numpy(zero_copy_only=False).tolist()
    assert columns.index_in(values, found).tolist() == expected


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(alphabet="<&ascriptSCRIPTd: \u2066\u017f", max_size=8), max_size=30), st.integers(0, 30), st.integers(0, 30))
def test_searching_a_column_whole_finds_the_cells_a_search_per_cell_finds(cells: list[str], cut: int, end: int) -> None:
    """Chunks that are slices of one buffer (as the CSV reader gives) and matches that straddle two cells
    ("scr" + "ipt") included."""
    import pyarrow.compute as pc

    from geo.rules import _SUSPECT_TEXT

    whole = pa.array(cells, pa.large_string())
    values = pa.chunked_array([whole.slice(0, cut), whole.slice(cut, end), whole.slice(cut + end)], pa.large_string())
    expected = [bool(pc.match_substring_regex(pa.array([c], pa.large_string()), _SUSPECT_TEXT)[0].as_py()) for c in values.to_pylist()]
    assert columns.matches(values, _SUSPECT_TEXT).tolist() == expected
    assert columns.matches(pa.chunked_array([pa.array(cells, pa.string())]), "cr").tolist() == ["cr" in c for c in cells]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["", "a", "b", "ab", "é"]), max_size=40), st.integers(0, 40))
def test_encoding_gives_the_distinct_cells_in_order_and_where_each_cell_is(cells: list[str], cut: int) -> None:
    values = pa.chunked_array([pa.array(cells[:cut], pa.large_string()), pa.array(cells[cut:], pa.large_string())])
    distinct, at = columns.encode(values)
    assert distinct.to_pylist() == list(dict.fromkeys(cells))
    assert [distinct[int(k)].as_py() for k in at] == cells


def test_records_at_one_position_share_a_point_equal_to_their_own() -> None:
    import shapely

    from geo.records import _points

    lon = np.array([20.5, 20.5, -0.0, 0.0, np.nan, 20.5, 1e-300])
    lat = np.array([44.8, 44.8, 10.0, 10.0, np.nan, 44.9, 5.0])
    located = ~np.isnan(lon)
    got = _points(located, lon, lat)
    assert got[4] is None and got[0] is got[1] and got[0] is not got[5]
    for k in np.flatnonzero(located):
        x, y = shapely.get_coordinates(got[k])[0]
        assert (np.float64(x).tobytes(), np.float64(y).tobytes()) == (lon[k].tobytes(), lat[k].tobytes())  # -0.0 kept
