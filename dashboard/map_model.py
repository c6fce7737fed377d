"""The live map's data: what a data version puts on the map (once), and what a filter changes (every rerun).

Pure functions, no Streamlit. The split is the point of the design (issue 13, "data flow that scales"):

- ``version_payload`` is everything per record the browser needs to draw, hover and pick it (positions,
  instrument, name, hover text, partners) plus the country outlines with their names and label points and
  the outlines of regional records. It is written once per data version as a file and fetched once by the
  browser (``dashboard.live_map.data_file``).
- ``rerun_state`` is what a filter change sends: which records are shown, as a bit mask over the version's
  record order (10,000 records: 1.7 kB), the selection, the recently changed records and the route
  countries, as indices. The per-rerun message stays a few kilobytes whatever the number of records.
- ``frame_bounds`` is where the map looks after a filter change: the records' places and the countries the
  filter is about, so every filter frames its result.

Cartography (decided here, drawn by ``main.js``): a country is filled with the colour of its strongest tie
among the shown records (``style.TIE_ORDER``: operation > status agreement > working arrangement >
strategic partner), never with stacked transparent fills, so every fill on the map is one legend entry.
Projects, risk-analysis networks and dialogues are outlines with their own dash pattern; sites are symbols
of their own shape and colour. Hover text is plain text, shown with ``textContent`` (never as HTML).
"""

from __future__ import annotations

import base64
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from dashboard.figures import partner_text, period_of, period_text
from dashboard.style import CHANGED, POINT_CELL_STYLE, ROUTE_LINE, STYLES, THEMES, TIE_FILLS, TIE_ORDER
from geo import (
    INSTRUMENT_BY_KEY,
    INSTRUMENTS,
    PRECISION_LABELS,
    STATUS_LABELS,
    Catalog,
    DisplayGeometry,
    FilterSpec,
    column_list,
    label_point,
    route_partners,
)

CELL = "cell"  # the AFIC risk-analysis cells: points of the risk-network instrument with their own symbol
MAX_PARTNERS_FOR_FRAME = 6  # records with more partners (a 50-country dialogue) do not widen the frame on their own


@dataclass(frozen=True)
class VersionModel:
    """What one data version puts on the map, built once (``build_version``)."""

    version: str
    ids: tuple[str, ...]  # record order of the catalog: bit i of a mask is record i
    index: Mapping[str, int]
    country_bounds: Mapping[str, tuple[float, float, float, float]]  # iso3 -> (west, south, east, north)
    points: Mapping[str, tuple[float, float]]  # record id -> (lon, lat), for located records
    partners: Mapping[str, tuple[str, ...]]
    payload: dict  # the JSON the browser fetches once


def hover_lines(rec: Mapping, names: Mapping[str, str], partners: str | None = None, period: str | None = None) -> list[str]:
    """One record as plain-text lines: partners (``partners``: their text, if made already), period (``period``:
    likewise) and status, location precision, weak sourcing."""
    partners = partner_text(rec["partners"], names) if partners is None else partners
    lines = [f"{INSTRUMENT_BY_KEY[rec['instrument']].label} · Partners: {partners}",
             f"Period: {period_text(rec) if period is None else period} · {STATUS_LABELS.get(rec['status'], rec['status'])}"]
    if rec.get("located"):
        lines.append(f"Location: {rec.get('place') or ''} ({PRECISION_LABELS.get(rec.get('precision', ''), '?')})")
    if rec.get("confidence") == "low":
        lines.append("⚠ weakly sourced")
    return lines


def _legend() -> list[dict]:
    """The legend as the map draws it: one entry per instrument with its form, plus the overlays."""
    entries = []
    for inst in INSTRUMENTS:
        st = STYLES[inst.key]
        if st.form == "fill":
            entries.append({"key": inst.key, "label": inst.label, "form": "fill", "colour": TIE_FILLS.get(inst.key, st.colour)})
        elif st.form == "outline":
            entries.append({"key": inst.key, "label": inst.label, "form": "outline", "colour": st.colour, "dash": st.dash})
        else:
            entries.append({"key": inst.key, "label": inst.label, "form": "point", "colour": st.colour, "shape": st.shape})
    entries.append({"key": CELL, "label": "AFIC risk analysis cell", "form": "point", "colour": POINT_CELL_STYLE.colour,
                    "shape": POINT_CELL_STYLE.shape, "instrument": "risk_network"})
    return entries


def _bounds(geom) -> tuple[float, float, float, float] | None:
    if geom is None or geom.is_empty:
        return None
    if geom.geom_type == "MultiPolygon":  # the parts that matter: drop far islands smaller than a tenth of the largest
        parts = sorted(geom.geoms, key=lambda g: g.area, reverse=True)
        geom = type(geom)([p for p in parts if p.area >= parts[0].area * 0.1])
    w, s, e, n = geom.bounds
    return (round(w, 3), round(s, 3), round(e, 3), round(n, 3))


def _num(x: object) -> float | None:
    try:
        v = float(x)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return None if math.isnan(v) else v


def build_version(catalog: Catalog, display: DisplayGeometry) -> VersionModel:
    """Everything one data version puts on the map (see the module docstring)."""
    names = catalog.partner_names()
    base_names = dict(zip(catalog.countries["iso3"], catalog.countries["name"], strict=True))
    iso = list(display.countries)
    ci = {k: n for n, k in enumerate(iso)}
    shapes = dict(zip(catalog.countries["iso3"], catalog.countries.geometry, strict=True))
    country_bounds = {k: b for k, g in shapes.items() if (b := _bounds(g)) is not None}
    labels = []
    for k in iso:
        p = label_point(shapes.get(k))
        if p is not None:
            b = country_bounds.get(k, (0, 0, 0, 0))
            labels.append([ci[k], round(p.x, 3), round(p.y, 3), round((b[2] - b[0]) * (b[3] - b[1]), 1)])
    countries = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "id": n, "properties": {"iso": k, "name": names.get(k) or base_names.get(k) or k}, "geometry": display.countries[k]}
        for n, k in enumerate(iso)]}

    records = catalog.records
    col = {name: column_list(records[name]) for name in
           ("id", "name", "instrument", "kind", "partners", "status", "confidence", "start", "end", "place", "precision")}
    located = records["located"].to_numpy(dtype=bool)
    (lon, has_lon), (lat, has_lat) = (_coordinate(records, name, located) for name in ("lon", "lat"))
    # the payload's coordinates are rounded to 4 decimals (about 10 m); the model's points keep them as read
    lon_all, lat_all = (_rounded(a, has) for a, has in ((lon, has_lon), (lat, has_lat)))
    inst_index = {i.key: n for n, i in enumerate(INSTRUMENTS)}
    periods = [period_of(*se) for se in zip(col["start"], col["end"], col["status"], strict=True)]
    rec_cols: dict[str, list] = {"id": col["id"], "name": col["name"], "inst": [inst_index[k] for k in col["instrument"]],
                                 "lon": lon_all, "lat": lat_all, "cell": [1 if k == CELL else 0 for k in col["kind"]],
                                 "partners": [], "hover": [], "area": [], "ptext": [], "period": periods,
                                 "status": [STATUS_LABELS.get(s, s) for s in col["status"]],
                                 "conf": [c or "" for c in col["confidence"]]}  # the last four: the record table's columns
    areas = []
    area_of: dict[int, int] = {}  # records over the same countries share one outline (the same geometry object)
    texts: dict[tuple[str, ...], tuple[str, str, list[int]]] = {}  # partners -> hover text, full list, indices
    outline = {i.key for i in INSTRUMENTS if STYLES[i.key].form == "outline"}
    hover, area_col, ptext, indices = rec_cols["hover"], rec_cols["area"], rec_cols["ptext"], rec_cols["partners"]
    for n, (rid, key, partners, status, place, precision, confidence) in enumerate(zip(
            col["id"], col["instrument"], col["partners"], col["status"], col["place"], col["precision"], col["confidence"], strict=True)):
        area = -1
        if not located[n] and key in outline and (shape := display.areas.get(rid)) is not None:
            area = area_of.get(id(shape), -1)
            if area < 0:
                area = area_of[id(shape)] = len(areas)
                areas.append({"type": "Feature", "id": area, "properties": {}, "geometry": shape})
        said = texts.get(partners)
        if said is None:
            said = texts[partners] = (partner_text(partners, names), partner_text(partners, names, limit=None),
                                      [ci[p] for p in partners if p in ci])
        rec = {"instrument": key, "status": status, "located": located[n], "place": place, "precision": precision, "confidence": confidence}
        indices.append(said[2])
        hover.append("\n".join(hover_lines(rec, names, said[0], periods[n])))
        area_col.append(area)
        ptext.append(said[1])
    both = np.flatnonzero(has_lon & has_lat)
    points = {col["id"][k]: (x, y) for k, x, y in zip(both.tolist(), lon[both].tolist(), lat[both].tolist(), strict=True)}
    label_at = {iso[c]: (lon, lat) for c, lon, lat, _ in labels}
    payload = {
        "version": catalog.version,
        "routes": route_lines(catalog.routes, label_at),
        "instruments": [{"key": i.key, "label": i.label, "form": STYLES[i.key].form, "colour": STYLES[i.key].colour,
                         "shape": STYLES[i.key].shape, "dash": STYLES[i.key].dash,
                         "size": STYLES[i.key].size, "ring": STYLES[i.key].ring,
                         "tie": TIE_ORDER.index(i.key) if i.key in TIE_ORDER else -1} for i in INSTRUMENTS],
        "tie_fills": [TIE_FILLS[k] for k in TIE_ORDER],
        "cell": {"colour": POINT_CELL_STYLE.colour, "shape": POINT_CELL_STYLE.shape, "size": POINT_CELL_STYLE.size, "ring": True},
        "legend": _legend(),
        "themes": THEMES,
        "route_colour": ROUTE_LINE,
        "changed_colour": CHANGED,
        "countries": countries,
        "labels": labels,
        "areas": {"type": "FeatureCollection", "features": areas},
        "records": rec_cols,
    }
    ids = tuple(rec_cols["id"])
    return VersionModel(catalog.version, ids, {r: n for n, r in enumerate(ids)}, country_bounds, points,
                        dict(zip(ids, map(tuple, col["partners"]), strict=True)), payload)


def _rounded(values: np.ndarray, keep: np.ndarray) -> list:
    """``values`` rounded to 4 decimals (about 10 m) where ``keep``, else None."""
    out: list = [None] * len(values)
    for k, v in zip(np.flatnonzero(keep).tolist(), values[keep].tolist(), strict=True):
        out[k] = round(v, 4)
    return out


def _coordinate(records: pd.DataFrame, name: str, located: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One axis ("lon" or "lat") of every record as floats, and where it is a site's coordinate."""
    values = pd.to_numeric(records[name], errors="coerce").to_numpy(dtype=float)
    return values, located & np.isfinite(values)


def route_lines(routes: pd.DataFrame, label_at: Mapping[str, tuple[float, float]]) -> dict[str, dict]:
    """Per route with an entry point: the entry point, its place and precision, and a line from each route
    country's label point to it (what the map and the exports draw for a chosen route)."""
    out = {}
    for rec in routes.to_dict("records"):
        lat, lon = _num(rec.get("entry_lat")), _num(rec.get("entry_lon"))
        if lat is None or lon is None:
            continue
        out[rec["id"]] = {"name": rec["name"], "place": rec.get("entry_place") or "", "precision": rec.get("entry_precision") or "",
                          "entry": [round(lon, 4), round(lat, 4)],
                          "from": [[p, *label_at[p]] for p in rec["partners"] if p in label_at]}
    return out


SYMBOL_CHARS = {"circle": "●", "diamond": "◆", "square": "■", "triangle": "▲", "hexagon": "⬢"}
DASH_CHARS = {"solid": "▭", "dash": "┅", "dot": "┈"}


def legend_rows(model: VersionModel, shown: np.ndarray, layers: Iterable[str] | None = None) -> list[tuple[str, str, str]]:
    """(symbol, colour, label) for the legend entries the shown records use, in the live legend's order:
    what text-only legends (the slide) print."""
    rec, instruments = model.payload["records"], model.payload["instruments"]
    wanted = set(layers) if layers else {i["key"] for i in instruments}
    used = set(strongest_ties(model, shown).values())
    for k in np.flatnonzero(shown):
        inst = instruments[rec["inst"][k]]
        if inst["key"] in wanted and inst["form"] != "fill":
            used.add("cell" if rec["cell"][k] else inst["key"])
    rows = []
    for e in model.payload["legend"]:
        if e["key"] not in used or e.get("instrument", e["key"]) not in wanted:
            continue
        symbol = "■" if e["form"] == "fill" else DASH_CHARS[e["dash"]] if e["form"] == "outline" else SYMBOL_CHARS[e["shape"]]
        rows.append((symbol, e["colour"], e["label"]))
    return rows


def pack_mask(mask: np.ndarray) -> str:
    """A boolean mask over the version's records as base64 bits (bit i of byte i//8, most significant first)."""
    return base64.b64encode(np.packbits(np.asarray(mask, dtype=bool)).tobytes()).decode("ascii")


def unpack_mask(packed: str, n: int) -> np.ndarray:
    """The inverse of ``pack_mask`` (for tests and the benchmark)."""
    return np.unpackbits(np.frombuffer(base64.b64decode(packed), dtype=np.uint8))[:n].astype(bool)


def tie_classes(model: VersionModel, shown: np.ndarray) -> np.ndarray:
    """Per country of the version (in outline order), a 4-bit set of the tie instruments (``TIE_ORDER``)
    among the shown records drawn through it. The strongest set bit is the country's fill; the live map
    takes the next one when the user hides a tie layer in its legend, the exports take the strongest."""
    bits = np.zeros(len(model.payload["countries"]["features"]), dtype=np.uint8)
    rec = model.payload["records"]
    tie_of_inst = [i["tie"] for i in model.payload["instruments"]]
    for k in np.flatnonzero(shown):
        tie = tie_of_inst[rec["inst"][k]]
        if tie >= 0 and rec["lon"][k] is None:
            for c in rec["partners"][k]:
                bits[c] |= 1 << tie
    return bits


def strongest_ties(model: VersionModel, shown: np.ndarray) -> dict[str, str]:
    """Country code -> the instrument of its strongest tie among the shown records (the fill it gets)."""
    iso = [f["properties"]["iso"] for f in model.payload["countries"]["features"]]
    out = {}
    for c, b in enumerate(tie_classes(model, shown)):
        if b:
            out[iso[c]] = TIE_ORDER[(int(b) & -int(b)).bit_length() - 1]
    return out


def rerun_state(model: VersionModel, shown: np.ndarray, selected: str | None, changed: Iterable[str],
                route_countries: Iterable[str], routes: Iterable[str] = (), unknown: np.ndarray | None = None) -> dict:
    """What a rerun sends the browser: a few kilobytes whatever the number of records.

    ``unknown``: the shown records whose dates leave the asked day open ("date unknown"); the map marks them
    (a "?" on a symbol, a hatched fill where a country's tie rests only on such records)."""
    index = model.index
    unknown = np.zeros(len(model.ids), dtype=bool) if unknown is None else (np.asarray(unknown, dtype=bool) & shown)
    return {
        "version": model.version,
        "n": len(model.ids),
        "shown": pack_mask(shown),
        "ties": "".join(f"{b:x}" for b in tie_classes(model, shown)),  # one hex digit per country
        "ties_known": "".join(f"{b:x}" for b in tie_classes(model, shown & ~unknown)),
        "unknown": sorted(int(k) for k in np.flatnonzero(unknown)),
        "selected": index.get(selected, -1) if selected else -1,
        "changed": sorted(index[r] for r in changed if r in index),
        "route": sorted(set(route_countries)),
        "routes": sorted(r for r in set(routes) if r in model.payload["routes"]),
    }


def record_bounds(model: VersionModel, record_id: str) -> list[float] | None:
    """[west, south, east, north] of one record: around its site, or its partner countries (few or many)."""
    if record_id in model.points:
        lon, lat = model.points[record_id]
        return [lon - 1.5, lat - 1.0, lon + 1.5, lat + 1.0]
    boxes = [model.country_bounds[c] for c in model.partners.get(record_id, ()) if c in model.country_bounds]
    if not boxes:
        return None
    return [min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes)]


def result_bounds(model: VersionModel, catalog: Catalog, spec: FilterSpec, shown_ids: Iterable[str]) -> list[float] | None:
    """Where the map looks for a filter's result (the live map, and exports of a view the user did not move):
    the countries the filter is about (partners, route countries, the regions' partners), the shown sites
    and a chosen route's EU entry point (``frame_bounds``)."""
    focus = set(spec.partners) | (route_partners(catalog, spec.routes) if spec.routes else set())
    if spec.regions:
        focus |= {c for c, r in zip(catalog.partners["code"], catalog.partners["region"], strict=True) if r in spec.regions}
    entries = [tuple(model.payload["routes"][r]["entry"]) for r in spec.routes if r in model.payload["routes"]]
    return frame_bounds(model, shown_ids, spec, focus, entries)


def frame_bounds(model: VersionModel, shown_ids: Iterable[str], spec: FilterSpec, focus: Iterable[str] = (),
                 points: Iterable[tuple[float, float]] = ()) -> list[float] | None:
    """[west, south, east, north] around a filter's result, or None when nothing has a place.

    The places are the shown records' sites and the countries of records with a few partners (a dialogue of
    fifty countries does not widen the frame on its own); when the filter names countries (partners,
    regions, routes: ``focus``), only those countries and the sites in them count, so the frame is the
    question's, not the whole world of every regional framework that touches it. ``points`` (lon, lat)
    are always in the frame (a chosen route's EU entry point).
    """
    focus = set(focus)
    xs: list[float] = [p[0] for p in points]
    ys: list[float] = [p[1] for p in points]

    def add_box(b: tuple[float, float, float, float]) -> None:
        xs.extend((b[0], b[2]))
        ys.extend((b[1], b[3]))

    boxes = [model.country_bounds[c] for c in focus if c in model.country_bounds]

    def in_focus(lon: float, lat: float) -> bool:  # a site in one of the countries asked about (a degree of slack)
        return any(b[0] - 1 <= lon <= b[2] + 1 and b[1] - 1 <= lat <= b[3] + 1 for b in boxes)

    countries: set[str] = set()
    for rid in shown_ids:
        partners = model.partners.get(rid, ())
        if rid in model.points:
            lon, lat = model.points[rid]
            if not focus or in_focus(lon, lat):
                xs.append(lon)
                ys.append(lat)
        elif focus:
            countries.update(p for p in partners if p in focus)
        elif len(partners) <= MAX_PARTNERS_FOR_FRAME:
            countries.update(partners)
    if not focus and xs:
        # No country named: the frame is where the symbols are (sites, postings, coordination points), so the
        # default view shows every partner with a symbol at a readable scale; far-away ties (Canada's or
        # Australia's working arrangements) stay a pan away instead of shrinking everything.
        countries = set()
    for c in countries:
        if c in model.country_bounds:
            add_box(model.country_bounds[c])
    if not xs and focus:  # the filter names countries but nothing shown lies in them: frame the countries
        for b in boxes:
            add_box(b)
    if not xs:
        return None
    return [max(min(xs), -180.0), max(min(ys), -85.0), min(max(xs), 180.0), min(max(ys), 85.0)]
