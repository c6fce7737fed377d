"""Tiny in-code datasets for the unit tests.

The toy world has five rectangular "countries" so that geometry checks give known answers:

    SRB  x 19..23, y 42..46      ALB x 19..21, y 40..42 (borders SRB along y=42, MKD along x=21)
    MKD  x 21..23, y 40..42      MDA x 26..28, y 45..48.5   UKR x 28..40, y 44..52 (borders MDA along x=28)
    NER  x 0..15,  y 12..23 (far from everyone)   BLR x 23..28, y 52..56 (only the status-history tests use it)
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from geo.schema import INSTRUMENTS, SUPPORT_FILES

BOXES = {
    "ALB": (19, 40, 21, 42),
    "SRB": (19, 42, 23, 46),
    "MKD": (21, 40, 23, 42),
    "MDA": (26, 45, 28, 48.5),
    "UKR": (28, 44, 40, 52),
    "NER": (0, 12, 15, 23),
    "BLR": (23, 52, 28, 56),  # no record in the base tables; the status-history tests use it
}
REGION = {"ALB": "western_balkans", "SRB": "western_balkans", "MKD": "western_balkans",
          "MDA": "eastern_partnership", "UKR": "eastern_partnership", "NER": "sahel", "BLR": "eastern_partnership"}
SRC = "https://example.org/source"
DAY = "2026-11-01"


def basemap() -> dict:
    feats = []
    for code, (x0, y0, x1, y1) in BOXES.items():
        ring = [[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]
        feats.append({"type": "Feature", "properties": {"iso3": code, "name": code},
                      "geometry": {"type": "Polygon", "coordinates": [ring]}})
    return {"type": "FeatureCollection", "features": feats}


def _common(**kw: str) -> dict[str, str]:
    base = {"status": "active", "description": "A test record.", "confidence": "high",
            "sources": SRC, "checked": DAY, "sensitivity": "public"}
    base.update(kw)
    return base


def base_tables() -> dict[str, list[dict[str, str]]]:
    """A valid dataset: one or two records per instrument, rows chosen to exercise every filter facet."""
    return {
        "partners.csv": [{"code": c, "name": f"Country {c}", "region": REGION[c], "sources": SRC, "checked": DAY} for c in BOXES],
        "routes.csv": [
            {"id": "western-balkan", "name": "Western Balkan", "partners": "ALB;SRB;MKD", "description": "Route.", "confidence": "high", "sources": SRC, "checked": DAY},
            {"id": "central-mediterranean", "name": "Central Mediterranean", "partners": "NER", "description": "Route.", "confidence": "high", "sources": SRC, "checked": DAY},
        ],
        "working_arrangements.csv": [
            _common(id="wa-srb", name="WA Serbia", partners="SRB", start="2009", party_type="country"),
            _common(id="wa-ukr", name="WA Ukraine", partners="UKR", start="2007-06-11", party_type="country"),
            _common(id="wa-marri", name="WA MARRI Centre", partners="", start="", party_type="regional_body"),
        ],
        "status_agreements.csv": [
            _common(id="sa-alb-1", name="SA Albania (1st)", partners="ALB", start="2019-05-01", end="2024-03-31", status="superseded", generation="1"),
            _common(id="sa-mda", name="SA Moldova", partners="MDA", start="2022-03-17", generation="2", in_force="2022-11-01"),
            _common(id="sa-ner", name="SA Niger", partners="NER", start="2022-07", status="under_negotiation"),
        ],
        "operations.csv": [
            _common(id="op-alb", name="JO Albania", partners="ALB", routes="circular-albania-greece", start="2019-05-21", parent="sa-alb-1", border_section="Albania–Greece"),
        ],
        "coordination_points.csv": [
            _common(id="cp-kuch", name="CP Kuchurhan", partners="MDA;UKR", start="2021-06", end="2021-08", lat="46.5", lon="28.02", precision="site", place="Kuchurhan", framework="JO Test"),
        ],
        "activations.csv": [
            {"record_id": "cp-kuch", "start": "2021-06", "end": "2021-06", "sources": SRC, "checked": DAY},
            {"record_id": "cp-kuch", "start": "2021-08", "end": "2021-08", "sources": SRC, "checked": DAY},
        ],
        "liaison_officers.csv": [
            _common(id="lo-bel", name="FLO Belgrade", partners="SRB;MKD", start="2017", host="SRB", lat="44.8", lon="20.46", precision="city", place="Belgrade"),
        ],
        "projects.csv": [
            _common(id="pr-eap", name="EaP IBM capacity building", partners="MDA;UKR", start="2014-07", end="2018-11", status="ended", acronym="EaP-IBM", agency_role="lead", budget_eur="1000"),
        ],
        "risk_networks.csv": [
            _common(id="rn-wb", name="WB-RAN", partners="ALB;SRB;MKD", start="2009", acronym="WB-RAN", kind="network"),
        ],
        "dialogues.csv": [
            _common(id="dl-rabat", name="Rabat Process", partners="NER", start="2006", acronym="Rabat"),
        ],
        "organisations.csv": [
            _common(id="io-iom", name="IOM", partners="", start="", org_type="international", lat="46.2", lon="6.14", precision="city", place="Geneva"),
        ],
        "strategic_partners.csv": [],
        "events.csv": [
            _common(id="ev-visit", name="Study visit of Chișinău officials", partners="MDA", start="2023-03-07", end="2023-03-09", status="ended", lat="52.23", lon="21.0", precision="city", place="Warsaw"),
        ],
        "observers.csv": [],
        "border_police_conferences.csv": [],
        "empact.csv": [],
        "status_changes.csv": [],
    }


def columns_for(filename: str) -> list[str]:
    support = {f.file: f.columns for f in SUPPORT_FILES}
    if filename in support:
        return [c.name for c in support[filename]]
    inst = next(i for i in INSTRUMENTS if i.file == filename)
    return [c.name for c in inst.columns]


def to_csv(filename: str, rows: list[dict[str, str]]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=columns_for(filename), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow(row)
    return buf.getvalue()


def write_dataset(directory: Path, tables: dict[str, list[dict[str, str]]] | None = None) -> Path:
    """Write a dataset (the valid base unless given) to ``directory`` and return it."""
    tables = base_tables() if tables is None else tables
    (directory / "basemap").mkdir(parents=True, exist_ok=True)
    (directory / "basemap" / "countries.geojson").write_text(json.dumps(basemap()))
    for filename, rows in tables.items():
        (directory / filename).write_text(to_csv(filename, rows), encoding="utf-8")
    return directory
