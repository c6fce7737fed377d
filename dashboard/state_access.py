"""The session's viewer (session state, like ``dashboard.state``): who is looking, set once per run by the app."""

from __future__ import annotations

import streamlit as st

from dashboard.access import ANONYMOUS, Viewer

K_VIEWER, K_AUDITED = "v_viewer", "v_audited"  # who is looking; their sign-in is logged once per session


def set_viewer(viewer: Viewer) -> bool:
    """Remember this run's viewer; True the first time a signed-in viewer is seen in the session (to log it)."""
    ss = st.session_state
    ss[K_VIEWER] = viewer
    first = viewer.signed_in and not ss.get(K_AUDITED)
    if first:
        ss[K_AUDITED] = True
    return first


def viewer() -> Viewer:
    """The session's viewer; the anonymous, lowest-cleared one before ``set_viewer``."""
    return st.session_state.get(K_VIEWER) or ANONYMOUS
