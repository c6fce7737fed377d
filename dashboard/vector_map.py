"""The briefing map as vector drawings: what the live map draws, from the same layer model, on cartesian axes.

Both maps read one model (``dashboard.map_model``): the records' places, styles and hover texts, the
strongest-tie country fills (``map_model.tie_classes``), the outline frameworks, the site symbols with their
shapes, the route lines to their EU entry points, the country names and the legend entries. The live map
draws it on a canvas in the browser (``dashboard.live_map``); this module draws it as plotly ``scatter``
traces for the exports (PNG/SVG/PDF/PPTX/HTML) and the partner page, so SVG and PDF are true vectors and the
HTML file works from ``file://``. Outlines are projected to Web Mercator in Python and drawn as SVG paths: one
trace per legend entry (not per country).

Pure: no Streamlit, no I/O. Coordinates are "Mercator degrees": x is the longitude, y the Mercator
ordinate scaled so that one unit of y equals one unit of x on the map; so ``scaleanchor`` keeps shapes true.
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterable, Mapping

import numpy as np
import plotly.graph_objects as go
import shapely

from dashboard.figures import MapView
from dashboard.map_model import VersionModel, strongest_ties
from dashboard.style import BORDERS, CHANGED, HIGHLIGHT, LAND, ROUTE_LINE, WATER
from geo import DisplayGeometry

WORLD_PX = 512  # the live map's world width in CSS pixels at zoom 0 (Web Mercator): its zoom means the same here
FIT_MAX_ZOOM = 6.5  # as the live map: fitting bounds never zooms in closer than this
FIT_PAD = 0.06  # the share of the plot's width and height left free around fitted bounds
MAX_LAT = 85.05112878  # Web Mercator's limit
DASH = {"solid": "solid", "dash": "dash", "dot": "dot"}
RING_PX = 2.5  # the live map draws a ring as a dark circle 5 px larger underneath; here it is the marker's edge


def mercator_y(lat: np.ndarray | float) -> np.ndarray:
    """Web Mercator ordinate in degree units (equal to longitude units at the equator's scale)."""
    phi = np.radians(np.clip(lat, -MAX_LAT, MAX_LAT))
    return np.degrees(np.log(np.tan(np.pi / 4 + phi / 2)))


def frame(view: MapView, width_px: float, height_px: float) -> tuple[tuple[float, float], tuple[float, float]]:
    """x and y ranges showing the view's centre at its zoom on a plot area of the given pixel size.

    At zoom z the live map draws the world 512·2^z px wide; the same scale is kept, so a camera frames the
    same area in an export as in the app (more or less of it around the edges, by the export's shape). A view
    the app framed (``view.bounds``) is fitted to this plot's size instead, as the live map fits it to its own.
    """
    zoom, (cy_lat, cx) = view.zoom, view.center
    if view.bounds is not None:  # framed on a result or a record: fit them to this plot's size, as the live map does
        w, s, e, n = view.bounds
        span_x, span_y = max(e - w, 1e-6), max(float(mercator_y(n) - mercator_y(s)), 1e-6)
        usable_w, usable_h = width_px * (1 - 2 * FIT_PAD), height_px * (1 - 2 * FIT_PAD)
        zoom = min(FIT_MAX_ZOOM, np.log2(min(usable_w / span_x, usable_h / span_y) * 360.0 / WORLD_PX))
        cx, cy = (w + e) / 2, (float(mercator_y(n)) + float(mercator_y(s))) / 2
    else:
        cy = float(mercator_y(cy_lat))
    per_px = 360.0 / (WORLD_PX * 2.0 ** zoom)
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


MAX_HOVER_LINES = 6
SYMBOLS = {"circle": "circle", "diamond": "diamond", "square": "square", "triangle": "triangle-up", "hexagon": "hexagon"}
LABEL_PX = 12  # country names, as on the live map


def _text(raw: str) -> str:
    """Plain text from the data as plotly hover text: markup escaped, lines broken."""
    return html.escape(raw, quote=False).replace("\n", "<br>")


def _hover_text(lines: list[str]) -> str:
    more = f"<br>… {len(lines) - MAX_HOVER_LINES} more" if len(lines) > MAX_HOVER_LINES else ""
    return "<br>—<br>".join(lines[:MAX_HOVER_LINES]) + more


def _area_hover(key: str, label: str, locs: list[str], shapes: Mapping[str, Mapping], hover: Mapping[str, list[str]],
                ids: Mapping[str, list[str]]) -> dict:
    """Hover for areas: an invisible marker inside each area (a filled path can show only one text)."""
    anchors = [_label_point(shapes[k]) for k in locs]
    return {"type": "scatter", "x": [round(a[0], 3) for a in anchors], "y": [round(float(mercator_y(a[1])), 3) for a in anchors],
            "mode": "markers", "marker": {"size": 14, "opacity": 0},
            "hovertext": [_hover_text(list(hover[k])) for k in locs], "hovertemplate": "%{hovertext}<extra>" + html.escape(label) + "</extra>",
            "customdata": [["|".join(ids[k])] for k in locs], "showlegend": False, "meta": {"instrument": key, "form": "area-hover"}}


def _labels(model: VersionModel, involved: set[int], xr: tuple[float, float], yr: tuple[float, float], size: tuple[float, float]) -> dict | None:
    """Country names where they fit, most involved and largest first (the live map's rule, in export pixels)."""
    per_px_x, per_px_y = (xr[1] - xr[0]) / size[0], (yr[1] - yr[0]) / size[1]
    names = [f["properties"]["name"] for f in model.payload["countries"]["features"]]
    boxes: list[tuple[float, float, float, float]] = []
    xs, ys, texts, bold = [], [], [], []
    for c, lon, lat, _area in sorted(model.payload["labels"], key=lambda lab: (lab[0] not in involved, -lab[3])):
        x, y = lon, float(mercator_y(lat))
        px, py = (x - xr[0]) / per_px_x, (yr[1] - y) / per_px_y
        w, h = len(names[c]) * LABEL_PX * 0.6 + 6, LABEL_PX + 4
        box = (px - w / 2, py - h / 2, px + w / 2, py + h / 2)
        if box[0] < 0 or box[1] < 0 or box[2] > size[0] or box[3] > size[1]:
            continue
        if c not in involved and (len(boxes) > 40 or _area < 1):  # no names of uninvolved microstates
            continue
        if any(box[0] < b[2] and box[2] > b[0] and box[1] < b[3] and box[3] > b[1] for b in boxes):
            continue
        boxes.append(box)
        xs.append(round(x, 3))
        ys.append(round(y, 3))
        texts.append(f"<b>{html.escape(names[c])}</b>" if c in involved else html.escape(names[c]))
        bold.append(c in involved)
    if not texts:
        return None
    return {"type": "scatter", "x": xs, "y": ys, "text": texts, "mode": "text", "hoverinfo": "skip", "showlegend": False,
            "textfont": {"size": LABEL_PX, "color": "#333333"}, "cliponaxis": True, "meta": {"form": "labels"}}


def build_vector_map(model: VersionModel, shown: np.ndarray, display: DisplayGeometry, view: MapView,
                     size: tuple[float, float], world: bool = False, routes: Iterable[str] = ()) -> go.Figure:
    """The situation map as cartesian vector traces, framed like ``view`` on a plot area of ``size`` px.

    ``model``/``shown``: the layer model of the data version and the records the filter shows (the live map
    gets the same). ``display``: the outlines to draw (finer for exports than the live map's). ``world``:
    keep every basemap country (an interactive file can be panned); otherwise only those near the frame.
    """
    xr, yr = frame(view, *size)
    lat_lo, lat_hi = (math.degrees(math.atan(math.sinh(math.radians(v)))) for v in yr)
    pad_x, pad_y = (xr[1] - xr[0]) * 0.25, (lat_hi - lat_lo) * 0.25
    extent = None if world else (xr[0] - pad_x, lat_lo - pad_y, xr[1] + pad_x, lat_hi + pad_y)
    payload, rec = model.payload, model.payload["records"]
    instruments = payload["instruments"]
    legend = {e["key"]: e for e in payload["legend"]}
    layers = set(view.layers)
    iso = [f["properties"]["iso"] for f in payload["countries"]["features"]]
    shown = np.asarray(shown, dtype=bool) & np.array([instruments[i]["key"] in layers for i in rec["inst"]], dtype=bool)

    bx, by = rings_xy(display.countries[k] for k in _visible(display.countries, display.countries, extent))
    traces: list[dict] = [{"type": "scatter", "x": bx, "y": by, "mode": "lines", "fill": "toself", "fillcolor": LAND,
                           "line": {"color": BORDERS, "width": 0.6}, "hoverinfo": "skip", "showlegend": False,
                           "meta": {"form": "basemap"}}]
    # hover per country (every shown record drawn through it) and per regional outline
    country_hover: dict[str, list[str]] = {}
    country_ids: dict[str, list[str]] = {}
    outlines: dict[str, list[int]] = {}
    points: dict[str, list[int]] = {}
    involved: set[int] = set()
    for k in np.flatnonzero(shown):
        key = "cell" if rec["cell"][k] else instruments[rec["inst"][k]]["key"]
        line = f"<b>{_text(rec['name'][k])}</b><br>{_text(rec['hover'][k])}"
        if rec["lon"][k] is not None:
            points.setdefault(key, []).append(int(k))
            involved.update(rec["partners"][k])
            continue
        if rec["area"][k] >= 0:
            outlines.setdefault(key, []).append(int(k))
        if len(rec["partners"][k]) <= 12:
            involved.update(rec["partners"][k])
        for c in rec["partners"][k]:
            country_hover.setdefault(iso[c], []).append(line)
            country_ids.setdefault(iso[c], []).append(rec["id"][k])

    ties = strongest_ties(model, shown)
    for inst in instruments:  # fills: one trace per tie, the countries whose strongest tie it is
        if inst["tie"] < 0:
            continue
        locs = _visible(display.countries, [c for c, t in ties.items() if t == inst["key"]], extent)
        if locs:
            x, y = rings_xy(display.countries[k] for k in locs)
            traces.append({"type": "scatter", "x": x, "y": y, "mode": "lines", "fill": "toself", "fillcolor": legend[inst["key"]]["colour"],
                           "line": {"color": BORDERS, "width": 0.6}, "hoverinfo": "skip", "name": inst["label"], "legendgroup": inst["key"],
                           "showlegend": True, "meta": {"instrument": inst["key"], "form": "fill"}})
    for inst in instruments:  # regional frameworks: an outline per instrument, with its dash
        ks = outlines.get(inst["key"], [])
        shapes = {rec["id"][k]: display.areas[rec["id"][k]] for k in ks if rec["id"][k] in display.areas}
        locs = _visible(shapes, shapes, extent)
        if locs:
            x, y = rings_xy(shapes[k] for k in locs)
            traces.append({"type": "scatter", "x": x, "y": y, "mode": "lines", "line": {"color": inst["colour"], "width": 2.5, "dash": DASH[inst["dash"]]},
                           "hoverinfo": "skip", "name": inst["label"], "legendgroup": inst["key"], "showlegend": True,
                           "meta": {"instrument": inst["key"], "form": "outline"}})
    hover_locs = _visible(display.countries, country_hover, extent)
    if hover_locs:
        traces.append(_area_hover("countries", "records in this country", hover_locs, display.countries, country_hover, country_ids))

    for r in routes:  # a chosen route: a line from each route country to its EU entry point
        route = payload["routes"].get(r)
        if route:
            ex, ey = route["entry"][0], float(mercator_y(route["entry"][1]))
            x: list = []
            y: list = []
            for _code, lon, lat in route["from"]:
                x += [lon, ex, None]
                y += [round(float(mercator_y(lat)), 3), round(ey, 3), None]
            traces.append({"type": "scatter", "x": x, "y": y, "mode": "lines", "line": {"color": ROUTE_LINE, "width": 2.5},
                           "hoverinfo": "skip", "name": f"{route['name']} route to {route['place']} (approximate)", "showlegend": True,
                           "meta": {"form": "route-line", "route": r}})
            traces.append({"type": "scatter", "x": [ex], "y": [round(ey, 3)], "mode": "markers", "showlegend": False,
                           "marker": {"size": 11, "color": ROUTE_LINE, "line": {"color": "#FFFFFF", "width": 2}},
                           "hovertext": [_text(f"{route['name']} route: EU entry point, {route['place']} (approximate)")],
                           "hovertemplate": "%{hovertext}<extra></extra>", "meta": {"form": "route-entry", "route": r}})
    if view.route_countries:
        rx, ry = rings_xy(display.countries[k] for k in view.route_countries if k in display.countries)
        traces.append({"type": "scatter", "x": rx, "y": ry, "mode": "lines", "line": {"color": ROUTE_LINE, "width": 3.5, "dash": "dash"},
                       "hoverinfo": "skip", "name": "Countries on the chosen route", "showlegend": True, "meta": {"form": "route"}})

    for entry in payload["legend"]:  # sites: one marker trace per symbol, shaped and coloured as on the live map
        ks = points.get(entry["key"], [])
        if not ks:
            continue
        style = payload["cell"] if entry["key"] == "cell" else next(i for i in instruments if i["key"] == entry["key"])
        marker: dict = {"size": style["size"] + 2, "color": entry["colour"], "symbol": SYMBOLS[entry["shape"]],
                        "line": {"color": "#222222" if style.get("ring") else "#FFFFFF", "width": 2.5 if style.get("ring") else 1.5}}
        traces.append({"type": "scatter", "x": [rec["lon"][k] for k in ks], "y": np.round(mercator_y(np.array([rec["lat"][k] for k in ks])), 4),
                       "mode": "markers", "marker": marker, "cliponaxis": True,
                       "hovertext": [f"<b>{_text(rec['name'][k])}</b><br>{_text(rec['hover'][k])}" for k in ks],
                       "hovertemplate": "%{hovertext}<extra></extra>", "customdata": [[rec["id"][k]] for k in ks],
                       "name": entry["label"], "legendgroup": entry["key"], "showlegend": True,
                       "meta": {"instrument": entry.get("instrument", entry["key"]), "form": "point"}})

    sel = model.index.get(view.selected, -1) if view.selected else -1
    if sel >= 0 and shown[sel]:
        if rec["lon"][sel] is not None:
            traces.append({"type": "scatter", "x": [rec["lon"][sel]], "y": [float(mercator_y(rec["lat"][sel]))], "mode": "markers",
                           "marker": {"size": 30, "color": "rgba(0,0,0,0)", "line": {"color": HIGHLIGHT, "width": 3}}, "hoverinfo": "skip",
                           "name": "Selected", "showlegend": True, "meta": {"form": "selection"}})
        elif rec["id"][sel] in display.areas:
            sx, sy = rings_xy([display.areas[rec["id"][sel]]])
            traces.append({"type": "scatter", "x": sx, "y": sy, "mode": "lines", "line": {"color": HIGHLIGHT, "width": 4},
                           "hoverinfo": "skip", "name": "Selected", "showlegend": True, "meta": {"form": "selection"}})
    changed = [k for k in (model.index.get(r, -1) for r in view.changed) if k >= 0 and shown[k] and rec["lon"][k] is not None]
    if changed:
        traces.append({"type": "scatter", "x": [rec["lon"][k] for k in changed], "y": [float(mercator_y(rec["lat"][k])) for k in changed],
                       "mode": "markers", "marker": {"size": 30, "color": CHANGED, "opacity": 0.45}, "hoverinfo": "skip",
                       "name": "Added or changed recently", "showlegend": True, "meta": {"form": "changes"}})
    labels = _labels(model, involved, xr, yr, size)
    if labels:
        traces.append(labels)

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
    # Built from known-good plain dicts; a test validates the same figure with plotly.
    return go.Figure({"data": traces, "layout": layout}, _validate=False)
