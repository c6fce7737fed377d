"""The column-wise validator agrees with the per-row reference (tests/geo/reference.py) on random data sets."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import geo
from geo.schema import INSTRUMENTS, SUPPORT_FILES, Kind
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
        lambda c: st.tuples(st.just(c), st.sampled_from(pool(f, c)))), st.sampled_from(["set", "set", "set", "copy", "drop"])))


def apply_edits(edits: list) -> dict[str, list[dict[str, str]]]:
    tables = base_tables()
    for file, index, (column, value), how in edits:
        rows = tables[file]
        if not rows:
            continue
        k = index % len(rows)
        if how == "copy":
            rows.append(dict(rows[k]))
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
        assert geo.validate(data).problems == reference.validate(data)
    finally:
        shutil.rmtree(directory)


def test_the_reference_agrees_on_the_shipped_data() -> None:
    assert geo.validate(geo.settings.DEFAULT_DATA_DIR).problems == reference.validate(geo.settings.DEFAULT_DATA_DIR)
