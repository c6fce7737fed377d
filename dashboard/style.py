"""How each instrument looks: one table. Colours are colour-blind safe and every layer also differs by form.

Colours come from the Okabe–Ito and Paul Tol palettes (distinguishable with the common colour-vision
deficiencies). Points differ by shape, size and a dark ring, and areas by fill versus outline and by dash
pattern, so that no layer is told apart by colour alone (the live map and the exports draw the same forms).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class LayerStyle:
    colour: str
    form: str  # "fill" (country fill), "outline" (area outline), "point"
    dash: str = "solid"  # outline dash: "solid", "dash", "dot"
    size: int = 11  # point size in px
    ring: bool = False  # points: dark ring underneath
    fill_opacity: float = 0.45
    legend_symbol: str = "■"
    shape: str = "circle"  # points on the live map: "circle", "diamond", "square", "triangle", "hexagon"


STYLES: dict[str, LayerStyle] = {
    "working_arrangement": LayerStyle("#56B4E9", "fill", fill_opacity=0.35, legend_symbol="▩"),
    "status_agreement": LayerStyle("#0072B2", "fill", fill_opacity=0.55, legend_symbol="■"),
    "operation": LayerStyle("#D55E00", "fill", fill_opacity=0.55, legend_symbol="■"),
    "coordination_point": LayerStyle("#E69F00", "point", size=15, ring=True, legend_symbol="◆", shape="diamond"),
    "liaison_officer": LayerStyle("#CC79A7", "point", size=14, ring=True, legend_symbol="◉"),
    "project": LayerStyle("#009E73", "outline", "dash", legend_symbol="┅"),
    "risk_network": LayerStyle("#882255", "outline", "dot", legend_symbol="┈"),
    "dialogue": LayerStyle("#999933", "outline", "dot", legend_symbol="┈"),
    "organisation": LayerStyle("#332288", "point", size=11, legend_symbol="■", shape="square"),
    "strategic_partner": LayerStyle("#44AA99", "fill", fill_opacity=0.35, legend_symbol="▩"),
    "event": LayerStyle("#000000", "point", size=10, legend_symbol="▲", shape="triangle"),
    # Tol's muted palette (colour-blind safe among themselves), hues no other row uses:
    "observer": LayerStyle("#CC6677", "outline", "solid", legend_symbol="▭"),  # the observers' countries
    "border_police_conference": LayerStyle("#AA4499", "point", size=13, ring=True, legend_symbol="▲", shape="triangle"),
    "empact": LayerStyle("#DDCC77", "point", size=12, ring=True, legend_symbol="■", shape="square"),  # action days' centres
}
POINT_CELL_STYLE = LayerStyle("#882255", "point", size=12, ring=True, legend_symbol="⬢", shape="hexagon")  # AFIC risk analysis cells

# Countries are coloured by their strongest tie among the records shown (one fill each, never stacked, so
# every fill colour on the map is one legend entry); weaker ties and regional frameworks are outlines.
TIE_ORDER = ("operation", "status_agreement", "working_arrangement", "strategic_partner")
TIE_FILLS = {  # lighter tints of the instrument colours: symbols and outlines stay readable on top
    "operation": "#F0A070",
    "status_agreement": "#6FA8D6",
    "working_arrangement": "#B5DDF5",
    "strategic_partner": "#A6DCD3",
}

LAND = "#ECEBE7"
BORDERS = "#B9B6AE"
WATER = "#FFFFFF"
HIGHLIGHT = "#000000"
CHANGED = "#EE3377"  # records added or changed recently (Paul Tol vibrant magenta): halo on points, dashed outline on areas
ROUTE_LINE = "#6A3D9A"

# Page and map colours of the two themes (?theme=dark, BB_THEME=dark): a dark map for control rooms.
THEMES: dict[str, dict[str, str]] = {
    "light": {"water": "#FFFFFF", "land": LAND, "borders": BORDERS, "label": "#333333", "halo": "#FFFFFF",
              "panel": "rgba(255,255,255,0.92)", "text": "#1f1f1f", "highlight": HIGHLIGHT},
    "dark": {"water": "#0E1117", "land": "#2A2D34", "borders": "#5A5F6B", "label": "#E8E8E8", "halo": "#0E1117",
             "panel": "rgba(20,22,28,0.92)", "text": "#F0F0F0", "highlight": "#FFFFFF"},
}

# Region presets: which regions a preset selects. A preset frames its result like any filter (the app and the
# command-line briefing alike, dashboard.map_model.result_bounds), so no fixed frame is kept here.
PRESETS: dict[str, dict] = {
    "Western Balkans": {"regions": ("western_balkans",)},
    "Eastern Partnership": {"regions": ("eastern_partnership",)},
    "Central Asia": {"regions": ("central_asia",)},
    "North & West Africa": {"regions": ("north_africa", "west_africa")},
    "Sahel": {"regions": ("sahel",)},
    "Horn of Africa": {"regions": ("horn_of_africa",)},
    "Middle East": {"regions": ("middle_east",)},
}
DEFAULT_VIEW = {"center": (40.0, 20.0), "zoom": 2.2}


# The wall screen's page style (constant: no data in it): meeting-room type sizes and a compact head, so the map
# fills the screen. Streamlit draws it with ``st.html``, whose code it fetches when the first one arrives, so
# it applied after the map had drawn and moved the map up 72 px; the live map applies the same sheet itself
# before its first draw (``dashboard.live_map``, ``page_style``). The last two rules hold the height of the kiosk
# box and the preset pills while Streamlit fetches their code (a 44 px placeholder until then).
PRESENT_STYLE = """
html, body, [class*='st-'] {font-size: 1.1rem;}
[data-testid='stMainBlockContainer'], .block-container {padding-top: 0.6rem !important; padding-bottom: 0 !important;}
[data-testid='stHeader'] {display: none;}
h1, h1 * {font-size: 1.7rem !important; padding: 0 !important;}
[data-testid='stMetricValue'], [data-testid='stMetricValue'] * {font-size: 1.9rem !important;}
[data-testid='stMetricLabel'] p {font-size: 0.95rem !important;}
[data-testid='stVerticalBlock'] {gap: 0.45rem;}
[data-testid='stButtonGroup'] > div {flex-wrap: wrap !important; overflow-x: visible !important; row-gap: 0.3rem;}
.st-key-w_kiosk {min-height: 79px;}
.st-key-stage_preset {min-height: 44px;}
"""
