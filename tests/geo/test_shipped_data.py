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
