"""The live map's files and its data model: data written once per content, old files pruned, small reruns."""

from __future__ import annotations

import gzip
import re
from collections import OrderedDict
from pathlib import Path

import numpy as np
import orjson
import pytest

from dashboard import live_map, map_model
from geo import FilterSpec, display_geometry, load_catalog, mask
from tests.fixtures import write_dataset


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch):
    """An empty registry of served files (the process-wide one is shared with other tests)."""
    monkeypatch.setattr(live_map, "_static", {})
    monkeypatch.setattr(live_map, "_data", OrderedDict())
    monkeypatch.setattr(live_map, "_data_names", {})
    return live_map


@pytest.fixture
def catalog(tmp_path: Path):
    return load_catalog(write_dataset(tmp_path / "data"))


def test_the_scripts_are_served_by_content_name_and_the_table_imports_the_maps_module(served) -> None:
    names = served.static_names()
    assert re.fullmatch(r"map-[0-9a-f]{16}\.js", names["map"]) and re.fullmatch(r"table-[0-9a-f]{16}\.js", names["table"])
    script, table = served.asset_bytes(names["map"]).decode(), served.asset_bytes(names["table"]).decode()
    assert f'from "./{names["map"]}"' in table  # one module instance: the table shares the map's data loader
    assert served.asset(names["map"]).media_type.startswith("text/javascript")
    for text in (script, table):
        assert "http://" not in text and "https://" not in text  # nothing from another host
        assert "innerHTML" not in text and "insertAdjacentHTML" not in text  # data text is set as text only
    assert served.asset("../../etc/passwd") is None and served.asset("names") is None  # only registered names


def test_map_data_is_named_by_content_kept_compressed_and_pruned(served, catalog) -> None:
    model = map_model.build_version(catalog, display_geometry(catalog))
    first = served.data_file("v1", model.payload)
    assert served.data_file("db:abc-2", model.payload) == first  # another version drawing the same map: same file
    assert first.startswith("mapdata-") and ":" not in first  # a relative URL, whatever the version looks like
    assert orjson.loads(served.asset_bytes(first))["records"]["id"] == list(model.ids)
    assert gzip.decompress(served.asset(first).gz) == served.asset_bytes(first) and served.latest_data() == first
    for n in range(served.KEEP_DATA_FILES + 3):  # data that differs every time
        served.data_file(f"v{n + 2}", {**model.payload, "version": f"v{n + 2}"})
    assert len(served._data) == served.KEEP_DATA_FILES and served.asset(first) is None
    assert served.latest_data() == served.data_file(f"v{served.KEEP_DATA_FILES + 4}", {})  # the newest


def test_a_rerun_sends_a_bit_mask_not_the_records(catalog) -> None:
    model = map_model.build_version(catalog, display_geometry(catalog))
    shown = mask(catalog, FilterSpec(instruments=("liaison_officer",)))
    state = map_model.rerun_state(model, shown, "lo-bel", ["lo-bel", "gone"], ["SRB"])
    assert state["n"] == len(catalog.records)
    back = map_model.unpack_mask(state["shown"], state["n"])
    assert back.tolist() == shown.tolist()
    assert [model.ids[i] for i in np.flatnonzero(back)] == list(catalog.records["id"][shown])
    assert state["selected"] == model.index["lo-bel"] and state["changed"] == [model.index["lo-bel"]]  # unknown ids dropped
    assert state["route"] == ["SRB"]
    assert len(orjson.dumps(state)) < 400  # names and hover texts live in the version file, not in the rerun


def test_rerun_state_stays_small_at_ten_thousand_records() -> None:
    n = 10_000
    payload = {"countries": {"features": [{"properties": {"iso": f"C{c:02d}"}} for c in range(60)]}, "routes": {},
               "instruments": [{"key": "working_arrangement", "tie": 2}, {"key": "event", "tie": -1}],
               "records": {"inst": [i % 2 for i in range(n)], "lon": [None] * n, "partners": [[i % 60] for i in range(n)]}}
    model = map_model.VersionModel("v", tuple(f"r{i}" for i in range(n)), {f"r{i}": i for i in range(n)}, {}, {}, {}, payload)
    shown = np.random.default_rng(1).random(10_000) < 0.5
    state = map_model.rerun_state(model, shown, "r5", [f"r{i}" for i in range(20)], [])
    assert len(orjson.dumps(state)) < 2_000  # 10,000 bits are 1,668 base64 characters, 60 countries 60 hex digits
    # the even countries have shown working arrangements (tie class 2: bit 4); the odd ones only events
    assert state["ties"] == "40" * 30
    assert map_model.unpack_mask(state["shown"], 10_000).tolist() == shown.tolist()


def test_hover_text_is_plain_text_with_partners_period_status_and_precision(catalog) -> None:
    model = map_model.build_version(catalog, display_geometry(catalog))
    rec = model.payload["records"]
    k = model.index["lo-bel"]
    text = rec["hover"][k]
    assert "<b>" not in text and "<br>" not in text and "Country SRB" in text and "Period:" in text and "Location:" in text
    assert rec["lon"][k] is not None and rec["partners"][k]


def test_every_instrument_and_overlay_has_a_legend_entry_with_its_form(catalog) -> None:
    payload = map_model.build_version(catalog, display_geometry(catalog)).payload
    forms = {e["key"]: e["form"] for e in payload["legend"]}
    for inst in payload["instruments"]:
        assert forms[inst["key"]] == inst["form"]
    assert forms["cell"] == "point"
    # every tie fill of the map is a legend colour
    assert set(payload["tie_fills"]) <= {e["colour"] for e in payload["legend"] if e["form"] == "fill"}


def test_frame_bounds_follow_the_question(catalog) -> None:
    model = map_model.build_version(catalog, display_geometry(catalog))
    ids = list(catalog.records["id"])
    serbia = model.country_bounds["SRB"]
    b = map_model.frame_bounds(model, ids, FilterSpec(partners=("SRB",)), focus={"SRB"})
    assert b is not None and b[0] <= serbia[0] + 1e-6 and b[2] >= serbia[2] - 1e-6
    # a focus country frames only that country and the sites in it, not every framework that touches it
    assert b[2] - b[0] < serbia[2] - serbia[0] + 2
    assert map_model.frame_bounds(model, [], FilterSpec()) is None  # nothing placed: the map stays where it is


def test_map_data_columns_agree_with_each_records_own_text_and_areas_are_sent_once() -> None:
    """The map data is made a column at a time; record by record (the reference) it says the same. Records
    over the same countries share one outline in the file (at 100,000 records each carried its own)."""
    from dashboard.figures import period_text
    from dashboard.style import STYLES
    from geo import data_dir, row_dicts

    catalog = load_catalog(data_dir())
    display = display_geometry(catalog)
    model = map_model.build_version(catalog, display)
    rec, features = model.payload["records"], model.payload["areas"]["features"]
    names = catalog.partner_names()
    for k, row in enumerate(row_dicts(catalog.records.drop(columns="geometry"))):
        assert rec["id"][k] == row["id"] and rec["name"][k] == row["name"]
        assert rec["hover"][k] == "\n".join(map_model.hover_lines(row, names))
        assert rec["period"][k] == period_text(row)
        lon, lat = (_number(row["lon"]), _number(row["lat"])) if row["located"] else (None, None)
        assert rec["lon"][k] == (None if lon is None else round(lon, 4)) and rec["lat"][k] == (None if lat is None else round(lat, 4))
        assert model.points.get(row["id"]) == ((lon, lat) if lon is not None and lat is not None else None)
        area = rec["area"][k]
        assert (area >= 0) == (not row["located"] and row["id"] in display.areas and STYLES[row["instrument"]].form == "outline")
        if area >= 0:
            assert features[area]["geometry"] is display.areas[row["id"]]
    by_set: dict[tuple, set[int]] = {}
    for k, area in enumerate(rec["area"]):
        if area >= 0:
            by_set.setdefault(tuple(sorted(set(catalog.records["partners"].iloc[k]))), set()).add(area)
    assert all(len(areas) == 1 for areas in by_set.values())  # one outline per set of countries
    assert len(features) == len({a for a in rec["area"] if a >= 0}) < sum(1 for a in rec["area"] if a >= 0)


def _number(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return None if np.isnan(value) else value
