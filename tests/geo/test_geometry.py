"""Geometry helpers on shapes with known answers."""

from __future__ import annotations

import pytest
from shapely.geometry import MultiPolygon, Point, box

from geo import Catalog
from geo.geometry import (
    display_shapes,
    dissolve,
    distance_km,
    label_point,
    shared_border,
)


def test_distance_inside_is_zero_and_outside_is_kilometres() -> None:
    square = box(20, 40, 21, 41)
    assert distance_km(40.5, 20.5, square) == 0.0
    # one degree of latitude south of the square's edge is ~110.6 km
    assert distance_km(39.0, 20.5, square) == pytest.approx(110.57, rel=1e-3)
    # one degree of longitude at 60N is half as long as at the equator
    assert distance_km(60.0, 22.0, box(20, 59, 21, 61)) == pytest.approx(111.32 * 0.5, rel=1e-3)


def test_shared_border_of_neighbours_and_strangers() -> None:
    a, b, far = box(0, 0, 1, 1), box(1, 0, 2, 1), box(5, 5, 6, 6)
    border = shared_border(a, b)
    # the line x=1 plus stubs no longer than the snap distance (0.05 deg) at each end
    assert border.distance(Point(1, 0.5)) == 0 and 1.0 <= border.length <= 1.1 + 1e-9
    assert border.bounds[0] >= 0.95 - 1e-9
    assert shared_border(a, far).is_empty


def test_dissolve_unions_and_skips_unknown_codes() -> None:
    shapes = {"A": box(0, 0, 1, 1), "B": box(1, 0, 2, 1)}
    merged = dissolve(["A", "B", "ZZZ"], shapes)
    assert merged.area == pytest.approx(2.0) and merged.geom_type == "Polygon"
    assert dissolve(["ZZZ"], shapes) is None
    assert dissolve(["A"], shapes) is shapes["A"]


def test_label_point_lies_in_the_largest_part() -> None:
    big, small = box(0, 0, 10, 10), box(20, 20, 21, 21)
    p = label_point(MultiPolygon([small, big]))
    assert big.contains(p)
    assert label_point(None) is None


def test_display_shapes_round_and_simplify() -> None:
    wiggly = Point(0, 0).buffer(1.0, quad_segs=64)
    out = display_shapes({"A": wiggly, "B": None}, 0.05, decimals=2)
    assert list(out) == ["A"] and out["A"]["type"] == "Polygon"
    ring = out["A"]["coordinates"][0]
    assert len(ring) < len(wiggly.exterior.coords)
    assert (ring.round(2) == ring).all()


def test_catalog_derives_areas_and_points(catalog: Catalog) -> None:
    rec = catalog.records.set_index("id")
    shapes = dict(zip(catalog.records["id"], catalog.shapes(), strict=True))
    assert shapes["pr-eap"].area == pytest.approx(2 * 3.5 + 12 * 8)  # MDA + UKR dissolved
    assert shapes["lo-bel"].equals(Point(20.46, 44.8)) and rec.loc["lo-bel", "geometry"].equals(Point(20.46, 44.8))
    assert rec.loc["pr-eap", "geometry"] is None  # an area has no position of its own; its outline is made when asked
    assert shapes["wa-marri"] is None and rec.loc["wa-marri", "geometry"] is None  # no partner with an outline


def test_drop_small_parts_keeps_the_largest_and_big_ones() -> None:
    from geo.geometry import drop_small_parts

    multi = MultiPolygon([box(0, 0, 10, 10), box(20, 20, 21, 21), box(30, 30, 33, 33)])
    out = drop_small_parts(multi, 2.0)
    assert out.area == pytest.approx(100 + 9)
    assert drop_small_parts(MultiPolygon([box(0, 0, 1, 1), box(5, 5, 5.5, 5.5)]), 2.0).area == pytest.approx(1.0)


def test_fill_small_holes_fills_slivers_and_keeps_real_holes() -> None:
    from shapely.geometry import Polygon

    from geo.geometry import fill_small_holes

    ring = box(0, 0, 10, 10).exterior
    square = Polygon(ring, [box(1, 1, 1.1, 1.1).exterior, box(5, 5, 7, 7).exterior])  # 0.01 and 4 square degrees
    out = fill_small_holes(square, 0.05)
    assert len(out.interiors) == 1 and out.area == pytest.approx(100 - 4)
    multi = fill_small_holes(MultiPolygon([square, box(20, 20, 21, 21)]), 0.05)
    assert multi.geom_type == "MultiPolygon" and multi.area == pytest.approx(100 - 4 + 1)


def test_regional_outlines_have_no_sliver_holes_and_keep_real_ones() -> None:
    """Unions of simplified neighbours left hundreds of specks inside regional outlines (35 in the Western
    Balkans); the map drew each as a dashed ring. Holes that are places outside the region stay."""
    from shapely.geometry import Polygon

    from geo import data_dir, display_geometry, load_catalog
    from geo.catalog import SLIVER

    catalog = load_catalog(data_dir())
    areas = display_geometry(catalog).areas
    def holes(rid: str) -> list[Polygon]:
        g = areas[rid]
        return [Polygon(h) for p in ([g["coordinates"]] if g["type"] == "Polygon" else g["coordinates"]) for h in p[1:]]
    regional = [rid for rid in areas if len(catalog.record(rid)["partners"]) > 1]
    assert len(regional) >= 10
    assert all(h.area >= SLIVER for rid in regional for h in holes(rid))
    assert holes("pr-eu4fast-wb") == [] and holes("rn-wb-ran") == []
    budapest = holes("dl-budapest")  # the Caspian Sea, and Kosovo (not among the dialogue's participants in the data)
    assert any(h.contains(Point(50.8, 41.8)) for h in budapest) and any(h.contains(Point(20.9, 42.6)) for h in budapest)
