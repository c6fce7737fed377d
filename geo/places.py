"""Rules about located records, a column at a time: coordinates, precision, hosts, crossing points.

The distance rules are decided in bulk and only the doubtful points are measured one by one: a point inside
its host country (``shapely.contains_xy`` on the prepared outline, one call per country) is 0 km away; for one
outside it, the distance in degrees scaled by the larger of the two local kilometres-per-degree factors bounds
the true distance from above, so a point whose bound is within the tolerance passes. What is left (points
truly far away, or near the tolerance) is measured exactly as ``geometry.distance_km`` always measured it, and
only those give a message. Every outline is prepared once per basemap, and each pair of neighbours' shared
border is computed once, not per crossing point.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import shapely
from shapely.geometry.base import BaseGeometry

from geo import geometry
from geo.columns import bools, empty, split_items
from geo.errors import Problem
from geo.io import RawTable
from geo.memo import per_object
from geo.schema import BORDER_TOLERANCE_KM, CODE_PATTERN, HOST_TOLERANCE_KM, split_list

MARGIN = 1e-6  # relative: bounds this close to the tolerance are measured exactly


@dataclass(frozen=True)
class Outlines:
    """The basemap's usable outlines (valid, non-empty) by code, prepared for point-in-polygon tests."""

    shapes: dict[str, BaseGeometry]
    valid: np.ndarray  # per feature of the basemap
    borders: dict[tuple[str, str], BaseGeometry]  # shared borders of neighbours, computed as pairs are asked for

    def border(self, a: str, b: str) -> BaseGeometry:
        if (a, b) not in self.borders:
            self.borders[(a, b)] = geometry.shared_border(self.shapes[a], self.shapes[b])
        return self.borders[(a, b)]


_OUTLINES: dict[int, tuple[object, Outlines]] = {}  # per basemap read (geo.memo)


def outlines(countries: gpd.GeoDataFrame, valid: np.ndarray | None = None) -> Outlines:
    """The outlines of a basemap, computed once per basemap read (``valid``: ``validity(countries)``, if known)."""
    return per_object(_OUTLINES, countries, lambda: _outlines(countries, validity(countries) if valid is None else valid))


def validity(countries: gpd.GeoDataFrame) -> np.ndarray:
    """Per feature: a present and valid outline (GEOS; 50 ms for the shipped basemap)."""
    geoms = np.asarray(countries.geometry.array, dtype=object)
    present = ~shapely.is_missing(geoms)
    valid = present.copy()
    valid[present] = shapely.is_valid(geoms[present])
    return valid


def _outlines(countries: gpd.GeoDataFrame, valid: np.ndarray) -> Outlines:
    geoms = np.asarray(countries.geometry.array, dtype=object)
    shapes = {str(c): g for c, g, ok in zip(countries["iso3"], geoms, valid, strict=True) if ok}
    for g in shapes.values():
        shapely.prepare(g)
    return Outlines(shapes, valid, {})


def check_basemap(gdf: gpd.GeoDataFrame, file: str, rows: list[int] | None = None) -> list[Problem]:
    """Codes and outlines of the basemap; ``rows`` numbers the features (1, 2, … when None)."""
    numbers = rows if rows is not None else list(range(1, len(gdf) + 1))
    geoms = np.asarray(gdf.geometry.array, dtype=object)
    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    valid = outlines(gdf).valid
    problems: list[Problem] = []
    seen: set[str] = set()
    for k, (n, code) in enumerate(zip(numbers, gdf["iso3"], strict=True)):
        if not isinstance(code, str) or not CODE_PATTERN.match(code):
            problems.append(Problem(file, n, "iso3", "a three-letter upper-case code", repr(code)))
        elif code in seen:
            problems.append(Problem(file, n, "iso3", "one feature per code", f"{code} again"))
        seen.add(str(code))
        if missing[k]:
            problems.append(Problem(file, n, "geometry", "a non-empty polygon", "empty geometry"))
        elif not valid[k]:
            problems.append(Problem(file, n, "geometry", "a valid polygon", shapely.is_valid_reason(geoms[k])))
    return problems


def _km_factors(lat: np.ndarray) -> np.ndarray:
    """The larger of the two kilometres-per-degree factors of the local projection at each latitude."""
    kx = geometry.KM_PER_DEG_LON_EQUATOR * np.cos(np.radians(lat))
    return np.maximum(np.abs(kx), geometry.KM_PER_DEG_LAT)


def far_from(geom: BaseGeometry, lat: np.ndarray, lon: np.ndarray, tolerance: float, inside_is_zero: bool) -> np.ndarray:
    """Which points may lie more than ``tolerance`` km from ``geom`` (a superset of those that do)."""
    doubt = np.ones(len(lat), dtype=bool)
    if inside_is_zero and geom.geom_type in ("Polygon", "MultiPolygon"):
        doubt &= ~shapely.contains_xy(geom, lon, lat)
    if doubt.any():
        deg = shapely.distance(geom, shapely.points(lon[doubt], lat[doubt]))
        doubt[doubt] = deg * _km_factors(lat[doubt]) * (1 + MARGIN) > tolerance
    return doubt


@dataclass(frozen=True)
class Located:
    """The columns the location rules read, parsed once per table."""

    lat_text: pa.ChunkedArray
    lon_text: pa.ChunkedArray
    lat: np.ndarray
    lon: np.ndarray
    point: np.ndarray  # both coordinates readable and in range


def _located(table: RawTable) -> Located:
    lat_text, lon_text = table.column("lat"), table.column("lon")
    lat, lat_ok = table.numbers("lat")
    lon, lon_ok = table.numbers("lon")
    with np.errstate(invalid="ignore"):
        point = lat_ok & lon_ok & (np.abs(lat) <= 90) & (np.abs(lon) <= 180)
    return Located(lat_text, lon_text, lat, lon, point)


def _cell(values: pa.ChunkedArray, k: int) -> str:
    return values[k].as_py()


def location_rules(table: RawTable, instrument: str, countries: gpd.GeoDataFrame | None) -> list[Problem]:
    """Coordinates in pairs with a precision; a liaison officer inside the host country, which is a partner; a
    crossing point between two neighbours, at their border (memoised per table and basemap)."""
    held = table.parsed.get(("places", instrument))
    if held is not None and held[0] is countries:
        return held[1]
    found = _location_rules(table, instrument, outlines(countries) if countries is not None else Outlines({}, np.zeros(0, bool), {}))
    table.parsed[("places", instrument)] = (countries, found)
    return found


def _location_rules(table: RawTable, instrument: str, outs: Outlines) -> list[Problem]:
    n, file, rows = len(table), table.file, table.rows
    keyed: list[tuple[tuple[int, int], Problem]] = []
    loc = _located(table)
    has_lat, has_lon = ~table.memo(("empty", "lat"), lambda: empty(loc.lat_text)), ~table.memo(("empty", "lon"), lambda: empty(loc.lon_text))
    items = table.memo(("items", "partners"), lambda: split_items(table.column("partners"), ";"))
    counts = items.counts()
    if instrument == "coordination_point":
        keyed += [((k, 0), Problem(file, int(rows[k]), "partners", "exactly two countries (both sides of the crossing)", f"{counts[k]}"))
                  for k in np.flatnonzero(counts != 2)]
    host = table.column("host") if instrument == "liaison_officer" else None
    if host is not None:
        hosts = host.take(pa.array(items.parents))
        listed = np.zeros(n, dtype=bool)
        listed[items.parents[bools(pc.equal(items.items, hosts))]] = True
        for k in np.flatnonzero(~empty(host) & ~listed):
            keyed.append(((k, 1), Problem(file, int(rows[k]), "host", "the host country also listed in 'partners'", _cell(host, k))))
    one = has_lat != has_lon
    for k in np.flatnonzero(one):
        keyed.append(((k, 2), Problem(file, int(rows[k]), "lon" if has_lat[k] else "lat", "both lat and lon, or neither", "only one of them")))
    placed = has_lat & has_lon
    precision = table.memo(("empty", "precision"), lambda: empty(table.column("precision")))
    for k in np.flatnonzero(placed & precision):
        keyed.append(((k, 3), Problem(file, int(rows[k]), "precision", "a precision for a located record", "an empty cell")))
    measured = placed & loc.point
    if host is not None:
        keyed += _host_distances(table, host, measured, loc, outs.shapes)
    if instrument == "coordination_point":
        keyed += _border_distances(table, measured & (counts == 2), loc, outs)
    keyed.sort(key=lambda kp: (kp[1].row, kp[0][1]))  # file order, then the order of the rules
    return [p for _, p in keyed]


def _host_distances(table: RawTable, host: pa.ChunkedArray, measured: np.ndarray, loc: Located,
                    shapes: Mapping[str, BaseGeometry]) -> list[tuple[tuple[int, int], Problem]]:
    out = []
    hosts = np.asarray(host.to_numpy(), dtype=object)
    for code in {h for h in hosts[measured] if h in shapes}:
        picked = np.flatnonzero(measured & (hosts == code))
        doubt = picked[far_from(shapes[code], loc.lat[picked], loc.lon[picked], HOST_TOLERANCE_KM, inside_is_zero=True)]
        for k in doubt.tolist():
            la, lo = float(_cell(loc.lat_text, k)), float(_cell(loc.lon_text, k))
            d = geometry.distance_km(la, lo, shapes[code])
            if d > HOST_TOLERANCE_KM:
                out.append(((k, 4), Problem(table.file, int(table.rows[k]), "lat",
                                            f"a duty station inside the host country {code} (tolerance {HOST_TOLERANCE_KM:g} km)",
                                            f"({la}, {lo}), {d:.0f} km outside")))
    return out


def _border_distances(table: RawTable, pairs_rows: np.ndarray, loc: Located, outs: Outlines) -> list[tuple[tuple[int, int], Problem]]:
    out: list[tuple[tuple[int, int], Problem]] = []
    rows = np.flatnonzero(pairs_rows)
    by_pair: dict[tuple[str, str], list[int]] = {}
    for k, text in zip(rows.tolist(), table.column("partners").take(pa.array(rows)).to_pylist(), strict=True):
        a, b = split_list(text)
        if a in outs.shapes and b in outs.shapes:
            by_pair.setdefault((a, b), []).append(k)
    for (a, b), ks in by_pair.items():
        border = outs.border(a, b)
        if border.is_empty:
            out += [((k, 5), Problem(table.file, int(table.rows[k]), "partners", "two countries sharing a land border",
                                     f"{a} and {b} are not neighbours")) for k in ks]
            continue
        picked = np.array(ks)
        doubt = picked[far_from(border, loc.lat[picked], loc.lon[picked], BORDER_TOLERANCE_KM, inside_is_zero=False)]
        for k in doubt.tolist():
            la, lo = float(_cell(loc.lat_text, k)), float(_cell(loc.lon_text, k))
            d = geometry.distance_km(la, lo, border)
            if d > BORDER_TOLERANCE_KM:
                out.append(((k, 5), Problem(table.file, int(table.rows[k]), "lat",
                                            f"a point within {BORDER_TOLERANCE_KM:g} km of the {a}–{b} border",
                                            f"({la}, {lo}), {d:.0f} km away")))
    return out
