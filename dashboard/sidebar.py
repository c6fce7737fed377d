"""Filter widgets -> FilterSpec. The widgets keep their values in session keys owned by ``state``."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from dashboard import state, state_events
from dashboard.style import PRESETS
from geo import INSTRUMENT_BY_KEY, REGIONS, ROUTES, STATUS_LABELS, STATUSES, Catalog


def render_presets(where=st, columns: int = 1, key: str = "preset") -> None:
    """Region preset buttons: each filters to its regions and frames the map."""
    cols = where.columns(columns) if columns > 1 else [where] * len(PRESETS)
    for n, (label, preset) in enumerate(PRESETS.items()):
        cols[n % len(cols)].button(
            label, key=f"{key}_{label}", on_click=state.apply_preset,
            args=(preset["regions"],), width="stretch",
        )


def render_preset_pills(where=st, key: str = "stage_preset") -> None:
    """The presets on a wall screen: one row of pills that wraps on a narrow screen (buttons in fixed columns cut
    their labels at 1280 px), the current preset highlighted."""
    state_events.mark_preset(key, {label: p["regions"] for label, p in PRESETS.items()})
    where.pills("Region presets", list(PRESETS), key=key, selection_mode="single", label_visibility="collapsed",
                on_change=state_events.preset_picked, args=(key, {label: p["regions"] for label, p in PRESETS.items()}))


def render_filters(catalog: Catalog, today: dt.date) -> state.ViewState:
    """Draw the shared filter widgets in the sidebar and return the resulting view state."""
    names = catalog.partner_names()
    sb = st.sidebar
    sb.markdown("### Filters")
    with sb.expander("Region presets", expanded=False):
        render_presets(st)
    # Typing the start of a name and pressing Enter picks that one country. Streamlit's default search is
    # fuzzy (the letters in order, anywhere in the label): "Mold" also matched "DeMOcratic RepubLic of the
    # Congo (CoD)", and Enter then took the first row, "Select 2 matches". So: match from the start of the
    # label (the name; the code stays in brackets after it), and no "Select all / N matches" row, so that
    # Enter takes the first match ("Niger" gives Niger, not Niger and Nigeria). The price: a word inside a
    # name ("Congo", "Gambia") is not found; the name's start ("Democratic", "The Gambia") is.
    sb.multiselect("Partner country", sorted(names, key=lambda c: names[c]), key=state.K_PARTNERS,
                   format_func=lambda c: f"{names.get(c, c)} ({c})", placeholder="All partners (type a name's start)",
                   filter_mode="prefix", select_all=False)
    sb.multiselect("Migratory route", list(ROUTES), key=state.K_ROUTES, format_func=ROUTES.get, placeholder="All routes")
    sb.multiselect("Instrument (map layers)", list(INSTRUMENT_BY_KEY), key=state.K_INSTRUMENTS,
                   format_func=lambda k: INSTRUMENT_BY_KEY[k].label, placeholder="All instruments")
    sb.multiselect("Region", list(REGIONS), key=state.K_REGIONS, format_func=REGIONS.get, placeholder="All regions")
    sb.multiselect("Status", list(STATUSES), key=state.K_STATUS, format_func=STATUS_LABELS.get, placeholder="Any status")
    if sb.checkbox("Only what was in force on a day", key=state.K_ASOF_ON, on_change=state.drop_as_of_problem):
        state.keep_as_of_text()
        # a text field, not st.date_input, so that Enter applies the typed day (see state.K_ASOF_TEXT)
        sb.text_input("As of", key=state.K_ASOF_TEXT, on_change=state.apply_as_of_text, max_chars=10,
                      placeholder="YYYY-MM-DD", help="Type a day as YYYY-MM-DD and press Enter")
        if problem := state.as_of_problem():
            sb.error(f"{problem}; still showing {state.current().spec.as_of}.")
    if sb.checkbox("Only what was active in a period", key=state.K_PERIOD_ON):
        sb.date_input("Period", key=state.K_PERIOD, min_value=state.DAY_RANGE[0], max_value=state.DAY_RANGE[1], format="YYYY-MM-DD")
    sb.text_input("Search names and descriptions", key=state.K_TEXT, placeholder="e.g. Moldova, AFIC, Palanca")
    sb.button("Reset filters", on_click=state.reset_filters, args=(today,), width="stretch")
    return state.current()
