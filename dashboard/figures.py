"""Pure figure builders: records in, ``go.Figure`` out. No Streamlit here, so they are tested as data.

The map uses only MapLibre traces (``choroplethmap``, ``scattermap``) on the ``white-bg`` style with the
bundled country outlines as GeoJSON: nothing is fetched from a tile, glyph or CDN server. No trace uses
text mode, because text needs glyphs from a server.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import pandas as pd
import plotly.graph_objects as go

from dashboard.style import (
    BORDERS,
    CHANGED,
    DEFAULT_VIEW,
    HIGHLIGHT,
    LAND,
    POINT_CELL_STYLE,
    ROUTE_LINE,
    STYLES,
    LayerStyle,
)
from geo import INSTRUMENT_BY_KEY, INSTRUMENTS, PRECISION_LABELS, STATUS_LABELS, DisplayGeometry, in_force

DASHES = {"solid": None, "dash": [3, 2], "dot": [1, 1.5]}
MAX_HOVER_LINES = 6


@dataclass(frozen=True)
class MapView:
    """Where the map looks and what is highlighted."""

    center: tuple[float, float] = DEFAULT_VIEW["center"]
    zoom: float = DEFAULT_VIEW["zoom"]
    selected: str | None = None
    route_countries: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()  # records to highlight as recently added or changed
    height: int = 620
    style: str = "white-bg"  # the MapLibre style: offline by default (see dashboard.settings.map_style)
    layers: tuple[str, ...] = field(default_factory=lambda: tuple(i.key for i in INSTRUMENTS))


def period_text(rec: Mapping) -> str:
    """'2019-05-01 – 2023-06-30'; an unknown start is '?', a missing end is 'open' unless the record ended."""
    start = rec.get("start") or "?"
    end = rec.get("end") or ("end not known" if rec.get("status") in ("ended", "superseded") else "open")
    return f"{start} – {end}"


def partner_text(codes: Iterable[str], names: Mapping[str, str], limit: int = 8) -> str:
    codes = list(codes)
    shown = ", ".join(names.get(c, c) for c in codes[:limit])
    return shown + (f" and {len(codes) - limit} more" if len(codes) > limit else "") if codes else "—"


def hover_line(rec: Mapping, names: Mapping[str, str]) -> str:
    """One record as hover text: name, partners, period, status and, for points, location precision."""
    parts = [
        f"<b>{rec['name']}</b>",
        f"Partners: {partner_text(rec['partners'], names)}",
        f"Period: {period_text(rec)} · {STATUS_LABELS.get(rec['status'], rec['status'])}",
    ]
    if rec.get("located"):
        parts.append(f"Location: {rec.get('place') or ''} ({PRECISION_LABELS.get(rec.get('precision', ''), '?')})")
    if rec.get("confidence") == "low":
        parts.append("⚠ weakly sourced")
    return "<br>".join(parts)


REF = "$ref"  # a placeholder for outlines: {"$ref": "countries"|"areas", "keys": [...] or absent for all}


def _ref(of: str, keys: Iterable[str] | None = None) -> dict:
    return {REF: of} if keys is None else {REF: of, "keys": list(keys)}


def _base_layers(offline: bool = True) -> list[dict]:
    # One fill layer with an outline colour: the outlines are sent once per figure, not twice. Over an
    # online basemap the land is not painted (the tiles show it); the bundled borders stay, for consistency.
    colour = LAND if offline else "rgba(0,0,0,0)"
    return [{"sourcetype": "geojson", "source": _ref("countries"), "type": "fill", "color": colour, "fill": {"outlinecolor": BORDERS}, "below": "traces"}]


def _collection(keys: Iterable[str], shapes: Mapping[str, dict]) -> dict:
    return {"type": "FeatureCollection", "features": [{"type": "Feature", "id": k, "properties": {}, "geometry": shapes[k]} for k in keys if k in shapes]}


def resolve(spec: dict, display: DisplayGeometry) -> dict:
    """Replace the outline references of a map spec by GeoJSON (what a self-contained figure needs).

    The live map does the same in the browser with outlines it fetched once per data version, so the
    spec sent on every rerun stays small (see ``dashboard.live_map``)."""
    shapes = {"countries": display.countries, "areas": display.areas}

    def geojson(ref: dict) -> dict:
        of = shapes[ref[REF]]
        return _collection(ref.get("keys", of), of)

    data = [{**t, "geojson": geojson(t["geojson"])} if isinstance(t.get("geojson"), dict) and REF in t["geojson"] else t for t in spec["data"]]
    layers = [{**lay, "source": geojson(lay["source"])} if REF in lay.get("source", {}) else lay for lay in spec["layout"]["map"]["layers"]]
    return {"data": data, "layout": {**spec["layout"], "map": {**spec["layout"]["map"], "layers": layers}}}


def _area_trace(key: str, style: LayerStyle, locs: list[str], geojson: dict, hover: dict[str, list[str]], ids: dict[str, list[str]], outline: bool) -> dict:
    def text(k: str) -> str:
        lines = hover[k]
        more = f"<br>… {len(lines) - MAX_HOVER_LINES} more" if len(lines) > MAX_HOVER_LINES else ""
        return "<br>—<br>".join(lines[:MAX_HOVER_LINES]) + more

    return {
        "type": "choroplethmap",
        "geojson": geojson,
        "locations": locs,
        "featureidkey": "id",
        "z": [1] * len(locs),
        "colorscale": [[0, style.colour], [1, style.colour]],
        "showscale": False,
        "marker": {"opacity": 0.05 if outline else style.fill_opacity, "line": {"width": 2.5 if outline else 0.4, "color": style.colour if outline else "#FFFFFF"}},
        "hovertext": [text(k) for k in locs],
        "hovertemplate": "%{hovertext}<extra>" + INSTRUMENT_BY_KEY[key].label + "</extra>",
        "customdata": [["|".join(ids[k])] for k in locs],
        "name": INSTRUMENT_BY_KEY[key].label,
        "legendgroup": key,
        "showlegend": bool(locs),
        "meta": {"instrument": key, "form": "outline" if outline else "fill"},
        "uid": f"{key}-area",
    }


def _point_trace(key: str, style: LayerStyle, recs: list[dict], names: Mapping[str, str], legend: bool, uid: str) -> dict:
    label = INSTRUMENT_BY_KEY[key].label
    return {
        "type": "scattermap", "lat": [round(float(r["lat"]), 4) for r in recs], "lon": [round(float(r["lon"]), 4) for r in recs],
        "mode": "markers", "marker": {"size": style.size, "color": style.colour},
        "hovertext": [hover_line(r, names) for r in recs],
        "hovertemplate": "%{hovertext}<extra>" + label + "</extra>",
        "customdata": [[r["id"]] for r in recs],
        "name": label, "legendgroup": key, "showlegend": legend, "uid": uid,
        "meta": {"instrument": key, "form": "point", "ring": style.ring},
    }


def _with_rings(traces: list[dict]) -> list[dict]:
    """The dark rings of every ringed point as one trace, placed before (so under) the first point trace: one
    MapLibre trace costs several sources and a worker round trip per update, and rings need no hover."""
    ringed = [t for t in traces if t["meta"].get("ring")]
    if not ringed:
        return traces
    rings = {"type": "scattermap", "mode": "markers", "hoverinfo": "skip", "showlegend": False, "uid": "rings",
             "lat": [v for t in ringed for v in t["lat"]], "lon": [v for t in ringed for v in t["lon"]],
             "marker": {"color": "#222222", "size": [t["marker"]["size"] + 5 for t in ringed for _ in t["lat"]]},
             "meta": {"form": "ring", "instruments": [t["meta"]["instrument"] for t in ringed]}}
    first_point = next(n for n, t in enumerate(traces) if t["type"] == "scattermap")
    return [*traces[:first_point], rings, *traces[first_point:]]


NOWHERE = "bb-nowhere"  # a location no outline has: keeps an empty area trace "visible" to plotly, draws nothing


def _keep_visible(trace: dict) -> None:
    """Give an empty trace one invisible datum. Plotly marks a trace without data invisible and then ignores
    its "below", which makes it share a value with its neighbour and re-creates their layers on every update."""
    if trace["type"] == "scattermap" and not trace["lat"]:
        trace.update(lat=[None], lon=[None], hoverinfo="skip")
    elif trace["type"] == "choroplethmap" and not trace["locations"]:
        trace.update(locations=[NOWHERE], z=[1], hovertext=[""], hoverinfo="skip")


def build_map(records: pd.DataFrame, display: DisplayGeometry, names: Mapping[str, str], view: MapView) -> go.Figure:
    """The situation map as a self-contained figure (outlines inlined): partner map, exports, tests."""
    return go.Figure(resolve(map_spec(records, display, names, view), display), _validate=False)


def plain_records(records: pd.DataFrame) -> tuple[list[dict], dict[str, list[dict]]]:
    """The records as plain dicts, and grouped by instrument. Plain dicts (not GeoDataFrame rows) keep
    building ~100 hover texts in the low milliseconds."""
    rows = pd.DataFrame(records.drop(columns="geometry", errors="ignore")).to_dict("records")
    by_instrument: dict[str, list[dict]] = {}
    for rec in rows:
        by_instrument.setdefault(rec["instrument"], []).append(rec)
    return rows, by_instrument


def trace_slots(records: pd.DataFrame) -> frozenset[str]:
    """The traces a map of these records can need: an area trace per instrument with unlocated records,
    a point trace per instrument with located ones, a cell trace for located "cells". The live map passes
    the slots of the whole catalog, so its trace list stays the same whatever the filter."""
    slots = set()
    for inst, located, kind in zip(records["instrument"], records["located"], records.get("kind", pd.Series("", index=records.index)), strict=True):
        slots.add(f"{inst}-{'cell' if kind == 'cell' else 'point'}" if located else f"{inst}-area")
    return frozenset(slots)


def map_spec(records: pd.DataFrame, display: DisplayGeometry, names: Mapping[str, str], view: MapView,
             slots: frozenset[str] | None = None) -> dict:
    """The situation map as plain data, with outlines as references (see ``resolve``).

    Every visible instrument is a layer over the bundled country outlines. Country-level instruments are
    fills, sites are points (circles, some ringed), areas of projects, agreements, networks and dialogues
    are outlines with a dash pattern per instrument. ``slots`` (default: those of ``records``) are the
    traces always emitted, empty where the filter leaves nothing (see ``trace_slots``).
    """
    slots = trace_slots(records) if slots is None else slots
    # The layers are always the same list in the same order (empty where nothing is drawn), and every trace
    # has a stable uid: the live map then updates only what changed instead of rebuilding every MapLibre
    # layer (measured: dropping three traces without uids cost 570 ms in the browser, 10 ms with them).
    layers = _base_layers(offline=view.style == "white-bg")
    dash_layers: dict[str, dict] = {}
    for inst in INSTRUMENTS:
        style = STYLES[inst.key]
        if style.form != "fill" and DASHES[style.dash]:
            dash_layers[inst.key] = {"sourcetype": "geojson", "source": _ref("areas", []), "type": "line",
                                     "color": "#FFFFFF", "line": {"width": 2.2, "dash": DASHES[style.dash]}, "below": ""}
    layers += dash_layers.values()
    traces: list = []
    plain_rows, by_instrument = plain_records(records)
    for inst in INSTRUMENTS:
        key = inst.key
        style = STYLES[key]
        recs = by_instrument.get(key, []) if key in view.layers else []
        located = [r for r in recs if r["located"]]
        areas = [r for r in recs if not r["located"]]
        outline = style.form != "fill"
        shapes = display.areas if outline else display.countries
        hover: dict[str, list[str]] = {}
        ids: dict[str, list[str]] = {}
        for rec in areas:
            keys = [rec["id"]] if outline else list(rec["partners"])
            for k in keys:
                if k in shapes:
                    hover.setdefault(k, []).append(hover_line(rec, names))
                    ids.setdefault(k, []).append(rec["id"])
        locs = list(hover)
        if locs or f"{key}-area" in slots:
            traces.append(_area_trace(key, style, locs, _ref("areas" if outline else "countries", locs), hover, ids, outline))
        if key in dash_layers:
            dash_layers[key]["source"] = _ref("areas", locs)
        plain = [r for r in located if r.get("kind") != "cell"]
        if plain or f"{key}-point" in slots:
            traces.append(_point_trace(key, style, plain, names, legend=bool(plain) and not locs, uid=f"{key}-point"))
        cells = [r for r in located if r.get("kind") == "cell"]
        if cells or f"{key}-cell" in slots:  # AFIC risk analysis cells
            traces.append(_point_trace(key, POINT_CELL_STYLE, cells, names, legend=bool(cells) and not locs and not plain, uid=f"{key}-cell"))

    layers.append({"sourcetype": "geojson", "source": _ref("countries", view.route_countries), "type": "line",
                   "color": ROUTE_LINE, "line": {"width": 3.5, "dash": [4, 2]}, "below": ""})
    changed_areas = {"sourcetype": "geojson", "source": _ref("areas", []), "type": "line", "color": CHANGED,
                     "line": {"width": 4, "dash": [2, 1]}, "below": ""}
    layers.append(changed_areas)
    wanted = set(view.changed)
    hits = [r for r in plain_rows if r["id"] in wanted and r["instrument"] in view.layers] if wanted else []
    areas_changed = [r["id"] for r in hits if not r["located"] and r["id"] in display.areas]
    changed_areas["source"] = _ref("areas", areas_changed)
    points = [r for r in hits if r["located"]]
    # one legend entry, on the point halo trace (shown also when only areas changed)
    traces.append({"type": "scattermap", "lat": [float(r["lat"]) for r in points], "lon": [float(r["lon"]) for r in points],
                   "mode": "markers", "marker": {"size": 30, "color": CHANGED, "opacity": 0.4},
                   "hovertext": [f"Changed recently: {r['name']}" for r in points], "hovertemplate": "%{hovertext}<extra></extra>",
                   "customdata": [[r["id"]] for r in points], "name": "Added or changed recently", "showlegend": bool(hits),
                   "meta": {"form": "changes"}, "uid": "changes"})
    selected_area = {"sourcetype": "geojson", "source": _ref("areas", []), "type": "line", "color": HIGHLIGHT, "line": {"width": 4}, "below": ""}
    layers.append(selected_area)
    chosen = [r for r in plain_rows if r["id"] == view.selected] if view.selected is not None else []
    spot = [r for r in chosen if r["located"]]
    traces.append({"type": "scattermap", "lat": [float(r["lat"]) for r in spot], "lon": [float(r["lon"]) for r in spot], "mode": "markers",
                   "marker": {"size": 30, "color": HIGHLIGHT, "opacity": 0.35}, "hoverinfo": "skip",
                   "showlegend": False, "meta": {"form": "selection"}, "uid": "selection"})
    if chosen and not spot and chosen[0]["id"] in display.areas:
        selected_area["source"] = _ref("areas", [chosen[0]["id"]])

    # Every trace and layer has its own "below" value. Plotly re-creates the MapLibre layers of every trace
    # and layer that shares a "below" value with another one on each update (measured: all 40 layers
    # removed and re-added for a one-point change, ~600 ms here). A value naming no layer stacks the layer
    # on top when it is first created, so creation order (this list's order) is the drawing order; the
    # trace list is always the same (empty traces where nothing is drawn), so nothing is created later.
    traces = _with_rings(traces)
    for trace in traces:
        trace["below"] = f"bb-stack-{trace['uid']}"
        _keep_visible(trace)
    for n, layer in enumerate(layers[1:], start=1):
        layer["below"] = f"bb-stack-layer-{n}"

    layout = {
        "map": {"style": view.style, "center": {"lat": view.center[0], "lon": view.center[1]}, "zoom": view.zoom, "layers": layers},
        "margin": {"l": 0, "r": 0, "t": 0, "b": 70},
        "height": view.height,
        # The legend sits under the map so that it never hides the footprint; toggling is done with the
        # instrument filter (legend clicks would hide traces but not their dash overlays, so they are off).
        "legend": {"orientation": "h", "x": 0, "y": -0.01, "yanchor": "top", "bgcolor": "rgba(255,255,255,0.9)",
                "itemclick": False, "itemdoubleclick": False, "font": {"size": 12}},
        "uirevision": "situation-map",
        "hoverlabel": {"align": "left"},
        "template": {},  # no theme: smaller payload; a dict (not "none") because figure validation is skipped
    }
    # Traces and layout are plain dicts from known-good values; plotly's validation would deep-copy every
    # outline (hundreds of milliseconds per rerun), so it is skipped and covered by the tests instead.
    return {"data": traces, "layout": layout}


def build_timeline(records: pd.DataFrame, as_of: dt.date | None, today: dt.date) -> go.Figure:
    """A Gantt of agreements, operations, projects, postings and coordination-point activations (each
    record's ``periods``, which already hold the activation periods)."""
    rows = []
    for rec in records.to_dict("records"):
        periods = rec["periods"]
        for start, end in periods:
            if start is None:
                continue
            rows.append({
                "id": rec["id"], "name": rec["name"], "instrument": INSTRUMENT_BY_KEY[rec["instrument"]].label,
                "key": rec["instrument"], "start": start, "end": end or today, "open": end is None,
                "status": STATUS_LABELS.get(rec["status"], rec["status"]),
            })
    fig = go.Figure()
    if rows:
        frame = pd.DataFrame(rows).sort_values(["key", "start"])
        labels = list(dict.fromkeys(frame["name"]))
        for key, grp in frame.groupby("key", sort=False):
            style = STYLES[str(key)]
            fig.add_trace(go.Bar(
                y=grp["name"], base=pd.to_datetime(grp["start"]),
                x=[(pd.Timestamp(e) - pd.Timestamp(s)).total_seconds() * 1000 + 86_400_000 for s, e in zip(grp["start"], grp["end"], strict=True)],
                orientation="h", marker={"color": style.colour, "line": {"width": 0}},
                name=INSTRUMENT_BY_KEY[str(key)].label, customdata=[[i] for i in grp["id"]],
                hovertemplate="<b>%{y}</b><br>%{base|%Y-%m-%d} – %{x}<extra></extra>",
                meta={"instrument": key},
            ))
        fig.update_yaxes(categoryorder="array", categoryarray=labels[::-1], automargin=True)
    fig.update_xaxes(type="date")
    if as_of is not None:
        fig.add_vline(x=pd.Timestamp(as_of).timestamp() * 1000, line={"color": HIGHLIGHT, "width": 2, "dash": "dash"})
        fig.add_annotation(x=pd.Timestamp(as_of).timestamp() * 1000, y=1.0, yref="paper", text=f"as of {as_of.isoformat()}", showarrow=False, yanchor="bottom")
    fig.update_layout(barmode="overlay", height=max(320, 22 * len({r["name"] for r in rows}) + 120), margin={"l": 10, "r": 10, "t": 30, "b": 30}, legend={"orientation": "h", "y": -0.08})
    return fig


def kpis(records: pd.DataFrame, as_of: dt.date) -> dict[str, int]:
    """Headline counts for the current selection, as of a day (same reading of periods as the filters)."""
    active: dict[str, int] = {}
    partners: set[str] = set()
    for inst, periods, status, ps in zip(records["instrument"], records["periods"], records["status"], records["partners"], strict=True):
        partners.update(ps)
        if in_force(periods, status, as_of):
            active[inst] = active.get(inst, 0) + 1
    return {
        "Status agreements in force": active.get("status_agreement", 0),
        "Active operations": active.get("operation", 0),
        "Liaison postings": active.get("liaison_officer", 0),
        "Active coordination points": active.get("coordination_point", 0),
        "Projects running": active.get("project", 0),
        "Partners involved": len(partners),
    }


def legend_rows(layers: Sequence[str]) -> list[tuple[str, str, str]]:
    """(symbol, colour, label) for the visible layers, for legends outside the map (exports, captions)."""
    return [(STYLES[k].legend_symbol, STYLES[k].colour, INSTRUMENT_BY_KEY[k].label) for k in layers if k in STYLES]
