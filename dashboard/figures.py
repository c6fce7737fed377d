"""Pure figure builders: records in, ``go.Figure`` out. No Streamlit here, so they are tested as data.

The situation map itself is described by ``dashboard.map_model`` and drawn by the live map component
(a canvas in the browser) and by ``dashboard.vector_map`` (exports, partner page); this module holds the view of the map
(``MapView``), the timeline and the headline figures.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import pandas as pd
import plotly.graph_objects as go

from dashboard.safe import plotly_text
from dashboard.style import (
    DEFAULT_VIEW,
    HIGHLIGHT,
    STYLES,
)
from geo import INSTRUMENT_BY_KEY, INSTRUMENTS, STATUS_LABELS, State, row_dicts, state_on

DASHES = {"solid": None, "dash": [3, 2], "dot": [1, 1.5]}
MAX_HOVER_LINES = 6


@dataclass(frozen=True)
class MapView:
    """Where the map looks and what is highlighted."""

    center: tuple[float, float] = DEFAULT_VIEW["center"]
    zoom: float = DEFAULT_VIEW["zoom"]
    # (west, south, east, north): the map was framed on these (a filter's result, a record) and not moved
    # since; an export then fits them to its own size. None: centre and zoom are the camera.
    bounds: tuple[float, float, float, float] | None = None
    selected: str | None = None
    route_countries: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()  # records to highlight as recently added or changed
    height: int = 620
    style: str = "white-bg"  # the basemap: offline by default (see dashboard.settings.map_style)
    layers: tuple[str, ...] = field(default_factory=lambda: tuple(i.key for i in INSTRUMENTS))


def period_text(rec: Mapping) -> str:
    """'2019-05-01 – 2023-06-30'; an unknown start is '?', a missing end is 'open' unless the record ended."""
    return period_of(rec.get("start"), rec.get("end"), rec.get("status"))


def period_of(start: str | None, end: str | None, status: str | None) -> str:
    """``period_text`` of a record's start, end and status."""
    return f"{start or '?'} – {end or ('end not known' if status in ('ended', 'superseded') else 'open')}"


def partner_text(codes: Iterable[str], names: Mapping[str, str], limit: int | None = 8) -> str:
    """Partner names, the first ``limit`` of them (None: all) and how many more."""
    codes = list(codes)
    limit = len(codes) if limit is None else limit
    shown = ", ".join(names.get(c, c) for c in codes[:limit])
    return shown + (f" and {len(codes) - limit} more" if len(codes) > limit else "") if codes else "—"


def build_timeline(records: pd.DataFrame, as_of: dt.date | None, today: dt.date) -> go.Figure:
    """A Gantt of agreements, operations, projects, postings and coordination-point activations: each record's
    spans (``geo.history``), solid where it is known to be in force and hatched where the sources leave it open
    ("date unknown"). A span with no known first day is left out (no bar can say where it starts)."""
    rows = []
    for rec in row_dicts(records):
        spans = rec.get("spans")
        if spans is None:  # a catalog without histories: its periods, all in force
            spans = tuple((start, end, State.IN) for start, end in rec["periods"])
        for start, end, state in spans:
            if start is None:
                continue
            rows.append({
                "id": rec["id"], "name": plotly_text(rec["name"]), "instrument": INSTRUMENT_BY_KEY[rec["instrument"]].label,
                "key": rec["instrument"], "start": start, "end": end or today, "open": end is None,
                "status": STATUS_LABELS.get(rec["status"], rec["status"]), "unknown": state is State.UNKNOWN,
            })
    fig = go.Figure()
    if rows:
        frame = pd.DataFrame(rows).sort_values(["key", "start"])
        labels = list(dict.fromkeys(frame["name"]))
        for (key, unknown), grp in frame.groupby(["key", "unknown"], sort=False):
            style = STYLES[str(key)]
            fig.add_trace(go.Bar(
                y=grp["name"], base=pd.to_datetime(grp["start"]),
                x=[(pd.Timestamp(e) - pd.Timestamp(s)).total_seconds() * 1000 + 86_400_000 for s, e in zip(grp["start"], grp["end"], strict=True)],
                orientation="h", marker={"color": style.colour, "line": {"width": 0},
                                         **({"pattern": {"shape": "/", "fgcolor": style.colour, "bgcolor": "#FFFFFF"}} if unknown else {})},
                opacity=0.55 if unknown else 1.0,
                name=INSTRUMENT_BY_KEY[str(key)].label + (" (date unknown)" if unknown else ""), legendgroup=str(key),
                customdata=[[i] for i in grp["id"]],
                hovertemplate="<b>%{y}</b><br>%{base|%Y-%m-%d} – %{x}" + (" · date unknown" if unknown else "") + "<extra></extra>",
                meta={"instrument": key, "unknown": bool(unknown)},
            ))
        fig.update_yaxes(categoryorder="array", categoryarray=labels[::-1], automargin=True)
    fig.update_xaxes(type="date")
    if as_of is not None:
        fig.add_vline(x=pd.Timestamp(as_of).timestamp() * 1000, line={"color": HIGHLIGHT, "width": 2, "dash": "dash"})
        fig.add_annotation(x=pd.Timestamp(as_of).timestamp() * 1000, y=1.0, yref="paper", text=f"as of {as_of.isoformat()}", showarrow=False, yanchor="bottom")
    fig.update_layout(barmode="overlay", height=max(320, 22 * len({r["name"] for r in rows}) + 120), margin={"l": 10, "r": 10, "t": 30, "b": 30}, legend={"orientation": "h", "y": -0.08})
    return fig


class Kpi(int):
    """A headline figure: how many records are *known* to be in force or active (the int value itself), and how
    many more the sources leave open on that day (``unknown``, "date unknown"): ``text`` is "2 (+1 date unknown)".

    An int, so a page that shows it as a number shows the known count; ``text`` is what a page shows to say
    how many were counted as "date unknown".
    """

    unknown: int

    def __new__(cls, known: int, unknown: int = 0) -> Kpi:
        figure = super().__new__(cls, known)
        figure.unknown = unknown
        return figure

    @property
    def known(self) -> int:
        return int(self)

    @property
    def text(self) -> str:
        return f"{int(self)} (+{self.unknown} date unknown)" if self.unknown else str(int(self))

    def __repr__(self) -> str:
        return f"Kpi(known={int(self)}, unknown={self.unknown})"


KPI_INSTRUMENTS = {  # headline label -> the instrument it counts (the labels the map page shows)
    "Agreements in force": "status_agreement",
    "Operations active": "operation",
    "Liaison postings": "liaison_officer",
    "Coord. points active": "coordination_point",
    "Projects running": "project",
}


def kpis(records: pd.DataFrame, as_of: dt.date) -> dict[str, Kpi]:
    """Headline figures for the current selection on a day: per instrument, the records known to be in force
    or active that day (``geo.State.IN``), with those the sources leave open counted apart (``Kpi.unknown``);
    "Partners" counts the partner countries of the selection."""
    known: dict[str, int] = {}
    unknown: dict[str, int] = {}
    partners: set[str] = set()
    for inst, spans, ps in zip(records["instrument"], records["spans"], records["partners"], strict=True):
        partners.update(ps)
        state = state_on(spans, as_of)
        if state is State.IN:
            known[inst] = known.get(inst, 0) + 1
        elif state is State.UNKNOWN:
            unknown[inst] = unknown.get(inst, 0) + 1
    out = {label: Kpi(known.get(inst, 0), unknown.get(inst, 0)) for label, inst in KPI_INSTRUMENTS.items()}
    out["Partners"] = Kpi(len(partners))
    return out
