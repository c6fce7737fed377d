"""Stock peer (benchmarks/map_browser.py): a plain ``st.plotly_chart`` with choroplethmap + scattermap.

Map style "white-bg": Plotly's MapLibre map without tiles, so nothing is fetched from off the machine.
"""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

from benchmarks.peers.region_data import ALL, base, region_label, region_view
from geo import INSTRUMENTS, REGIONS

st.set_page_config(page_title="plotly peer", layout="wide")
COLOURS = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#D55E00", "#56B4E9", "#F0E442", "#000000", "#787878", "#990000"]

catalog, outlines = st.cache_resource(base)()
region = st.sidebar.radio("Region", [ALL, *REGIONS], format_func=region_label)
countries, points = region_view(catalog, outlines, region)

fig = go.Figure()
features = countries["features"]
fig.add_trace(go.Choroplethmap(
    geojson=countries, locations=[f["id"] for f in features], z=[1] * len(features), featureidkey="id",
    colorscale=[[0, "rgba(0,114,178,0.3)"], [1, "rgba(0,114,178,0.3)"]], showscale=False, marker_line_width=1,
    marker_line_color="#3c3c3c", text=[f["properties"]["name"] for f in features], hoverinfo="text", name="Partners"))
for n, inst in enumerate(INSTRUMENTS):
    sub = points[points["instrument"] == inst.key]
    if len(sub):
        fig.add_trace(go.Scattermap(lon=sub["lon"], lat=sub["lat"], mode="markers", text=sub["name"], hoverinfo="text",
                                    marker={"size": 9, "color": COLOURS[n % len(COLOURS)]}, name=inst.label))
fig.update_layout(map={"style": "white-bg", "center": {"lat": 40.0, "lon": 20.0}, "zoom": 2.2}, height=700,
                  margin={"l": 0, "r": 0, "t": 0, "b": 0})
st.plotly_chart(fig, width="stretch")
st.caption(f"{len(points)} located records and {len(features)} partner countries shown")
