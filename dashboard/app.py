"""Beyond Borders: entry point. Page config, data, shared sidebar, navigation. Run with ``streamlit run``."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from dashboard import data, sidebar, state

# Presentation mode (for meetings) starts with the sidebar collapsed; the preset buttons sit above the map.
st.set_page_config(page_title="Beyond Borders", layout="wide",
                   initial_sidebar_state="collapsed" if state.wants_presentation() else "expanded")

loaded = data.current()
if loaded.catalog is None:
    st.title("Beyond Borders")
    st.error(
        "The cooperation data could not be loaded, and there is no earlier good version to show.\n\n"
        f"{loaded.problem}\n\nFix the data files (run `python -m geo validate` for the full report) and "
        "this page recovers by itself on the next refresh."
    )
    st.stop()

catalog = loaded.catalog
today = dt.date.today()
state.init_session(set(catalog.partners["code"]), set(catalog.records["id"]), today)
for notice in state.pop_notices():
    st.toast(notice)
if loaded.problem:
    st.warning(
        f"Showing the last good data (version {catalog.version}). The newest data has problems and was not "
        f"loaded:\n\n{loaded.problem}"
    )

view = sidebar.render_filters(catalog, today)
if view.present:
    st.markdown(
        "<style>html, body, [class*='st-'] {font-size: 1.15rem;} h1 {font-size: 2.6rem !important;}</style>",
        unsafe_allow_html=True,
    )

pages = st.navigation(
    [
        st.Page("views/map.py", title="Situation map", url_path="map", default=True),
        st.Page("views/partner.py", title="Partner profile", url_path="partner"),
        st.Page("views/timeline.py", title="Timeline", url_path="timeline"),
        st.Page("views/sources.py", title="Data & sources", url_path="sources"),
    ]
)
pages.run()
state.sync_url(state.current())
