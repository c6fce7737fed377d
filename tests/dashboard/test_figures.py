"""Figure builders tested as data: traces, layers, hover texts."""

from __future__ import annotations

import datetime as dt
import json

import orjson

from dashboard.figures import MapView, build_map, build_timeline, hover_line, kpis, map_spec, resolve, trace_slots
from geo import Catalog, FilterSpec, apply, display_geometry


def names(catalog: Catalog) -> dict[str, str]:
    return catalog.partner_names()


def test_map_uses_only_offline_maplibre_traces(catalog: Catalog) -> None:
    fig = build_map(catalog.records, display_geometry(catalog), names(catalog), MapView())
    assert {t.type for t in fig.data} <= {"choroplethmap", "scattermap"}
    assert fig.layout.map.style == "white-bg"
    text = json.dumps(fig.to_plotly_json(), default=str)
    assert "http://" not in text and "https://" not in text  # no tile, glyph or sprite URL
    assert all(getattr(t, "mode", "markers") in (None, "markers") for t in fig.data if t.type == "scattermap")


def test_every_instrument_is_a_layer_with_its_records(catalog: Catalog) -> None:
    fig = build_map(catalog.records, display_geometry(catalog), names(catalog), MapView())
    by_layer = {}
    for t in fig.data:
        if t.meta and t.meta.get("form") in ("fill", "outline", "point") and len(t.customdata):  # empty traces keep their slot
            ids = {i for row in t.customdata for i in row[0].split("|")}
            by_layer.setdefault(t.meta["instrument"], set()).update(ids)
    expected = catalog.records.groupby("instrument")["id"].apply(set).to_dict()
    expected.pop("working_arrangement")  # the MARRI centre has no country: nothing to draw
    assert by_layer.pop("working_arrangement") == {"wa-srb", "wa-ukr"}
    assert by_layer == expected


def test_country_fill_keys_and_point_positions(catalog: Catalog) -> None:
    fig = build_map(catalog.records, display_geometry(catalog), names(catalog), MapView(layers=("working_arrangement", "liaison_officer")))
    drawn = [t for t in fig.data if len(t.customdata or ())]
    assert {t.meta["instrument"] for t in drawn} == {"working_arrangement", "liaison_officer"}
    fill = next(t for t in drawn if t.meta["form"] == "fill")
    assert sorted(fill.locations) == ["SRB", "UKR"] and {f["id"] for f in fill.geojson["features"]} == {"SRB", "UKR"}
    point = next(t for t in drawn if t.meta["form"] == "point")
    assert list(point.lat) == [44.8] and list(point.lon) == [20.46] and "approximate: city centre" in point.hovertext[0]


def test_filter_changes_the_map_data(catalog: Catalog) -> None:
    disp = display_geometry(catalog)
    few = apply(catalog, FilterSpec(regions=("sahel",)))
    fig = build_map(few.records, disp, names(catalog), MapView())
    ids = {i for t in fig.data if t.customdata is not None for row in t.customdata for i in row[0].split("|")}
    assert ids == {"sa-ner", "dl-rabat"}


def test_selection_and_route_are_highlighted(catalog: Catalog) -> None:
    disp = display_geometry(catalog)
    plain = build_map(catalog.records, disp, names(catalog), MapView())
    fig = build_map(catalog.records, disp, names(catalog), MapView(selected="lo-bel", route_countries=("ALB", "SRB")))
    (spot,) = [t for t in fig.data if t.meta.get("form") == "selection"]
    assert list(spot.lat) == [44.8] and list(spot.lon) == [20.46]
    # present but empty in a view without selection (one invisible datum keeps plotly treating it as a layer)
    assert list(next(t for t in plain.data if t.meta.get("form") == "selection").lat) == [None]

    def drawn(f) -> list[list[str]]:  # feature ids of each map layer; the layer list itself never changes
        return [[feat["id"] for feat in layer.source["features"]] for layer in f.layout.map.layers]

    assert len(fig.layout.map.layers) == len(plain.layout.map.layers)
    changed = [(a, b) for a, b in zip(drawn(plain), drawn(fig), strict=True) if a != b]
    assert changed == [([], ["ALB", "SRB"])]  # the route outline
    area = build_map(catalog.records, disp, names(catalog), MapView(selected="pr-eap"))
    changed = [(a, b) for a, b in zip(drawn(plain), drawn(area), strict=True) if a != b]
    assert changed == [([], ["pr-eap"])]  # the selected area outline


def test_map_spec_keeps_trace_identity_and_layer_order(catalog: Catalog) -> None:
    """The live map updates in place only if traces keep their uid and layers their order across filters."""
    disp = display_geometry(catalog)
    slots = trace_slots(catalog.records)
    full = map_spec(catalog.records, disp, names(catalog), MapView(), slots=slots)
    few = map_spec(catalog.records[catalog.records["instrument"] == "liaison_officer"], disp, names(catalog), MapView(), slots=slots)
    uids = [t["uid"] for t in full["data"]]
    assert len(set(uids)) == len(uids)
    assert [t["uid"] for t in few["data"]] == uids  # the same traces in the same order, whatever the filter
    # only traces the catalog can fill: no point trace for an instrument without located records
    assert "working_arrangement-point" not in uids and "liaison_officer-point" in uids and "liaison_officer-area" not in uids
    # unique "below" values: plotly re-creates every layer that shares one on each update
    belows = [t["below"] for t in full["data"]] + [lay["below"] for lay in full["layout"]["map"]["layers"]]
    assert len(set(belows)) == len(belows)
    assert [lay["type"] for lay in full["layout"]["map"]["layers"]] == [lay["type"] for lay in few["layout"]["map"]["layers"]]
    # outlines are references in the spec (small), resolved into GeoJSON only for a self-contained figure
    assert all("$ref" in lay["source"] for lay in full["layout"]["map"]["layers"])
    assert len(orjson.dumps(full)) < 200_000
    resolved = resolve(full, disp)
    assert resolved["layout"]["map"]["layers"][0]["source"]["type"] == "FeatureCollection"
    assert len(resolved["layout"]["map"]["layers"][0]["source"]["features"]) == len(disp.countries)


def test_hover_line_names_partners_period_status() -> None:
    rec = {"name": "X", "partners": ("SRB",), "start": "2009", "end": "", "status": "active", "located": False, "confidence": "low"}
    text = hover_line(rec, {"SRB": "Serbia"})
    assert "Serbia" in text and "2009 – open" in text and "active" in text and "weakly sourced" in text


def test_timeline_bars_and_as_of_marker(catalog: Catalog) -> None:
    fig = build_timeline(catalog.records, dt.date(2021, 6, 15), dt.date(2026, 1, 1))
    cp = next(t for t in fig.data if t.meta["instrument"] == "coordination_point")
    assert len(cp.y) == 2  # one bar per activation
    assert any("as of 2021-06-15" in a.text for a in fig.layout.annotations)
    names_drawn = {y for t in fig.data for y in t.y}
    assert "WA MARRI Centre" not in names_drawn  # no known start: not drawn


def test_kpis_count_what_is_in_force(catalog: Catalog) -> None:
    k = kpis(catalog.records, dt.date(2021, 6, 15))
    assert k["Active coordination points"] == 1 and k["Status agreements in force"] == 1
    assert kpis(catalog.records, dt.date(2021, 7, 15))["Active coordination points"] == 0
    assert k["Partners involved"] == 6


def test_unvalidated_map_figure_passes_plotly_validation(catalog: Catalog) -> None:
    """build_map skips plotly's validation for speed; the same figure must pass it."""
    import plotly.graph_objects as go

    fig = build_map(catalog.records, display_geometry(catalog), names(catalog), MapView(selected="pr-eap", route_countries=("ALB",)))
    validated = go.Figure(fig.to_plotly_json())  # raises ValueError on any invalid property
    assert len(validated.data) == len(fig.data)


def test_rings_are_one_trace_under_the_points(catalog: Catalog) -> None:
    spec = map_spec(catalog.records, display_geometry(catalog), names(catalog), MapView())
    forms = [t["meta"].get("form") for t in spec["data"]]
    assert forms.count("ring") == 1
    (ring,) = [t for t in spec["data"] if t["meta"].get("form") == "ring"]
    points = [t for t in spec["data"] if t["meta"].get("form") == "point"]
    assert forms.index("ring") < forms.index("point")  # drawn first, so underneath
    belgrade = next(t for t in points if t["meta"]["instrument"] == "liaison_officer")
    at = list(zip(ring["lat"], ring["lon"], strict=True)).index((belgrade["lat"][0], belgrade["lon"][0]))
    assert ring["marker"]["size"][at] == belgrade["marker"]["size"] + 5  # a dark ring just wider than the point
