"""Timeline: a Gantt of the selected records with the as-of day marked; moving the day updates the map."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from dashboard import data, state, state_access, state_time
from dashboard.figures import build_timeline


def render() -> None:
    catalog = data.viewed(data.current(), state_access.viewer().clearance)
    assert catalog is not None
    view = state.current()
    names = catalog.partner_names()
    st.title("Timeline")
    records = data.filtered(catalog, view.spec)
    st.caption(view.spec.describe(len(records), names))
    st.caption("Bars run from the first to the last day each record was in force or active; open-ended bars end "
               "today. Coordination points show each activation. Records with no known start are not drawn. "
               "Set 'Only what was in force on a day' in the sidebar to mark a day and filter the map to it.")
    if st.button("▶ Play this history on the map", key="timeline_play",
                 help="Opens the situation map and steps the as-of day through the years; the map follows"):
        state_time.start_playback_from_timeline()
        st.switch_page("views/map.py")
    fig = build_timeline(records, view.spec.as_of, dt.date.today())
    st.plotly_chart(fig, key="timeline", width="stretch", config={"displaylogo": False})


render()
