"""The vector briefing map tested as data: projection, frame, one trace per style group, hover, validation."""

from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go
import pytest

from dashboard.figures import MapView
from dashboard.map_model import build_version, strongest_ties
from dashboard.vector_map import build_vector_map, frame, mercator_y, rings_xy
from geo import Catalog, FilterSpec, display_geometry, mask

SIZE = (1540, 630)


def vector(catalog: Catalog, view: MapView, spec: FilterSpec | None = None, world: bool = True) -> go.Figure:
    display = display_geometry(catalog)
    spec = spec or FilterSpec()
    return build_vector_map(build_version(catalog, display), mask(catalog, spec), display, view, size=SIZE, world=world,
                            routes=spec.routes)


def test_mercator_ordinate() -> None:
    assert mercator_y(0.0) == pytest.approx(0.0)
    assert mercator_y(85.05112878) == pytest.approx(180.0, abs=1e-4)  # the square Web Mercator world
    assert mercator_y(45.0) == pytest.approx(math.degrees(math.log(math.tan(math.pi / 4 + math.radians(45) / 2))))


def test_frame_is_centred_at_the_live_maps_scale() -> None:
    xr, yr = frame(MapView(center=(0.0, 20.0), zoom=1.0), 1024, 512)
    assert xr == pytest.approx((-160.0, 200.0))  # at zoom 1 the world is 1024 px wide, as in MapLibre
    assert yr == pytest.approx((-90.0, 90.0))  # same units per pixel on both axes: no stretching
    xr2, _ = frame(MapView(center=(0.0, 20.0), zoom=2.0), 1024, 512)
    assert xr2[1] - xr2[0] == pytest.approx((xr[1] - xr[0]) / 2)


def test_bounds_are_fitted_to_the_plot_with_a_margin_and_a_zoom_limit() -> None:
    xr, yr = frame(MapView(bounds=(10.0, 40.0, 30.0, 50.0)), 1000, 500)
    assert xr[0] < 10 < 30 < xr[1] and yr[0] < mercator_y(40.0) < mercator_y(50.0) < yr[1]
    assert (xr[1] - xr[0]) / 1000 == pytest.approx((yr[1] - yr[0]) / 500)  # no stretching
    tiny = frame(MapView(bounds=(20.0, 44.0, 20.01, 44.01)), 1000, 500)[0]  # one site: never closer than zoom 6.5
    assert tiny[1] - tiny[0] == pytest.approx(1000 * 360.0 / (512 * 2**6.5))


def test_rings_are_one_gap_separated_path() -> None:
    square = np.array([[0, 0], [1, 0], [1, 1], [0, 0]], dtype=float)
    x, y = rings_xy([{"type": "Polygon", "coordinates": [square]}, {"type": "MultiPolygon", "coordinates": [[square], [square + 2]]}])
    assert len(x) == len(y) == 3 * 4 + 2 and int(np.isnan(x).sum()) == int(np.isnan(y).sum()) == 2


def test_only_cartesian_svg_traces_and_undistorted_axes(catalog: Catalog) -> None:
    fig = vector(catalog, MapView())
    assert {t.type for t in fig.data} == {"scatter"}  # no MapLibre, no WebGL
    assert fig.layout.yaxis.scaleanchor == "x" and fig.layout.yaxis.scaleratio == 1
    assert fig.layout.xaxis.visible is False and fig.layout.yaxis.visible is False


def test_one_trace_per_legend_entry_not_per_country(catalog: Catalog) -> None:
    fig = vector(catalog, MapView())
    fills = [t for t in fig.data if t.meta and t.meta.get("form") == "fill"]
    assert len({t.meta["instrument"] for t in fills}) == len(fills)
    wa = next(t for t in fills if t.meta["instrument"] == "working_arrangement")
    assert wa.fill == "toself"


def test_countries_are_filled_by_their_strongest_tie_as_on_the_live_map(catalog: Catalog) -> None:
    """One fill per country, never stacked: the tie the layer model gives it (the live map gets the same)."""
    display = display_geometry(catalog)
    model = build_version(catalog, display)
    ties = strongest_ties(model, mask(catalog, FilterSpec()))
    fig = vector(catalog, MapView())
    fills = {t.meta["instrument"]: t for t in fig.data if t.meta and t.meta.get("form") == "fill"}
    assert set(fills) == set(ties.values())
    drawn_paths = sum(int(np.isnan(np.asarray(t.x, dtype=float)).sum()) + 1 for t in fills.values())
    assert drawn_paths >= len(ties)  # every tied country drawn once (a country may have several parts)
    # Albania has an operation and a status agreement: one fill, the operation's
    assert ties["ALB"] == "operation"


def test_every_shown_record_is_reachable_by_hover_as_on_the_live_map(catalog: Catalog) -> None:
    fig = vector(catalog, MapView())
    ids = {i for t in fig.data if t.meta and t.meta.get("form") in ("area-hover", "point") for row in t.customdata for i in row[0].split("|")}
    drawable = {r.id for r in catalog.records.itertuples() if r.located or len(r.partners)}
    assert ids == drawable


def test_points_keep_shape_colour_ring_and_hover(catalog: Catalog) -> None:
    fig = vector(catalog, MapView(layers=("liaison_officer",)), FilterSpec(instruments=("liaison_officer",)))
    point = next(t for t in fig.data if t.meta.get("form") == "point")
    assert list(point.x) == [20.46] and point.y[0] == pytest.approx(float(mercator_y(44.8)), abs=1e-3)
    assert point.marker.color == "#CC79A7" and point.marker.line.color == "#222222"  # the dark ring
    assert point.marker.symbol == "circle"
    assert "approximate: city centre" in point.hovertext[0] and "Partners:" in point.hovertext[0]
    cp = next(t for t in vector(catalog, MapView()).data if t.meta.get("form") == "point" and t.meta["instrument"] == "coordination_point")
    assert cp.marker.symbol == "diamond"


def test_filter_frame_selection_route_and_names(catalog: Catalog) -> None:
    fig = vector(catalog, MapView(), FilterSpec(regions=("sahel",)))
    ids = {i for t in fig.data if t.customdata is not None for row in t.customdata for i in row[0].split("|")}
    assert ids == {"sa-ner", "dl-rabat"}
    marked = vector(catalog, MapView(selected="lo-bel", route_countries=("ALB", "SRB")))
    assert {t.meta.get("form") for t in marked.data} >= {"selection", "route", "labels"}
    labels = next(t for t in marked.data if t.meta.get("form") == "labels")
    assert any("Serbia" in x or "SRB" in x for x in labels.text)
    far = vector(catalog, MapView(center=(-40.0, -120.0), zoom=6), world=False)  # the South Pacific
    assert len(far.data[0].x) == 0  # no basemap country is near the frame: nothing drawn


def test_markup_in_the_data_is_text_in_the_hover(catalog: Catalog) -> None:
    display = display_geometry(catalog)
    model = build_version(catalog, display)
    k = model.index["lo-bel"]
    model.payload["records"]["name"][k] = "<img src=x onerror=alert(1)>"
    fig = build_vector_map(model, mask(catalog, FilterSpec()), display, MapView(), size=SIZE)
    point = next(t for t in fig.data if t.meta.get("form") == "point" and "lo-bel" in [c[0] for c in t.customdata])
    text = point.hovertext[[c[0] for c in point.customdata].index("lo-bel")]
    assert "<img" not in text and "&lt;img" in text


def test_unvalidated_vector_figure_passes_plotly_validation(catalog: Catalog) -> None:
    fig = vector(catalog, MapView(selected="pr-eap", route_countries=("ALB",)), FilterSpec(routes=("western-balkan",)))
    validated = go.Figure(fig.to_plotly_json())  # raises ValueError on any invalid property
    assert len(validated.data) == len(fig.data)


def test_holes_wind_against_their_outer_ring() -> None:
    """A country with a hole (South Africa around Lesotho) must not be filled over the hole: the outer ring
    is drawn counter-clockwise and the hole clockwise, whatever the source order."""
    from dashboard.vector_map import _signed_area, rings_xy

    outer_cw = [[0, 0], [0, 10], [10, 10], [10, 0], [0, 0]]  # clockwise on purpose
    hole_ccw = [[4, 4], [6, 4], [6, 6], [4, 6], [4, 4]]  # counter-clockwise on purpose
    x, y = rings_xy([{"type": "Polygon", "coordinates": [outer_cw, hole_ccw]}])
    gap = int(np.flatnonzero(np.isnan(x))[0])
    outer, hole = np.column_stack([x[:gap], y[:gap]]), np.column_stack([x[gap + 1:], y[gap + 1:]])
    assert _signed_area(outer) > 0 > _signed_area(hole)
