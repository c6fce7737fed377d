"""Geometry helpers: country lookup, region dissolve, display simplification, distance checks.

Distances use a local equirectangular approximation around the point being checked. At the tens of
kilometres these checks use it is within a fraction of a percent of the geodesic distance, needs no
projection library and keeps validation fast.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Mapping
from pathlib import Path
from typing import TypeVar

import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry

K = TypeVar("K", bound=Hashable)  # the keys of a mapping of shapes: codes, record ids, country sets

KM_PER_DEG_LAT = 110.574
KM_PER_DEG_LON_EQUATOR = 111.320


def read_countries(path: Path) -> gpd.GeoDataFrame:
    """Read the basemap GeoJSON into a GeoDataFrame indexed by ISO alpha-3 (``iso3`` column kept)."""
    gdf = gpd.read_file(path, engine="pyogrio")
    if gdf.crs is None:
        gdf = gdf.set_crs(4326)
    return gdf


def dissolve(codes: Iterable[str], shapes: Mapping[str, BaseGeometry]) -> BaseGeometry | None:
    """Union of the outlines of ``codes``; codes without an outline are skipped; None if none has one."""
    parts = [shapes[c] for c in codes if c in shapes and shapes[c] is not None]
    if not parts:
        return None
    if len(parts) == 1:
        return parts[0]
    return shapely.union_all(parts)


def label_point(geom: BaseGeometry | None) -> Point | None:
    """A point inside the geometry's largest part, for labels and markers of areas."""
    if geom is None or geom.is_empty:
        return None
    if geom.geom_type == "MultiPolygon":
        geom = max(geom.geoms, key=lambda g: g.area)
    return geom.representative_point()


def _local_km(geom: BaseGeometry, lat0: float, lon0: float) -> BaseGeometry:
    """Project lon/lat to kilometres on a plane tangent at (lat0, lon0)."""
    kx = KM_PER_DEG_LON_EQUATOR * math.cos(math.radians(lat0))
    return shapely.transform(
        geom, lambda xy: (xy - (lon0, lat0)) * (kx, KM_PER_DEG_LAT)
    )


def distance_km(lat: float, lon: float, geom: BaseGeometry) -> float:
    """Distance in km from a point to a geometry (0 if the point lies inside it)."""
    here = Point(0.0, 0.0)
    return float(_local_km(geom, lat, lon).distance(here))


def shared_border(a: BaseGeometry, b: BaseGeometry, snap_deg: float = 0.05) -> BaseGeometry:
    """The land border between two countries: the part of ``a``'s outline lying within ``snap_deg`` of ``b``.

    Simplified outlines of neighbours no longer share their border line exactly, so the border is taken
    as a's boundary near b. Empty if the two are not neighbours.
    """
    return a.boundary.intersection(b.buffer(snap_deg))


def drop_small_parts(geom: BaseGeometry, min_area: float) -> BaseGeometry:
    """Keep the polygon parts of at least ``min_area`` square degrees (and always the largest part)."""
    if geom.geom_type != "MultiPolygon":
        return geom
    parts = sorted(geom.geoms, key=lambda g: g.area, reverse=True)
    kept = [parts[0]] + [p for p in parts[1:] if p.area >= min_area]
    return kept[0] if len(kept) == 1 else shapely.MultiPolygon(kept)


def fill_small_holes(geom: BaseGeometry, min_area: float) -> BaseGeometry:
    """The polygons with their interior rings of less than ``min_area`` square degrees filled in."""
    def filled(p: shapely.Polygon) -> shapely.Polygon:
        holes = [h for h in p.interiors if shapely.Polygon(h).area >= min_area]
        return p if len(holes) == len(p.interiors) else shapely.Polygon(p.exterior, holes)
    if geom.geom_type == "Polygon":
        return filled(geom)
    if geom.geom_type == "MultiPolygon":
        return shapely.MultiPolygon([filled(p) for p in geom.geoms])
    return geom


def coverage_shapes(shapes: Mapping[str, BaseGeometry | None], tolerance: float) -> dict[str, BaseGeometry]:
    """Simplify neighbouring outlines together (``shapely.coverage_simplify``): a border shared by two
    countries is simplified once, so they still meet along it. Each simplified on its own, neighbours drifted
    apart by up to the tolerance, and at zoom 6 the sea showed through as slivers between them."""
    keys = [k for k, g in shapes.items() if g is not None and not g.is_empty]
    simplified = shapely.coverage_simplify(np.array([shapes[k] for k in keys], dtype=object), tolerance)
    return {k: g for k, g in zip(keys, simplified, strict=True) if not g.is_empty}


def display_shapes(shapes: Mapping[K, BaseGeometry | None], tolerance: float | None, decimals: int = 3) -> dict[K, dict]:
    """GeoJSON geometry dicts of simplified shapes for drawing (``tolerance`` None: as given); each ring is a
    rounded (n, 2) numpy array.

    Arrays rather than nested lists because figures are copied and serialised on every rerun: copying an
    array is one memcpy, copying a list of coordinate pairs is tens of thousands of Python objects.
    Serialisers that understand numpy (plotly's, orjson) write the same JSON.
    """
    out: dict[K, dict] = {}
    for key, geom in shapes.items():
        if geom is None or geom.is_empty:
            continue
        small = geom if tolerance is None else shapely.simplify(geom, tolerance, preserve_topology=True)
        if small.is_empty:
            continue
        polygons = [small] if small.geom_type == "Polygon" else list(getattr(small, "geoms", []))
        rings = [[np.round(np.asarray(r.coords), decimals) for r in (p.exterior, *p.interiors)] for p in polygons if p.geom_type == "Polygon"]
        if not rings:
            continue
        out[key] = {"type": "Polygon", "coordinates": rings[0]} if len(rings) == 1 else {"type": "MultiPolygon", "coordinates": rings}
    return out


def rounded(obj: object, decimals: int) -> object:
    # Rounding the JSON numbers (not snapping geometry to a grid) keeps the payload short: a grid leaves
    # binary fractions such as 20.123000000000001 that print long.
    if isinstance(obj, float):
        return round(obj, decimals)
    if isinstance(obj, (list, tuple)):
        return [rounded(o, decimals) for o in obj]
    if isinstance(obj, dict):
        return {k: rounded(v, decimals) for k, v in obj.items()}
    return obj
