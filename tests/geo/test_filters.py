"""The filters, as one table: spec -> the ids it selects from the toy dataset (tests/fixtures.py)."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geo import Catalog, FilterSpec, apply, date_unknown, matching_ids
from geo.schema import INSTRUMENT_BY_KEY, REGIONS, ROUTES, STATUSES

D = dt.date
ALL = {
    "wa-marri", "wa-ukr", "wa-srb", "sa-alb-1", "sa-mda", "sa-ner", "op-alb", "cp-kuch", "lo-bel",
    "pr-eap", "rn-wb", "dl-rabat", "io-iom", "ev-visit",
}

CASES = [
    ("nothing chosen: everything", FilterSpec(), ALL),
    ("one instrument", FilterSpec(instruments=("status_agreement",)), {"sa-alb-1", "sa-mda", "sa-ner"}),
    ("two instruments", FilterSpec(instruments=("operation", "project")), {"op-alb", "pr-eap"}),
    ("partner: any of its partners", FilterSpec(partners=("MKD",)), {"lo-bel", "rn-wb"}),
    ("two partners are alternatives", FilterSpec(partners=("NER", "MKD")), {"lo-bel", "rn-wb", "sa-ner", "dl-rabat"}),
    ("region", FilterSpec(regions=("sahel",)), {"sa-ner", "dl-rabat"}),
    ("region with no partner-less records", FilterSpec(regions=("eastern_partnership",)), {"wa-ukr", "sa-mda", "cp-kuch", "pr-eap", "ev-visit"}),
    ("route: tagged, or a partner on the route", FilterSpec(routes=("western-balkan",)), {"wa-srb", "sa-alb-1", "op-alb", "lo-bel", "rn-wb"}),
    ("route by country only", FilterSpec(routes=("central-mediterranean",)), {"sa-ner", "dl-rabat"}),
    ("route by tag only", FilterSpec(routes=("circular-albania-greece",)), {"op-alb"}),
    ("status", FilterSpec(statuses=("ended",)), {"pr-eap", "ev-visit"}),
    ("facets combine with AND", FilterSpec(regions=("western_balkans",), instruments=("status_agreement",)), {"sa-alb-1"}),
    ("as-of inside a closed period", FilterSpec(as_of=D(2016, 1, 1)), {"wa-ukr", "wa-srb", "wa-marri", "pr-eap", "rn-wb", "dl-rabat", "io-iom"}),
    ("as-of: year-only start counts from 1 January", FilterSpec(as_of=D(2009, 1, 1), instruments=("working_arrangement",)), {"wa-ukr", "wa-srb", "wa-marri"}),
    ("as-of: year-only start not before it", FilterSpec(as_of=D(2008, 12, 31), instruments=("working_arrangement",)), {"wa-ukr", "wa-marri"}),
    ("as-of: month-only end counts to its last day", FilterSpec(as_of=D(2018, 11, 30), instruments=("project",)), {"pr-eap"}),
    ("as-of: after the end", FilterSpec(as_of=D(2018, 12, 1), instruments=("project",)), set()),
    ("as-of: under negotiation is not in force", FilterSpec(as_of=D(2025, 1, 1), instruments=("status_agreement",)), {"sa-mda"}),
    ("as-of: superseded was in force in its time", FilterSpec(as_of=D(2020, 1, 1), instruments=("status_agreement",)), {"sa-alb-1"}),
    ("as-of: coordination point in an activation", FilterSpec(as_of=D(2021, 6, 15), instruments=("coordination_point",)), {"cp-kuch"}),
    ("as-of: coordination point between activations", FilterSpec(as_of=D(2021, 7, 15), instruments=("coordination_point",)), set()),
    ("period overlap", FilterSpec(period_start=D(2023, 3, 9), period_end=D(2023, 3, 31), instruments=("event",)), {"ev-visit"}),
    ("period entirely before", FilterSpec(period_start=D(2000, 1, 1), period_end=D(2005, 12, 31)), {"wa-marri", "io-iom"}),
    ("open-ended period", FilterSpec(period_start=D(2024, 4, 1), instruments=("status_agreement",)), {"sa-mda"}),
    ("text, case and accents ignored", FilterSpec(text="CHISINAU"), {"ev-visit"}),
    ("text: every word must occur", FilterSpec(text="wa serbia"), {"wa-srb"}),
    ("text that matches nothing", FilterSpec(text="zanzibar"), set()),
]


@pytest.mark.parametrize(("why", "spec", "expected"), CASES, ids=[c[0] for c in CASES])
def test_filter_table(catalog: Catalog, why: str, spec: FilterSpec, expected: set[str]) -> None:
    assert set(matching_ids(catalog, spec)) == expected, why


def test_apply_keeps_dimensions_and_selects_records(catalog: Catalog) -> None:
    out = apply(catalog, FilterSpec(partners=("SRB",)))
    assert set(out.records["id"]) == {"wa-srb", "lo-bel", "rn-wb"}
    assert len(out.partners) == len(catalog.partners) and out.version == catalog.version
    assert apply(catalog, FilterSpec()) is catalog


def test_spec_is_canonical_and_hashable() -> None:
    a = FilterSpec(partners=("SRB", "ALB", "SRB"), text="  two   words ")
    b = FilterSpec(partners=("ALB", "SRB"), text="two words")
    assert a == b and hash(a) == hash(b) and a.partners == ("ALB", "SRB") and a.text == "two words"
    assert FilterSpec(partners="SRB").partners == ("SRB",)


@pytest.mark.parametrize(
    ("spec", "count", "sentence"),
    [
        (FilterSpec(), 14, "14 records: all instruments"),
        (FilterSpec(instruments=("status_agreement",), regions=("western_balkans",), as_of=D(2024, 5, 1)), 1,
         "1 record: status agreements in the Western Balkans, in force on 2024-05-01"),
        (FilterSpec(partners=("SRB",), routes=("central-mediterranean",), statuses=("active", "ended")), 0,
         "0 records: all instruments, involving Country SRB, on the Central Mediterranean route, with status active / in force or ended"),
        (FilterSpec(period_start=D(2020, 1, 1), text="frontex"), None, "All instruments, active between 2020-01-01 and today, matching “frontex”"),
    ],
)
def test_describe(catalog: Catalog, spec: FilterSpec, count: int | None, sentence: str) -> None:
    names = catalog.partner_names()
    assert spec.describe(count, names) == sentence


specs = st.builds(
    FilterSpec,
    partners=st.lists(st.sampled_from(["ALB", "SRB", "MKD", "MDA", "UKR", "NER"]), max_size=3).map(tuple),
    routes=st.lists(st.sampled_from(sorted(ROUTES)), max_size=2).map(tuple),
    instruments=st.lists(st.sampled_from(sorted(INSTRUMENT_BY_KEY)), max_size=3).map(tuple),
    regions=st.lists(st.sampled_from(sorted(REGIONS)), max_size=2).map(tuple),
    statuses=st.lists(st.sampled_from(STATUSES), max_size=2).map(tuple),
    as_of=st.none() | st.dates(D(2000, 1, 1), D(2030, 12, 31)),
    text=st.sampled_from(["", "wa", "route", "zzz"]),
)


@pytest.fixture(scope="module")
def toy() -> Catalog:
    """The toy catalog, loaded before the property runs, so the load never counts against hypothesis's deadline."""
    return _toy()


# No deadline either: on a busy 2-core CI machine single examples were seen to exceed 200 ms.
@settings(deadline=None)
@given(spec=specs)
def test_clearing_a_facet_never_narrows_the_selection(toy: Catalog, spec: FilterSpec) -> None:
    cat = toy
    selected = set(matching_ids(cat, spec))
    for name in ("partners", "routes", "instruments", "regions", "statuses"):
        assert selected <= set(matching_ids(cat, spec.with_(**{name: ()}))), name
    assert selected <= set(matching_ids(cat, spec.with_(as_of=None, text="")))


_CACHE: dict[str, Catalog] = {}


def _toy() -> Catalog:
    """The toy catalog, loaded once (hypothesis runs the property many times)."""
    if "toy" not in _CACHE:
        import tempfile
        from pathlib import Path

        from geo import load_catalog
        from tests.fixtures import write_dataset

        _CACHE["toy"] = load_catalog(write_dataset(Path(tempfile.mkdtemp()) / "data"))
    return _CACHE["toy"]


def test_superseded_record_without_end_ends_when_its_successor_starts(tmp_path) -> None:
    from geo import load_catalog
    from tests.fixtures import base_tables, write_dataset

    tables = base_tables()
    old = tables["status_agreements.csv"][0]
    old["end"] = ""  # superseded, end not given
    tables["status_agreements.csv"].append(dict(old, id="sa-alb-2", name="SA Albania (2nd)", start="2023-09-15", status="active", parent="sa-alb-1", generation="2"))
    tables["projects.csv"][0]["end"] = ""  # ended, end unknown, no successor
    cat = load_catalog(write_dataset(tmp_path / "data", tables))
    sa = FilterSpec(instruments=("status_agreement",), regions=("western_balkans",))
    assert set(matching_ids(cat, sa.with_(as_of=D(2023, 9, 14)))) == {"sa-alb-1"}
    assert set(matching_ids(cat, sa.with_(as_of=D(2023, 9, 15)))) == {"sa-alb-2"}
    # An ended project whose end no source gives is neither silently in nor out: kept, and marked "date unknown".
    spec = FilterSpec(instruments=("project",), as_of=D(2015, 1, 1))
    assert matching_ids(cat, spec) == ("pr-eap",)
    assert list(cat.records["id"][date_unknown(cat, spec)]) == ["pr-eap"]


def test_search_text_is_made_on_the_first_search_and_not_kept_beyond_its_records(catalog: Catalog) -> None:
    """The folded text of every record (its text fields, joined) is made for a text search, once per records table,
    and dropped with the table: an old version's records are not kept alive by it."""
    import gc
    import weakref

    from geo.records import _SEARCH, TEXT_FIELDS, search_text
    from geo.text import fold

    assert "search_text" not in catalog.records.columns  # not made with the catalog
    records = catalog.records.copy()
    text = search_text(records)
    fields = [f for f in TEXT_FIELDS if f in records.columns]
    assert text.to_pylist() == [fold(" ".join(str(rec[f]) for f in fields)) for _, rec in records.iterrows()]
    assert search_text(records) is text  # made once
    gone = weakref.ref(records)
    key = id(records)
    del records
    gc.collect()
    assert gone() is None and key not in _SEARCH
