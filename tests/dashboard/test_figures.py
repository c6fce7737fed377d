"""Pure figure builders tested as data: the timeline, the headline figures, the map's hover text."""

from __future__ import annotations

import datetime as dt

from dashboard.figures import build_timeline, kpis
from dashboard.map_model import hover_lines
from geo import Catalog


def test_hover_lines_name_instrument_partners_period_status() -> None:
    rec = {"name": "X", "instrument": "working_arrangement", "partners": ("SRB",), "start": "2009", "end": "",
           "status": "active", "located": False, "confidence": "low"}
    text = "\n".join(hover_lines(rec, {"SRB": "Serbia"}))
    assert "Serbia" in text and "2009 – open" in text and "active" in text and "weakly sourced" in text
    assert "Working arrangements" in text


def test_timeline_bars_and_as_of_marker(catalog: Catalog) -> None:
    fig = build_timeline(catalog.records, dt.date(2021, 6, 15), dt.date(2026, 1, 1))
    cp = next(t for t in fig.data if t.meta["instrument"] == "coordination_point")
    assert len(cp.y) == 2  # one bar per activation
    assert any("as of 2021-06-15" in a.text for a in fig.layout.annotations)
    names_drawn = {y for t in fig.data for y in t.y}
    assert "WA MARRI Centre" not in names_drawn  # no known start: not drawn


def test_kpis_count_what_is_in_force(catalog: Catalog) -> None:
    k = kpis(catalog.records, dt.date(2021, 6, 15))
    assert k["Coord. points active"] == 1 and k["Agreements in force"] == 1
    assert kpis(catalog.records, dt.date(2021, 7, 15))["Coord. points active"] == 0
    assert k["Partners"] == 6
