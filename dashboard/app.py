"""Beyond Borders: entry point. Page config, data, shared sidebar, navigation. Run with ``streamlit run``."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from dashboard import data, notices, settings, sidebar, state

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


@st.fragment(run_every=settings.refresh_seconds() or None)
def freshness(shown: str) -> None:
    """Check the data version on an interval (cheap); when it changed, rerun the page in place: the
    filters, selection and map camera are session state and survive, and the map updates without reload."""
    latest = data.current()
    changed_at = data.data_changed_at()
    stamp = f"{changed_at:%Y-%m-%d %H:%M} UTC" if changed_at else "unknown"
    every = f" every {settings.refresh_seconds():g} s" if settings.refresh_seconds() else " (auto-refresh off)"
    st.caption(f"Data as of {stamp} · version `{latest.version}` · checked {latest.checked_at:%H:%M:%S} UTC{every}")
    if latest.version != shown:
        st.rerun(scope="app")


# One container, always present, holds the status lines: whatever shows in it, the elements below keep
# their place in the page, so the live map is not remounted when a warning comes or goes.
view = sidebar.render_filters(catalog, today)
with st.container():
    freshness(loaded.version)
    notices.render_link_notices()
    if loaded.problem:
        st.warning(
            f"Showing the last good data (version {catalog.version}). The newest data has problems and was not "
            f"loaded:\n\n{loaded.problem}"
        )
    if view.present:
        st.markdown(
            "<style>html, body, [class*='st-'] {font-size: 1.15rem;} h1, h1 * {font-size: 2.6rem !important;}"
            " [data-testid='stMetricValue'], [data-testid='stMetricValue'] * {font-size: 2.6rem !important;}</style>",
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
