"""AppTest tests of every page on the toy dataset: default render, deep links, filters, empty result,
invalid link parameters and a broken data directory."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from pathlib import Path

import pytest
from streamlit.proto.WidgetStates_pb2 import WidgetState
from streamlit.runtime.state.session_state import STREAMLIT_INTERNAL_KEY_PREFIX
from streamlit.testing.v1 import AppTest

from dashboard import live_map, map_model
from geo import load_catalog
from tests.fixtures import base_tables, write_dataset

APP = str(Path(__file__).resolve().parents[2] / "dashboard" / "app.py")


@pytest.fixture
def toy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    d = write_dataset(tmp_path / "data")
    monkeypatch.setenv("BB_DATA_DIR", str(d))
    return d


@pytest.fixture
def many(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The toy dataset plus 450 study visits: 464 records, three pages of the record table."""
    tables = base_tables()
    visit = tables["events.csv"][0]
    tables["events.csv"] += [{**visit, "id": f"ev-bulk-{n:03d}", "name": f"Bulk visit {n:03d}"} for n in range(450)]
    d = write_dataset(tmp_path / "many", tables)
    monkeypatch.setenv("BB_DATA_DIR", str(d))
    return d


def run(params: dict[str, str] | None = None, page: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    for k, v in (params or {}).items():
        at.query_params[k] = v
    at.run()
    if page:
        at.switch_page(page)
        at.run()
    assert not at.exception, at.exception
    return at


def component_args(at: AppTest, name: str) -> dict | None:
    """The data a page sent to one of its components (``live_map.COMPONENTS``), or None when not on the page."""
    found = [e for e in at.get("bidi_component") if e.proto.component_name == live_map.COMPONENTS[name]]
    assert len(found) <= 1
    return json.loads(found[0].proto.json) if found else None


def live_map_args(at: AppTest) -> dict:
    """The data the situation page sent to its live map (rerun state, frame, data file)."""
    args = component_args(at, "map")
    assert args is not None
    return args


def map_data(args: dict) -> dict:
    """The map data file the live map fetches once per data version (as the browser would)."""
    return json.loads(live_map.asset_bytes(args["data_url"].rsplit("/", 1)[1]))


def map_ids(at: AppTest) -> set[str]:
    """Record ids drawn on the page's map: the live map on the situation page (the rerun's bit mask over the
    version's records, those with a site or a partner country), a plotly chart elsewhere."""
    args = component_args(at, "map")
    if args is None:
        spec = json.loads(at.get("plotly_chart")[0].proto.spec)
        return {i for t in spec["data"] if t.get("customdata") for row in t["customdata"] for i in row[0].split("|")}
    rec = map_data(args)["records"]
    shown = map_model.unpack_mask(args["state"]["shown"], args["state"]["n"])
    return {rec["id"][k] for k in range(len(shown)) if shown[k] and (rec["lon"][k] is not None or rec["partners"][k])}


def shown(text: str) -> str:
    """Markdown source as the reader sees it: the app escapes every character of untrusted text that Markdown
    would read as syntax (``dashboard.safe.md``), and CommonMark shows an escaped character as itself."""
    return re.sub(r"\\(.)", r"\1", text)


def captions(at: AppTest) -> str:
    return " | ".join(shown(c.value) for c in at.caption)


def test_default_render(toy: Path) -> None:
    at = run()
    assert "14 records: all instruments" in captions(at)
    assert map_ids(at) == {"wa-srb", "wa-ukr", "sa-alb-1", "sa-mda", "sa-ner", "op-alb", "cp-kuch", "lo-bel", "pr-eap", "rn-wb", "dl-rabat", "io-iom", "ev-visit"}
    assert at.metric[0].label == "Agreements"  # short labels fit at 1280 px; the help says "in force"
    table = component_args(at, "table")
    assert table is not None and not at.dataframe  # the record table is the page's own component, fed like the map
    assert int(map_model.unpack_mask(table["shown"], table["n"]).sum()) == 14


def component_event(at: AppTest, name: str, event: str, value: dict) -> AppTest:
    """A component's trigger value as the browser sends it (a click on the map, a row of the table): the
    payload list of the component's trigger widget, with the next run. AppTest cannot click in a component."""
    (element,) = [e for e in at.get("bidi_component") if e.proto.component_name == live_map.COMPONENTS[name]]
    states = at._tree.get_widget_states()
    trigger_id = f"{STREAMLIT_INTERNAL_KEY_PREFIX}_{element.proto.id}__events"  # Streamlit's name for a component's triggers
    states.widgets.append(WidgetState(id=trigger_id, json_trigger_value=json.dumps([{"event": event, "value": value}])))
    at._run(states)
    assert not at.exception, at.exception
    return at


def test_record_table_gets_the_maps_bit_mask_and_the_version_file_has_its_columns(toy: Path) -> None:
    at = run({"sel": "cp-kuch", "instruments": "coordination_point"})
    table, shown = component_args(at, "table"), live_map_args(at)["state"]
    assert table is not None and table["shown"] == shown["shown"] and table["n"] == shown["n"]  # the same few bytes
    assert table["data_url"] == live_map_args(at)["data_url"]  # one data file for the map and the table
    rec = map_data(table)["records"]
    k = rec["id"].index("cp-kuch")
    assert table["selected"] == k
    assert rec["ptext"][k] == "Country MDA, Country UKR" and rec["name"][k] == "CP Kuchurhan"
    assert rec["status"][k] and rec["period"][k] and rec["conf"][k]
    assert len(json.dumps(table)) < 600  # no rows in a rerun: they are in the version's file
    # the selected record's details sit between the table's heading and the table
    order = [(n.type, getattr(n, "value", None)) for n in at.main]
    heading = next(i for i, (t, v) in enumerate(order) if t == "subheader" and str(v).startswith("Records ("))
    assert ("markdown", "#### CP Kuchurhan") in order[heading:]


def test_a_row_picked_in_the_table_selects_and_frames_its_record(many: Path) -> None:
    at = run()
    assert "464 records" in captions(at)
    seq = live_map_args(at)["frame"]["seq"]
    component_event(at, "table", "pick", {"id": "ev-bulk-205", "token": "row-1"})
    assert at.query_params["sel"] in ("ev-bulk-205", ["ev-bulk-205"])
    assert [shown(m.value) for m in at.markdown].count("#### Bulk visit 205") == 2  # beside the map and above the table
    frame = live_map_args(at)["frame"]
    assert frame["seq"] == seq + 1 and frame["bounds"] is not None  # the map is asked to frame it
    # an unknown id (a stale page, or a forged message) is ignored
    component_event(at, "table", "pick", {"id": "no-such-record", "token": "row-2"})
    assert at.query_params["sel"] in ("ev-bulk-205", ["ev-bulk-205"]) and not at.exception



def test_deep_link_reproduces_the_view(toy: Path) -> None:
    at = run({"regions": "western_balkans", "instruments": "status_agreement,operation", "sel": "op-alb", "zoom": "5", "lat": "41", "lon": "20"})
    assert "2 records: status agreements and operations with executive powers in the Western Balkans" in captions(at)
    assert map_ids(at) == {"sa-alb-1", "op-alb"}
    assert any(shown(m.value).startswith("#### JO Albania") for m in at.markdown)  # details panel open
    frame = live_map_args(at)["frame"]
    assert frame["zoom"] == 5 and frame["center"] == [41, 20] and frame["bounds"] is None  # the link's own camera
    assert at.query_params["sel"] == ["op-alb"] or at.query_params["sel"] == "op-alb"


@pytest.mark.parametrize(
    ("widget", "value", "expected"),
    [
        ("Partner country", ["MKD"], {"lo-bel", "rn-wb"}),
        ("Migratory route", ["central-mediterranean"], {"sa-ner", "dl-rabat"}),
        ("Instrument (map layers)", ["project"], {"pr-eap"}),
        ("Region", ["sahel"], {"sa-ner", "dl-rabat"}),
        ("Status", ["ended"], {"pr-eap", "ev-visit"}),
    ],
)
def test_each_filter_changes_the_map_and_the_url(toy: Path, widget: str, value: list[str], expected: set[str]) -> None:
    at = run()
    box = next(m for m in at.multiselect if m.label == widget)
    box.set_value(value).run()
    assert not at.exception
    assert map_ids(at) == expected
    assert any(v for k, v in at.query_params.items() if k in ("partners", "routes", "instruments", "regions", "status"))


def test_map_click_selects_and_camera_move_goes_into_the_link(toy: Path) -> None:
    """The live map's events (simulated by setting its value, as the browser does): a click opens the
    record; a pan/zoom by the user updates the link but does not ask the map to move (same frame seq)."""
    at = run()
    seq = live_map_args(at)["frame"]["seq"]
    component_event(at, "map", "event", {"kind": "click", "id": "lo-bel", "token": "a"})
    assert at.query_params["sel"] in ("lo-bel", ["lo-bel"])
    assert any(shown(m.value).startswith("#### FLO Belgrade") for m in at.markdown)  # the details panel, in the same run
    assert live_map_args(at)["state"]["selected"] >= 0  # and the map rings it in the same run
    component_event(at, "map", "event", {"kind": "view", "center": [44.1, 380.5], "zoom": 6.25, "token": "b"})
    assert at.query_params["lat"] in ("44.1000", ["44.1000"]) and at.query_params["lon"] in ("20.5000", ["20.5000"])
    assert at.query_params["zoom"] in ("6.25", ["6.25"])
    assert live_map_args(at)["frame"]["seq"] == seq  # the map is not told to move where the user already is
    # a stale event (same token) is not applied twice; a bogus one is ignored; so is one of the wrong shape
    component_event(at, "map", "event", {"kind": "click", "id": "ghost", "token": "c"})
    component_event(at, "map", "event", {"kind": "view", "center": "north", "zoom": 99, "token": "d"})
    assert not at.exception and at.query_params["sel"] in ("lo-bel", ["lo-bel"]) and at.query_params["zoom"] in ("6.25", ["6.25"])
    # a preset asks for a new frame
    next(b for b in at.button if b.label == "Sahel").click().run()
    assert live_map_args(at)["frame"]["seq"] == seq + 1


def test_map_sends_a_small_state_and_names_its_data_file(toy: Path) -> None:
    args = live_map_args(run())
    assert args["data_url"].startswith("bb-assets/mapdata-") and len(json.dumps(args)) < 2_000
    assert "FLO Belgrade" not in json.dumps(args)  # names and hover texts are in the data file, fetched once
    assert "FLO Belgrade" in map_data(args)["records"]["name"]


def test_every_filter_frames_the_map_on_its_result(toy: Path) -> None:
    at = run()
    first = live_map_args(at)["frame"]
    assert first["bounds"] is not None  # no camera in the link: the first view frames the result
    box = next(m for m in at.multiselect if m.label == "Partner country")
    box.set_value(["MDA"]).run()
    frame = live_map_args(at)["frame"]
    assert frame["seq"] == first["seq"] + 1
    w, s, e, n = frame["bounds"]
    mda = load_catalog(toy).countries.set_index("iso3").geometry["MDA"].bounds
    assert (w, s, e, n) == pytest.approx(mda, abs=0.1)  # Moldova and the sites in it (one on its border)
    at.run()
    assert live_map_args(at)["frame"]["seq"] == frame["seq"]  # framed once per filter, not on every rerun
    at.text_input(key="f_text").set_value("chisinau").run()
    assert live_map_args(at)["frame"]["seq"] == frame["seq"] + 1


def test_text_and_as_of_filters(toy: Path) -> None:
    at = run()
    at.text_input(key="f_text").set_value("chisinau").run()
    assert map_ids(at) == {"ev-visit"}
    at = run({"asof": "2021-06-15", "instruments": "coordination_point"})
    assert map_ids(at) == {"cp-kuch"} and "in force on 2021-06-15" in captions(at)
    at = run({"asof": "2021-07-15", "instruments": "coordination_point"})
    assert map_ids(at) == set()


def test_typed_as_of_day_applies_and_a_mistyped_one_keeps_the_last(toy: Path) -> None:
    at = run({"instruments": "coordination_point"})
    at.checkbox(key="f_asof_on").check().run()
    field = at.text_input(key="f_asof_text")
    assert field.label == "As of" and field.value == dt.date.today().isoformat()
    field.set_value("2021-06-15").run()  # in the browser: typed, then Enter
    assert map_ids(at) == {"cp-kuch"} and "in force on 2021-06-15" in captions(at)
    assert at.query_params["asof"] in ("2021-06-15", ["2021-06-15"])
    at.text_input(key="f_asof_text").set_value("2021-13-01").run()
    assert "in force on 2021-06-15" in captions(at) and map_ids(at) == {"cp-kuch"}
    assert any("YYYY-MM-DD" in shown(e.value) and "still showing 2021-06-15" in shown(e.value) for e in at.sidebar.error)
    at.text_input(key="f_asof_text").set_value("2021-07-15").run()
    assert not at.sidebar.error and map_ids(at) == set()
    # the field is gone while the checkbox is off, and comes back with the day in use
    at.checkbox(key="f_asof_on").uncheck().run()
    assert not [t for t in at.text_input if t.key == "f_asof_text"] and "in force" not in captions(at)
    at.checkbox(key="f_asof_on").check().run()
    assert at.text_input(key="f_asof_text").value == "2021-07-15" and "in force on 2021-07-15" in captions(at)
    at.text_input(key="f_asof_text").set_value("soon").run()  # a mistyped day is forgotten when the box is ticked again
    at.checkbox(key="f_asof_on").uncheck().run()
    at.checkbox(key="f_asof_on").check().run()
    assert at.text_input(key="f_asof_text").value == "2021-07-15" and not at.sidebar.error
    next(b for b in at.button if b.label == "Reset filters").click().run()
    assert "in force" not in captions(at) and not at.exception


def test_empty_result_says_so(toy: Path) -> None:
    at = run({"q": "zanzibar"})
    assert "0 records" in captions(at)
    assert any("No record matches" in shown(i.value) for i in at.info)


def link_notice(at: AppTest) -> str | None:
    """The text of the broken-link notice, if the page shows it."""
    found = [w.value for w in at.warning if w.value.startswith("This link had parts that could not be used")]  # the source: escapes kept
    return found[0] if found else None


def test_invalid_url_parameters_are_ignored_with_a_notice(toy: Path) -> None:
    at = run({"partners": "SRB,NOPE", "asof": "tomorrow", "zoom": "banana", "bogus": "1", "sel": "ghost"})
    assert "3 records" in captions(at)  # the good part of the link (SRB) is kept
    notice = link_notice(at)
    assert notice is not None
    assert "NOPE" in notice and "asof" in notice and "zoom" in notice and "bogus" in notice and "ghost" in notice
    assert not at.error


def test_a_broken_link_notice_stays_on_every_page_until_dismissed(toy: Path) -> None:
    at = run({"regions": "atlantis", "instruments": "operation"})
    first = link_notice(at)
    assert first is not None and "atlantis" in first
    order = [n.type for n in at.main]  # document order: the notice comes before the page's own content
    assert order.index("warning") < order.index("title")
    at.run()
    at.run()
    assert link_notice(at) == first  # a toast was gone by now
    at.switch_page("views/timeline.py").run()
    assert link_notice(at) == first and at.title[0].value == "Timeline"
    at.button(key="bb_dismiss_notices").click().run()
    assert link_notice(at) is None and not at.exception
    at.run()
    at.switch_page("views/map.py").run()
    assert link_notice(at) is None  # it does not come back for this link
    assert "1 record: operations with executive powers" in captions(at)  # the usable part still applies


def test_a_link_notice_shows_the_link_literally(toy: Path) -> None:
    """A link's values are the link author's: markdown in them is shown as typed, not rendered."""
    at = run({"partners": "[click](https://example.org)"})
    notice = link_notice(at)
    assert notice is not None and "](" not in notice and r"\[click\]\(https\:" in notice


def test_broken_data_directory_gives_a_clear_message(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    d = write_dataset(tmp_path / "broken")
    (d / "dialogues.csv").write_text((d / "dialogues.csv").read_text().replace("2006", "someday"))
    monkeypatch.setenv("BB_DATA_DIR", str(d))
    at = run()
    text = " ".join(shown(e.value) for e in at.error)
    assert "could not be loaded" in text and "dialogues.csv, row 2, column 'start'" in text
    assert "Traceback" not in text


def test_missing_data_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BB_DATA_DIR", str(tmp_path / "nowhere"))
    at = run()
    assert "no such directory" in " ".join(shown(e.value) for e in at.error)


def test_broken_update_keeps_the_last_good_data(toy: Path) -> None:
    at = run()
    assert "14 records" in captions(at)
    path = toy / "dialogues.csv"
    path.write_text(path.read_text().replace("2006", "someday"))
    at.run()
    assert not at.exception
    assert "14 records" in captions(at)
    assert any("last good data" in shown(w.value) and "dialogues.csv" in shown(w.value) for w in at.warning)


def test_timeline_page(toy: Path) -> None:
    at = run({"asof": "2021-06-15"}, page="views/timeline.py")
    assert at.title[0].value == "Timeline"
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert spec["data"] and any("as of 2021-06-15" in a["text"] for a in spec["layout"]["annotations"])


def test_partner_page(toy: Path) -> None:
    at = run({"country": "MDA"}, page="views/partner.py")
    assert at.title[0].value == "Partner profile"
    assert at.selectbox[0].value == "MDA"
    assert map_ids(at) == {"sa-mda", "cp-kuch", "pr-eap", "ev-visit"}
    at.selectbox[0].set_value("NER").run()
    assert map_ids(at) == {"sa-ner", "dl-rabat"}


def country_box(at: AppTest):
    """The partner page's country box, found as a user finds it: by its label."""
    return next(s for s in at.selectbox if s.label == "Country")


def test_partner_page_follows_every_change_of_country(toy: Path) -> None:
    """Each choice shows that country: its records on the map, its name in the caption, its code in the link
    (the second of two changes used to be lost when the box was rebuilt with a new default)."""
    at = run(page="views/partner.py")
    expected = {"SRB": {"wa-srb", "lo-bel", "rn-wb"}, "MDA": {"sa-mda", "cp-kuch", "pr-eap", "ev-visit"}, "NER": {"sa-ner", "dl-rabat"}}
    for code, ids in expected.items():
        country_box(at).set_value(code).run()
        assert not at.exception
        assert country_box(at).value == code
        assert map_ids(at) == ids
        assert f"Country {code}" in captions(at)
        assert at.query_params["country"] in (code, [code])
    at.switch_page("views/map.py").run()  # the box's own state is dropped off its page; the choice is kept
    at.switch_page("views/partner.py").run()
    assert country_box(at).value == "NER" and map_ids(at) == expected["NER"]


def test_partner_page_without_a_country_asks_for_one(toy: Path) -> None:
    at = run(page="views/partner.py")
    assert country_box(at).value is None
    assert any("Choose a country" in shown(i.value) for i in at.info)
    assert not at.get("plotly_chart") and "country" not in at.query_params


def test_sources_page(toy: Path) -> None:
    at = run(page="views/sources.py")
    assert at.title[0].value == "Data & sources"
    assert any("Validation passed" in shown(s.value) for s in at.success)
    frames = [d.value for d in at.dataframe]
    assert any("Source" in f.columns and (f["Source"] == "https://example.org/source").any() for f in frames)


def test_presentation_mode_puts_presets_in_reach(toy: Path) -> None:
    assert not run().get("button_group")  # the presets are in the sidebar's expander
    at = run({"present": "1"})
    (pills,) = at.get("button_group")  # on a wall screen: pills above the map
    assert "Leave presentation" in [b.label for b in at.button]
    assert "Sahel" in str(pills.proto)
    pills.set_value("Sahel").run()
    assert map_ids(at) == {"sa-ner", "dl-rabat"} and at.query_params["present"] in ("1", ["1"])
    assert at.get("button_group")[0].value == "Sahel"  # the current preset is the highlighted pill


def test_export_panel_prepares_data_files(toy: Path) -> None:
    at = run({"regions": "sahel"})
    at.multiselect(key="export_formats").set_value(["csv", "geojson", "html"]).run()
    at.button(key="export_go").click().run()
    assert not at.exception
    labels = [b.label for b in at.get("download_button")]
    assert labels == ["Download CSV", "Download GEOJSON", "Download HTML"], labels


def download_labels(at: AppTest) -> list[str]:
    return [b.label for b in at.get("download_button")]


def test_prepared_files_stay_downloadable_after_a_download(toy: Path) -> None:
    """A download reruns the page (where the browser still asks for one); every file prepared for the view
    stays offered, and none is offered once the view they show has changed."""
    at = run({"regions": "sahel"})
    at.multiselect(key="export_formats").set_value(["csv", "geojson", "html"]).run()
    at.button(key="export_go").click().run()
    everything = ["Download CSV", "Download GEOJSON", "Download HTML"]
    assert download_labels(at) == everything
    for key in ("dl_.csv", "dl_.html", "dl_.geojson"):
        next(b for b in at.get("download_button") if b.key == key).click()
        at.run()
        assert not at.exception
        assert download_labels(at) == everything, key
    assert all(b.proto.ignore_rerun for b in at.get("download_button"))  # the browser does not rerun the page for a download
    next(m for m in at.multiselect if m.label == "Region").set_value(["western_balkans"]).run()
    assert download_labels(at) == []  # files of the Sahel view are not offered for the Western Balkans


def add_liaison_officer(directory: Path, new_id: str = "lo-new", name: str = "FLO New") -> None:
    """Save a copy of the Belgrade posting under a new id, as a colleague editing the file would."""
    path = directory / "liaison_officers.csv"
    lines = path.read_text().splitlines()
    belgrade = next(r for r in lines if r.startswith("lo-bel,"))
    path.write_text("\n".join([*lines, belgrade.replace("lo-bel,", f"{new_id},", 1).replace("FLO Belgrade", name)]) + "\n")


def test_a_data_change_is_listed_and_highlighted_and_the_view_is_kept(toy: Path) -> None:
    at = run({"instruments": "liaison_officer", "zoom": "4", "lat": "44", "lon": "20"})
    seq = live_map_args(at)["frame"]["seq"]
    add_liaison_officer(toy)
    at.run()
    assert not at.exception
    args = live_map_args(at)
    assert map_ids(at) == {"lo-bel", "lo-new"}  # the filter is kept
    assert args["frame"] == {"seq": seq, "center": [44, 20], "zoom": 4, "bounds": None}  # and so is the camera
    ids = map_data(args)["records"]["id"]
    assert [ids[k] for k in args["state"]["changed"]] == ["lo-new"]  # ringed on the map
    assert "Added: FLO New" in [b.label for b in at.button]
    # a removal is listed too; a record added and removed again since the session opened is no change at all
    path = toy / "liaison_officers.csv"
    path.write_text("\n".join(line for line in path.read_text().splitlines() if not line.startswith(("lo-new,", "lo-bel,"))) + "\n")
    at.run()
    assert any("Removed: ~~FLO Belgrade~~" in shown(m.value) for m in at.markdown)
    assert "Added: FLO New" not in [b.label for b in at.button]
    assert live_map_args(at)["state"]["changed"] == []
    assert any(shown(c.value).startswith("Data as of ") for c in at.caption)


def test_several_views_go_into_one_slide_deck(toy: Path) -> None:
    at = run({"regions": "sahel"})
    at.button(key="deck_add").click().run()
    next(b for b in at.button if b.label == "Western Balkans").click().run()
    at.button(key="deck_add").click().run()
    assert not at.exception
    assert any(shown(m.value).startswith("**Slide deck: 2 slide(s)**") and "Sahel" in shown(m.value) and "Western Balkans" in shown(m.value) for m in at.markdown)
    deck = at.session_state["v_deck"]
    assert [s.spec.regions for s in deck] == [("sahel",), ("western_balkans",)]
    at.button(key="deck_go").click().run()
    assert not at.exception
    assert "Download the deck (PPTX)" in download_labels(at)
    next(b for b in at.get("download_button") if b.key == "dl_deck").click()
    at.run()
    assert "Download the deck (PPTX)" in download_labels(at)  # still there after a download
    assert next(b for b in at.get("download_button") if b.key == "dl_deck").proto.ignore_rerun
    at.button(key="deck_add").click().run()
    assert "Download the deck (PPTX)" not in download_labels(at)  # a third slide: the prepared deck is out of date
    at.button(key="deck_clear").click().run()
    assert not any(shown(m.value).startswith("**Slide deck") for m in at.markdown)


def test_online_basemap_is_opt_in_and_says_so(toy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert live_map_args(run())["state"]["basemap"] == ""  # offline: no style to fetch
    monkeypatch.setenv("BB_ONLINE_BASEMAP", "carto-positron")
    at = run()
    assert live_map_args(at)["state"]["basemap"].startswith("https://basemaps.cartocdn.com/")
    assert any("Online basemap" in shown(c.value) and "basemaps.cartocdn.com" in shown(c.value) for c in at.caption)


def test_details_say_what_is_known_and_list_the_status_history(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.geo.test_history import history_tables

    monkeypatch.setenv("BB_DATA_DIR", str(write_dataset(tmp_path / "hist", history_tables())))
    at = run({"sel": "wa-blr", "asof": "2022-01-15"})
    known = [shown(m.value) for m in at.markdown if "**Start:**" in shown(m.value)]
    assert known, [shown(m.value) for m in at.markdown]
    text = known[0]
    assert "**Start:** 2009" in text and "not in force" in text and "suspended since 2021" in text
    assert "<" not in text  # data is shown as escaped Markdown text, never HTML
    tables = [df.value for df in at.dataframe if "Status from then" in df.value.columns]
    assert tables and list(tables[0]["Date"]) == ["2009", "2021", "2021-06-28"]
    assert "(unchanged)" in list(tables[0]["Status from then"])  # the context row changes no status


def test_the_map_is_told_which_shown_records_have_an_unknown_date(toy: Path) -> None:
    import geo

    at = run({"asof": "2021-06-15"})
    state = live_map_args(at)["state"]
    catalog = load_catalog(toy)
    unknown = geo.date_unknown(catalog, geo.FilterSpec(as_of=dt.date(2021, 6, 15)))
    ids = map_data(live_map_args(at))["records"]["id"]
    assert unknown.any() and sorted(ids[k] for k in state["unknown"]) == sorted(catalog.records["id"][unknown])
    assert len(state["ties_known"]) == len(state["ties"])  # one hex digit per country, known ties only
    table = component_args(at, "table")
    assert table is not None and table["unknown"] == state["unknown"]
    assert not live_map_args(run())["state"]["unknown"]  # no day asked: nothing is marked


@pytest.mark.parametrize("query", [{"asof": "9999-12-31"}, {"asof": "2101-01-01"}, {"asof": "1000-01-01"}, {"to": "9999-12-31"},
                                   {"sel": "x" * 20_000}, {"country": "y" * 20_000}])
def test_absurd_links_open_the_page_with_a_notice(toy: Path, query: dict[str, str]) -> None:
    at = run(query)  # run() asserts the page ran without an exception
    assert link_notice(at) is not None and "14 records" in captions(at)
    assert len(str(dict(at.query_params).get("sel", ""))) < 100


@pytest.fixture
def marked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The toy data plus a limited and a restricted liaison posting."""
    tables = base_tables()
    officer = tables["liaison_officers.csv"][0]
    tables["liaison_officers.csv"] += [{**officer, "id": "lo-lim", "name": "FLO Limited", "sensitivity": "limited"},
                                       {**officer, "id": "lo-res", "name": "FLO Restricted", "sensitivity": "restricted"}]
    d = write_dataset(tmp_path / "marked", tables)
    monkeypatch.setenv("BB_DATA_DIR", str(d))
    return d


@pytest.mark.parametrize("page", [None, "views/partner.py", "views/timeline.py", "views/sources.py"])
def test_without_sign_in_only_public_records_are_served_and_the_page_says_why(marked: Path, page: str | None) -> None:
    at = run({"country": "SRB", "q": "FLO"} if page else {"instruments": "liaison_officer"}, page=page)
    assert any("sign-in is not configured" in shown(i.value) for i in at.info)
    sent = json.dumps([e.proto.json for e in at.get("bidi_component")]) + " ".join(str(e) for e in at._tree)
    assert "lo-lim" not in sent and "FLO Limited" not in sent and "lo-res" not in sent and "FLO Restricted" not in sent
    if page is None:
        assert map_ids(at) == {"lo-bel"}  # the map's own data file holds only the public posting
        data = live_map.asset_bytes(live_map_args(at)["data_url"].rsplit("/", 1)[1]).decode()
        assert "FLO Limited" not in data and "lo-res" not in data and "FLO Belgrade" in data
        assert live_map.asset(live_map_args(at)["data_url"].rsplit("/", 1)[1]).marking == "public"


def test_a_link_to_a_record_above_the_clearance_is_a_broken_link(marked: Path) -> None:
    at = run({"sel": "lo-res"})
    assert link_notice(at) is not None and "no such record" in link_notice(at)
    assert "FLO Restricted" not in " ".join(str(e) for e in at._tree)


def test_the_changes_panel_lists_only_records_the_viewer_may_read(marked: Path) -> None:
    at = run({"instruments": "liaison_officer"})
    add_liaison_officer(marked, "lo-secret", "FLO Secret")  # a new posting, restricted
    path = marked / "liaison_officers.csv"
    rows = list(csv.DictReader(io.StringIO(path.read_text())))
    assert rows[-1]["id"] == "lo-secret"
    rows[-1]["sensitivity"] = "restricted"
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(out.getvalue())
    add_liaison_officer(marked, "lo-open", "FLO Open")  # and a public one
    at.run()
    labels = [b.label for b in at.button]
    assert any("FLO Open" in shown(lab) for lab in labels) and not any("Secret" in lab for lab in labels)
    assert "lo-secret" not in json.dumps(live_map_args(at))


def test_the_maps_time_bar_sets_the_day_and_plays(toy: Path) -> None:
    at = run()
    bar = live_map_args(at)["time"]
    assert bar["days"][-1] == dt.date.today().isoformat() and bar["step"] == len(bar["days"]) - 1 and not bar["playing"]
    day = bar["days"][1]
    component_event(at, "map", "event", {"kind": "asof", "day": day, "token": "t1"})
    assert at.query_params["asof"] in (day, [day]) and live_map_args(at)["time"]["step"] == 1
    component_event(at, "map", "event", {"kind": "asof", "day": "1999-12-31", "token": "t2"})  # not a step of the bar
    assert at.query_params["asof"] in (day, [day])
    component_event(at, "map", "event", {"kind": "play", "token": "t3"})
    assert live_map_args(at)["time"]["playing"] is True
    component_event(at, "map", "event", {"kind": "pause", "token": "t4"})
    assert live_map_args(at)["time"]["playing"] is False
