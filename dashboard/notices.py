"""The link notice: what a shared link asked for that could not be used, in view until dismissed.

A toast vanished after a few seconds, so someone opening a broken link saw everything (the dropped parts
filter nothing) with no hint why. The notice sits in the status area above every page instead.
"""

from __future__ import annotations

import streamlit as st

from dashboard import state
from dashboard.safe import md


def plain(text: str) -> str:
    """``text`` shown literally in Markdown: a link's values come from whoever wrote the link."""
    return md(text)


def render_link_notices() -> None:
    """The notice and its dismiss button, when the opening link had parts that could not be used."""
    notes = state.notices()
    if not notes:
        return
    st.warning("This link had parts that could not be used. They were left out, so the view is wider than the "
               "link meant:\n\n" + "\n".join(f"- {plain(n)}" for n in notes))
    st.button("Dismiss", key=state.K_DISMISS_NOTICES, on_click=state.dismiss_notices,
              help="Hide this notice; it stays hidden for this link")
