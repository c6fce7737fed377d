"""Pure figure builders tested as data: the timeline, the headline figures, the map's hover text."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from dashboard.figures import Kpi, build_timeline, kpis
from dashboard.map_model import hover_lines
from geo import Catalog, load_catalog
from tests.fixtures import write_dataset
from tests.geo.test_history import history_tables


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
    marri = [(b, t.meta["unknown"]) for t in fig.data for y, b in zip(t.y, t.base, strict=True) if y == "WA MARRI Centre"]
    # no known start: nothing drawn before the first day a source confirms it (its check day), then in force
    assert marri and all(str(b)[:10] >= "2026-11-01" and not unknown for b, unknown in marri)
    unknown = [t for t in fig.data if t.meta["unknown"]]
    assert unknown and all(t.marker.pattern.shape == "/" for t in unknown)  # date unknown: hatched, in the legend


def test_kpis_count_what_is_known_to_be_in_force(catalog: Catalog) -> None:
    k = kpis(catalog.records, dt.date(2021, 6, 15))
    assert k["Agreements in force"] == 1 and k["Agreements in force"].unknown == 0
    # The activation is known only to the month ("2021-06"): on 15 June it is not known to be active, so it is
    # counted apart as "date unknown", not as active.
    assert k["Coord. points active"] == 0 and k["Coord. points active"].unknown == 1
    assert k["Coord. points active"].text == "0 (+1 date unknown)" and k["Agreements in force"].text == "1"
    between = kpis(catalog.records, dt.date(2021, 7, 15))["Coord. points active"]
    assert (between.known, between.unknown) == (0, 0)
    assert k["Partners"] == 6
    assert list(k) == ["Agreements in force", "Operations active", "Liaison postings", "Coord. points active", "Projects running", "Partners"]


def test_kpis_say_how_many_dates_are_unknown(tmp_path: Path) -> None:
    cat = load_catalog(write_dataset(tmp_path / "data", history_tables()))
    k = kpis(cat.records, dt.date(2017, 6, 1))
    # FLO Belgrade started "2017": not known to be posted on 1 June 2017; the project had ended in 2018-11.
    assert (k["Liaison postings"].known, k["Liaison postings"].unknown) == (0, 1)
    assert k["Liaison postings"].text == "0 (+1 date unknown)" and k["Projects running"].text == "1"
    assert kpis(cat.records, dt.date(2018, 1, 1))["Liaison postings"].text == "1"
    # agreements: the first generation until the second enters into force, both known from the history
    assert kpis(cat.records, dt.date(2024, 3, 31))["Agreements in force"].text == "2"  # sa-alb-1 and sa-mda
    later = kpis(cat.records, dt.date(2024, 4, 1))["Agreements in force"]
    assert (later.known, later.unknown) == (2, 0)  # sa-alb-2 and sa-mda


def test_kpi_is_a_number_with_the_unknown_count() -> None:
    k = Kpi(2, 1)
    assert k == 2 and k + 1 == 3 and k.unknown == 1 and k.text == "2 (+1 date unknown)" and Kpi(3).text == "3"
