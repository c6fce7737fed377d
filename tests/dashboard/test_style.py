"""The style table: one row per instrument, each telling itself apart from the others."""

from __future__ import annotations

from dashboard.style import POINT_CELL_STYLE, STYLES
from geo import INSTRUMENTS


def test_every_instrument_has_one_style_row_and_nothing_else() -> None:
    assert set(STYLES) == {i.key for i in INSTRUMENTS}


def test_forms_shapes_and_dashes_come_from_what_the_renderers_draw() -> None:
    for key, style in STYLES.items():
        assert style.form in ("fill", "outline", "point"), key
        assert style.shape in ("circle", "diamond", "square", "triangle", "hexagon"), key
        assert style.dash in ("solid", "dash", "dot"), key


def test_every_layer_has_its_own_colour() -> None:
    colours = [s.colour.upper() for s in STYLES.values()]
    assert len(set(colours)) == len(colours)


def test_same_shape_or_dash_differs_by_more_than_colour() -> None:
    """Points of one shape differ in size or ring as well as colour."""
    points = [(k, s) for k, s in STYLES.items() if s.form == "point"] + [("cell", POINT_CELL_STYLE)]
    for n, (a, sa) in enumerate(points):
        for b, sb in points[n + 1:]:
            if sa.shape == sb.shape:
                assert (sa.size, sa.ring) != (sb.size, sb.ring), (a, b)
