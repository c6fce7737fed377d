"""Beyond Borders: entry point. Page config, data, shared sidebar, navigation. Run with ``streamlit run``."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from dashboard import access, audit, data, notices, settings, sidebar, state, state_access
from dashboard.safe import md
from dashboard.style import PRESENT_STYLE

# Presentation mode (for meetings) starts with the sidebar collapsed; the preset buttons sit above the map.
st.set_page_config(page_title="Beyond Borders", layout="wide",
                   initial_sidebar_state="collapsed" if state.wants_presentation() else "expanded")

# Who is looking. With sign-in configured every page needs a signed-in user; without it, everyone reads the
# public records only (dashboard.access). Everything below draws from the viewer's part of the data.
viewer = access.current_viewer()
if access.sign_in_configured() and not viewer.signed_in:
    st.title("Beyond Borders")
    st.info("Sign in with your organisation's account to open the situation map.")
    if st.button("Sign in", type="primary"):
        st.login()
    st.stop()
if state_access.set_viewer(viewer):
    audit.record("sign_in", viewer.name, viewer.clearance, roles=list(viewer.roles))

loaded = data.current()
catalog = data.viewed(loaded, viewer.clearance)
if catalog is None:
    st.title("Beyond Borders")
    st.error(
        "The cooperation data could not be loaded, and there is no earlier good version to show.\n\n"
        f"{md(loaded.problem_for(viewer.sees_details))}\n\nFix the data files (run `python -m geo validate` for the "
        "full report) and this page recovers by itself on the next refresh."
    )
    st.stop()

today = dt.date.today()
state.init_session(lambda: (set(catalog.partners["code"]), set(catalog.records["id"])), today)


@st.fragment(run_every=settings.refresh_seconds() or None)
def freshness(shown: str) -> None:
    """Check the data version on an interval (cheap); when it changed, rerun the page in place: the
    filters, selection and map camera are session state and survive, and the map updates without reload."""
    latest = data.current()
    changed_at = data.data_changed_at()
    stamp = f"{changed_at:%Y-%m-%d %H:%M} UTC" if changed_at else "unknown"
    every = f" every {settings.refresh_seconds():g} s" if settings.refresh_seconds() else " (auto-refresh off)"
    st.caption(f"Data as of {stamp} · version {md(latest.version)} · checked {latest.checked_at:%H:%M:%S} UTC{every}")
    if latest.version != shown:
        st.rerun(scope="app")


DARK_CSS = """<style>
[data-testid='stAppViewContainer'], [data-testid='stHeader'], [data-testid='stSidebar'], [data-testid='stBottomBlockContainer']
  {background: #0E1117 !important; color: #F0F0F0 !important;}
[data-testid='stSidebar'] {background: #161A22 !important;}
[data-testid='stAppViewContainer'] p, [data-testid='stAppViewContainer'] h1, [data-testid='stAppViewContainer'] h2,
[data-testid='stAppViewContainer'] h3, [data-testid='stAppViewContainer'] label, [data-testid='stAppViewContainer'] span,
[data-testid='stMetricValue'], [data-testid='stCaptionContainer'], [data-testid='stSidebar'] * {color: #F0F0F0 !important;}
[data-testid^='stBaseButton'], [data-testid='stExpander'] details, [data-testid='stExpander'] summary
  {background: #1E232D !important; border-color: #3A404C !important; color: #F0F0F0 !important;}
input, textarea, [data-baseweb='input'], [data-baseweb='input'] > div, [data-baseweb='select'] > div,
[data-testid='stNumberInputContainer'], [data-testid='stNumberInputContainer'] button
  {background: #1E232D !important; color: #F0F0F0 !important; border-color: #3A404C !important;}
[data-testid='stTooltipIcon'], [data-testid='stTooltipIcon'] * , [data-testid='stTooltipHoverTarget']
  {background: transparent !important; color: #C8CCD4 !important; fill: #C8CCD4 !important;}
</style>"""

# One container, always present, holds the status lines: whatever shows in it, the elements below keep
# their place in the page, so the live map is not remounted when a warning comes or goes.
view = state.current()
with st.container():
    freshness(loaded.version)
    notices.render_link_notices()
    if loaded.problem:
        st.warning(
            f"Showing the last good data (version {md(catalog.version)}). The newest data has problems and was not "
            f"loaded:\n\n{md(loaded.problem_for(viewer.sees_details))}"
        )
    if not viewer.signed_in and loaded.catalog is not None and len(catalog.records) < len(loaded.catalog.records):
        st.info("Some records are marked above PUBLIC and are not shown here: sign-in is not configured on this "
                "server, so every visitor reads the public records only. See the README, \"Sign-in and clearances\".")
    # Constant style sheets only (no data in them): meeting-room type sizes, a compact head so the map fills
    # a wall screen, and the dark theme for control rooms.
    if view.present:
        st.html(f"<style>{PRESENT_STYLE}</style>")
    if state.theme(settings.theme()) == "dark":
        st.html(DARK_CSS)

pages = st.navigation(
    [
        st.Page("views/map.py", title="Situation map", url_path="map", default=True),
        st.Page("views/partner.py", title="Partner profile", url_path="partner"),
        st.Page("views/timeline.py", title="Timeline", url_path="timeline"),
        st.Page("views/sources.py", title="Data & sources", url_path="sources"),
    ]
)
pages.run()
# The filter widgets come last in the run: the sidebar is its own column, so they show in the same place, and
# the page's map reaches the browser before them. The page reads the filters from their session keys, which
# hold the new values before the run starts (widget callbacks run first).
sidebar.render_filters(catalog, today)
with st.sidebar:
    if viewer.signed_in:
        st.caption(f"Signed in as {md(viewer.name)} · clearance {md(access.config().label(viewer.clearance))}")
        st.button("Sign out", on_click=st.logout, key="sign_out", width="stretch")
    else:
        st.caption("Sign-in is not configured on this server: public records only.")
state.sync_url(state.current())
