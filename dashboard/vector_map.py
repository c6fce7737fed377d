"""The briefing map as vector drawings: the same records, styles and frame as the live map, on cartesian axes.

The live map (``dashboard.figures.build_map``) uses MapLibre traces. For exported files they cost seconds
(Chromium draws WebGL in software), SVG and PDF then hold the map as a raster picture, and a MapLibre map
saved as HTML stays blank when opened from disk (its worker is a ``blob:`` URL under the ``file://``
origin). Here the outlines are projected to Web Mercator in Python and drawn as SVG paths: one filled
``scatter`` trace per style group (not per country), outlines as lines, sites as markers. Exports render in
well under a second, SVG and PDF are true vectors, and the HTML export works from ``file://`` offline.

Pure: no Streamlit, no I/O. Coordinates are "Mercator degrees": x is the longitude, y the Mercator
ordinate scaled so that one unit of y equals one unit of x on the map; so ``scaleanchor`` keeps shapes true.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import shapely

from dashboard.figures import MAX_HOVER_LINES, MapView, hover_line, plain_records
from dashboard.style import BORDERS, HIGHLIGHT, LAND, POINT_CELL_STYLE, ROUTE_LINE, STYLES, WATER, LayerStyle
from geo import INSTRUMENT_BY_KEY, INSTRUMENTS, DisplayGeometry

WORLD_PX = 512  # MapLibre's world width in CSS pixels at zoom 0: the live map's zoom means the same here
MAX_LAT = 85.05112878  # Web Mercator's limit
DASH = {"solid": "solid", "dash": "dash", "dot": "dot"}
RING_PX = 2.5  # the live map draws a ring as a dark circle 5 px larger underneath; here it is the marker's edge


def mercator_y(lat: np.ndarray | float) -> np.ndarray:
    """Web Mercator ordinate in degree units (equal to longitude units at the equator's scale)."""
    phi = np.radians(np.clip(lat, -MAX_LAT, MAX_LAT))
    return np.degrees(np.log(np.tan(np.pi / 4 + phi / 2)))


def frame(view: MapView, width_px: float, height_px: float) -> tuple[tuple[float, float], tuple[float, float]]:
    """x and y ranges showing the view's centre at its zoom on a plot area of the given pixel size.

    At zoom z MapLibre draws the world 512·2^z px wide; the same scale is kept, so a preset frames the
    same area in an export as in the app (more or less of it around the edges, by the export's shape).
    """
    per_px = 360.0 / (WORLD_PX * 2.0 ** view.zoom)
    cx, cy = view.center[1], float(mercator_y(view.center[0]))
    half_w, half_h = width_px * per_px / 2, height_px * per_px / 2
    return (cx - half_w, cx + half_w), (cy - half_h, cy + half_h)


def _polygons(geometry: Mapping) -> list[list[np.ndarray]]:
    rings = geometry["coordinates"]
    return [rings] if geometry["type"] == "Polygon" else list(rings)


def _bbox(geometry: Mapping) -> tuple[float, float, float, float]:
    outer = np.concatenate([np.asarray(p[0]) for p in _polygons(geometry)])
    return float(outer[:, 0].min()), float(outer[:, 1].min()), float(outer[:, 0].max()), float(outer[:, 1].max())


def _signed_area(xy: np.ndarray) -> float:
    """Shoelace formula: positive for a counter-clockwise ring (lon/lat; Mercator keeps the sense)."""
    x, y = xy[:, 0], xy[:, 1]
    return float(np.dot(x, np.roll(y, -1)) - np.dot(np.roll(x, -1), y)) / 2


def rings_xy(geometries: Iterable[Mapping]) -> tuple[np.ndarray, np.ndarray]:
    """All rings of the geometries as one projected path, rings separated by NaN (a gap for plotly).

    One trace then draws many countries: ``fill='toself'`` closes and fills each gap-separated ring. The
    rings become one SVG path filled by the non-zero rule, so holes (Lesotho in South Africa) stay empty
    only if they wind against their outer ring: outer rings are made counter-clockwise, holes clockwise.
    """
    parts: list[np.ndarray] = []
    gap = np.array([[np.nan, np.nan]])
    for geometry in geometries:
        for polygon in _polygons(geometry):
            for n, ring in enumerate(polygon):
                xy = np.asarray(ring, dtype=float)
                if (_signed_area(xy) > 0) != (n == 0):  # wrong way round for an outer ring (n == 0) or a hole
                    xy = xy[::-1]
                parts += [xy, gap]
    if not parts:
        return np.empty(0), np.empty(0)
    xy = np.concatenate(parts[:-1])
    return np.round(xy[:, 0], 3), np.round(mercator_y(xy[:, 1]), 3)


def _visible(shapes: Mapping[str, Mapping], keys: Iterable[str], extent: tuple[float, float, float, float] | None) -> list[str]:
    """Keys whose outline's bounding box meets the extent (lon/lat), so off-frame countries cost nothing."""
    keys = [k for k in keys if k in shapes]
    if extent is None:
        return keys
    x0, y0, x1, y1 = extent
    out = []
    for k in keys:
        a, b, c, d = _bbox(shapes[k])
        if c >= x0 and a <= x1 and d >= y0 and b <= y1:
            out.append(k)
    return out


def _label_point(geometry: Mapping) -> tuple[float, float]:
    """(lon, lat) inside the largest part of an outline: where an area's hover sits."""
    polygon = max(_polygons(geometry), key=lambda p: len(p[0]))
    point = shapely.Polygon(polygon[0], polygon[1:]).representative_point()
    return point.x, point.y


def _rgba(hex_colour: str, alpha: float) -> str:
    h = hex_colour.lstrip("#")
    return f"rgba({int(h[0:2], 16)},{int(h[2:4], 16)},{int(h[4:6], 16)},{alpha})"


def _hover_text(lines: list[str]) -> str:
    more = f"<br>… {len(lines) - MAX_HOVER_LINES} more" if len(lines) > MAX_HOVER_LINES else ""
    return "<br>—<br>".join(lines[:MAX_HOVER_LINES]) + more


def _area_traces(key: str, style: LayerStyle, locs: list[str], shapes: Mapping[str, Mapping],
                 hover: Mapping[str, list[str]], ids: Mapping[str, list[str]], outline: bool) -> list[dict]:
    label = INSTRUMENT_BY_KEY[key].label
    x, y = rings_xy(shapes[k] for k in locs)
    if outline:
        look = {"fillcolor": _rgba(style.colour, 0.05), "line": {"color": style.colour, "width": 2.5, "dash": DASH[style.dash]}}
    else:
        look = {"fillcolor": _rgba(style.colour, style.fill_opacity), "line": {"color": "#FFFFFF", "width": 0.4}}
    anchors = [_label_point(shapes[k]) for k in locs]
    return [
        {"type": "scatter", "x": x, "y": y, "mode": "lines", "fill": "toself", **look, "hoverinfo": "skip",
         "name": label, "legendgroup": key, "showlegend": True, "meta": {"instrument": key, "form": "outline" if outline else "fill"}},
        # Hover for areas: an invisible marker inside each area (a filled path can only show one text).
        {"type": "scatter", "x": [round(a[0], 3) for a in anchors], "y": [round(float(mercator_y(a[1])), 3) for a in anchors],
         "mode": "markers", "marker": {"size": 14, "opacity": 0, "color": style.colour},
         "hovertext": [_hover_text(list(hover[k])) for k in locs], "hovertemplate": "%{hovertext}<extra>" + label + "</extra>",
         "customdata": [["|".join(ids[k])] for k in locs], "name": label, "legendgroup": key, "showlegend": False,
         "meta": {"instrument": key, "form": "area-hover"}},
    ]


def _point_trace(key: str, style: LayerStyle, recs: list[dict], names: Mapping[str, str], legend: bool) -> dict:
    label = INSTRUMENT_BY_KEY[key].label
    lat = np.array([float(r["lat"]) for r in recs])
    marker: dict = {"size": style.size, "color": style.colour}
    if style.ring:
        marker["line"] = {"color": "#222222", "width": RING_PX}
    return {
        "type": "scatter", "x": [round(float(r["lon"]), 4) for r in recs], "y": np.round(mercator_y(lat), 4),
        "mode": "markers", "marker": marker, "cliponaxis": True,
        "hovertext": [hover_line(r, names) for r in recs], "hovertemplate": "%{hovertext}<extra>" + label + "</extra>",
        "customdata": [[r["id"]] for r in recs], "name": label, "legendgroup": key, "showlegend": legend,
        "meta": {"instrument": key, "form": "point"},
    }


def build_vector_map(records: pd.DataFrame, display: DisplayGeometry, names: Mapping[str, str], view: MapView,
                     size: tuple[float, float], world: bool = False) -> go.Figure:
    """The situation map as cartesian vector traces, framed like ``view`` on a plot area of ``size`` px.

    ``world``: keep every basemap country (an interactive file can be panned); otherwise only those
    near the frame are drawn, which keeps static renders small and fast.
    """
    xr, yr = frame(view, *size)
    lat_lo, lat_hi = (math.degrees(math.atan(math.sinh(math.radians(v)))) for v in yr)
    pad_x, pad_y = (xr[1] - xr[0]) * 0.25, (lat_hi - lat_lo) * 0.25
    extent = None if world else (xr[0] - pad_x, lat_lo - pad_y, xr[1] + pad_x, lat_hi + pad_y)

    bx, by = rings_xy(display.countries[k] for k in _visible(display.countries, display.countries, extent))
    traces: list[dict] = [{"type": "scatter", "x": bx, "y": by, "mode": "lines", "fill": "toself", "fillcolor": LAND,
                           "line": {"color": BORDERS, "width": 0.6}, "hoverinfo": "skip", "showlegend": False,
                           "meta": {"form": "basemap"}}]
    _, by_instrument = plain_records(records)
    for inst in INSTRUMENTS:
        key = inst.key
        recs = by_instrument.get(key, [])
        if key not in view.layers or not recs:
            continue
        style = STYLES[key]
        located = [r for r in recs if r["located"]]
        areas = [r for r in recs if not r["located"]]
        if areas:
            outline = style.form != "fill"
            shapes = display.areas if outline else display.countries
            hover: dict[str, list[str]] = {}
            ids: dict[str, list[str]] = {}
            for rec in areas:
                for k in [rec["id"]] if outline else list(rec["partners"]):
                    if k in shapes:
                        hover.setdefault(k, []).append(hover_line(rec, names))
                        ids.setdefault(k, []).append(rec["id"])
            locs = _visible(shapes, hover, extent)
            if locs:
                traces += _area_traces(key, style, locs, shapes, hover, ids, outline)
        cells = [r for r in located if r.get("kind") == "cell"]
        plain = [r for r in located if r.get("kind") != "cell"]
        if plain:
            traces.append(_point_trace(key, style, plain, names, legend=not areas))
        if cells:
            traces.append(_point_trace(key, POINT_CELL_STYLE, cells, names, legend=not areas and not plain))

    if view.route_countries:
        rx, ry = rings_xy(display.countries[k] for k in view.route_countries if k in display.countries)
        traces.append({"type": "scatter", "x": rx, "y": ry, "mode": "lines", "line": {"color": ROUTE_LINE, "width": 3.5, "dash": "dash"},
                       "hoverinfo": "skip", "showlegend": False, "meta": {"form": "route"}})
    if view.selected is not None:
        for rec in records[records["id"] == view.selected].to_dict("records"):
            if rec["located"]:
                traces.append({"type": "scatter", "x": [float(rec["lon"])], "y": [float(mercator_y(float(rec["lat"])))], "mode": "markers",
                               "marker": {"size": 30, "color": HIGHLIGHT, "opacity": 0.35}, "hoverinfo": "skip",
                               "showlegend": False, "meta": {"form": "selection"}})
            elif rec["id"] in display.areas:
                sx, sy = rings_xy([display.areas[rec["id"]]])
                traces.append({"type": "scatter", "x": sx, "y": sy, "mode": "lines", "line": {"color": HIGHLIGHT, "width": 4},
                               "hoverinfo": "skip", "showlegend": False, "meta": {"form": "selection"}})

    axis = {"visible": False, "showgrid": False, "zeroline": False}
    layout = {
        "xaxis": {**axis, "range": list(xr)},
        # scaleanchor: one y unit is drawn as long as one x unit, so the projection is not stretched.
        "yaxis": {**axis, "range": list(yr), "scaleanchor": "x", "scaleratio": 1},
        "plot_bgcolor": WATER,
        "showlegend": True,
        "legend": {"orientation": "h", "x": 0, "y": -0.01, "yanchor": "top", "bgcolor": "rgba(255,255,255,0.9)", "font": {"size": 12}},
        "hovermode": "closest",
        "hoverlabel": {"align": "left"},
        "template": {},
    }
    # Built from known-good plain dicts, like build_map; a test validates the same figure with plotly.
    return go.Figure({"data": traces, "layout": layout}, _validate=False)

