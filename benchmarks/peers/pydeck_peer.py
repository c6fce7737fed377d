"""Stock peer (benchmarks/map_browser.py): a plain ``st.pydeck_chart`` of the partner countries and points.

No basemap: deck.gl draws only our layers, so nothing is fetched from off the machine. Not ``map_style=None``:
in ``st.pydeck_chart`` that means "the basemap of Streamlit's theme", Carto's Positron style fetched from
basemaps.cartocdn.com (Streamlit 1.67, checked by the benchmark's request log). pydeck's own default style
with ``map_provider=None`` reaches Streamlit as pydeck's "no style chosen" marker, which it draws without a
basemap. The layers have fixed ids (pydeck gives each a new random id otherwise), so deck.gl updates them in
place and Streamlit can send an unchanged figure as a cache reference: the peer at its stock best.
"""

from __future__ import annotations

import pydeck as pdk
import streamlit as st

from benchmarks.peers.region_data import ALL, base, region_label, region_view
from geo import INSTRUMENTS, REGIONS

st.set_page_config(page_title="pydeck peer", layout="wide")
COLOURS = [[0, 114, 178], [230, 159, 0], [0, 158, 115], [204, 121, 167], [213, 94, 0], [86, 180, 233], [240, 228, 66],
           [0, 0, 0], [120, 120, 120], [153, 0, 0]]
COLOUR_OF = {inst.key: COLOURS[n % len(COLOURS)] for n, inst in enumerate(INSTRUMENTS)}

catalog, outlines = st.cache_resource(base)()
region = st.sidebar.radio("Region", [ALL, *REGIONS], format_func=region_label)
countries, points = region_view(catalog, outlines, region)
points["colour"] = points["instrument"].map(COLOUR_OF)

layers = [
    pdk.Layer("GeoJsonLayer", id="countries", data=countries, get_fill_color=[0, 114, 178, 70], get_line_color=[60, 60, 60],
              line_width_min_pixels=1, pickable=True),
    pdk.Layer("ScatterplotLayer", id="points", data=points, get_position=["lon", "lat"], get_fill_color="colour", get_radius=20_000,
              radius_min_pixels=4, stroked=True, get_line_color=[255, 255, 255], line_width_min_pixels=1, pickable=True),
]
st.pydeck_chart(pdk.Deck(layers=layers, initial_view_state=pdk.ViewState(latitude=40.0, longitude=20.0, zoom=2.2),
                         map_provider=None, tooltip={"text": "{name}"}), height=700)
st.caption(f"{len(points)} located records and {len(countries['features'])} partner countries shown")
