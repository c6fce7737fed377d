"""The shipped data directory is itself under test."""

from __future__ import annotations

import geo
import geo.settings
from geo.schema import INSTRUMENTS


def test_shipped_data_validates_cleanly() -> None:
    report = geo.validate(geo.settings.DEFAULT_DATA_DIR)
    assert report.errors == [], report.format()


def test_every_record_cites_a_source_and_a_check_date() -> None:
    cat = geo.load_catalog(geo.settings.DEFAULT_DATA_DIR)
    for rec in cat.records.itertuples():
        assert rec.sources and all(u.startswith(("http://", "https://")) for u in rec.sources), rec.id
        assert rec.checked, rec.id
    assert all(len(s) > 0 for s in cat.routes["sources"])


def test_every_instrument_has_records() -> None:
    cat = geo.load_catalog(geo.settings.DEFAULT_DATA_DIR)
    counts = cat.records["instrument"].value_counts()
    assert {i.key for i in INSTRUMENTS} <= set(counts.index), counts


def test_located_records_say_how_precise_they_are() -> None:
    cat = geo.load_catalog(geo.settings.DEFAULT_DATA_DIR)
    located = cat.records[cat.records["located"]]
    assert not located.empty
    assert set(located["precision"]) <= {"exact", "site", "city", "country"}
    city = located[located["precision"] == "city"]
    assert city["coord_source"].str.contains("GeoNames").all()


def test_kosovo_carries_the_designation_footnote() -> None:
    cat = geo.load_catalog(geo.settings.DEFAULT_DATA_DIR)
    kosovo = cat.partners.set_index("code").loc["XKX"]
    assert kosovo["name"] == "Kosovo*" and "UNSCR 1244/1999" in kosovo["note"]


def test_status_history_answers_the_questions_of_issue_10() -> None:
    """The shipped data's answers to the cases the issue names (sources in data/status_changes.csv)."""
    import datetime as dt

    cat = geo.load_catalog(geo.settings.DEFAULT_DATA_DIR)

    def state(rid: str, day: dt.date) -> geo.State:
        return cat.record(rid)["timeline"].on(day).state

    assert state("wa-blr", dt.date(2022, 1, 15)) is geo.State.OUT  # cooperation on hold since 2021
    assert state("wa-blr", dt.date(2015, 1, 1)) is geo.State.IN
    assert state("wa-rus", dt.date(2010, 6, 1)) is geo.State.IN  # shown in place in 2009 and 2011
    assert state("wa-rus", dt.date(2024, 1, 1)) is geo.State.UNKNOWN  # no source either way since
    assert state("lo-chisinau", dt.date(2022, 1, 1)) is geo.State.UNKNOWN  # start not known
    assert state("wa-eucap-sahel-niger", dt.date(2025, 1, 1)) is geo.State.OUT  # counterpart closed in 2024
    assert state("sa-mne-1", dt.date(2023, 6, 30)) is geo.State.IN and state("sa-mne-1", dt.date(2023, 7, 1)) is geo.State.OUT
    assert state("sa-mne-2", dt.date(2023, 7, 1)) is geo.State.IN  # provisionally applied
    assert state("sa-srb-2", dt.date(2026, 1, 1)) is geo.State.OUT  # signed, entry into force not found
    assert state("op-mne-sea", dt.date(2020, 10, 14)) is geo.State.IN
    assert state("cp-kuchurhan", dt.date(2026, 1, 1)) is geo.State.UNKNOWN  # status unknown: not counted as active


def test_every_history_row_cites_a_source_and_a_check_date() -> None:
    cat = geo.load_catalog(geo.settings.DEFAULT_DATA_DIR)
    assert not cat.history.empty
    for row in cat.history.itertuples():
        assert row.sources.startswith(("http://", "https://")) and row.checked, row


def test_precomputed_spans_agree_with_the_timelines() -> None:
    import datetime as dt

    cat = geo.load_catalog(geo.settings.DEFAULT_DATA_DIR)
    for timeline, spans in zip(cat.timelines(), cat.records["spans"], strict=True):
        days = {d + dt.timedelta(days=k) for d in timeline.breakpoints() for k in (-1, 0, 1)} | {dt.date(2026, 12, 6)}
        for day in days:
            assert geo.state_on(spans, day) is timeline.on(day).state, (day, timeline)
