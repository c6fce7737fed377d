"""The details panel of one record: description, period, partners, what is known of its dates and status on the
day asked about (with its status history), precision, and sources with dates."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import pandas as pd
import streamlit as st

from dashboard import state
from dashboard.figures import period_text
from dashboard.notices import plain
from dashboard.safe import link, md
from geo import EVENTS, INSTRUMENT_BY_KEY, PRECISION_LABELS, STATUS_LABELS, Catalog, known_facts

EXTRA_LABELS = {
    "counterpart": "Counterpart authority", "party_type": "Party", "generation": "Generation",
    "initialled": "Initialled", "signed": "Signed", "provisional_from": "Provisionally applied from",
    "in_force": "In force from", "council_decisions": "Council decisions", "border_section": "Border section",
    "framework": "Framework operation", "host": "Host country", "acronym": "Acronym", "budget_eur": "Budget (EUR)",
    "funding": "Funding", "implementers": "Implemented by", "agency_role": "Agency's role", "kind": "Kind",
    "secretariat": "Secretariat", "org_type": "Type", "cooperation": "Cooperation", "areas": "Areas",
    "organisers": "Organisers", "parent": "Related record", "activity": "Operation or activity",
    "host_state": "Host member state", "role": "Role (as the source calls it)", "edition": "Edition",
    "priorities": "Priorities", "agency_part": "The agency's part",
}


def history_table(catalog: Catalog, record_id: str) -> pd.DataFrame:
    """A record's status history as a plain table (text cells, oldest first), empty if it has none."""
    rows = catalog.history_of(record_id)
    return pd.DataFrame({
        "Date": list(rows.get("date", [])),
        "Status from then": [STATUS_LABELS.get(v, v) if v else "(unchanged)" for v in rows.get("status", [])],
        "Event": [EVENTS.get(v, v) for v in rows.get("event", [])],
        "Confidence": list(rows.get("confidence", [])),
        "Notes": list(rows.get("notes", [])),
        "Sources": list(rows.get("sources", [])),
        "Checked": list(rows.get("checked", [])),
    })


def render_known(catalog: Catalog, rec: pd.Series, day: dt.date) -> None:
    """What is known about the record's dates and its standing on ``day``, then its status history. Data is
    shown as text: escaped Markdown and a table, never HTML."""
    st.markdown("  \n".join(f"**{plain(label)}:** {plain(text)}" for label, text in known_facts(rec["timeline"], day)))
    table = history_table(catalog, rec["id"])
    if not table.empty:
        with st.expander(f"Status history ({len(table)} dated entries)"):
            st.dataframe(table, hide_index=True, width="stretch")


def render_details(catalog: Catalog, record_id: str, names: Mapping[str, str], key_suffix: str = "") -> None:
    """Draw the panel; a record that no longer exists (data changed) says so instead. ``key_suffix`` tells
    the panel's buttons apart when it is drawn twice on a page (beside the map and above the table)."""
    rec = catalog.record(record_id)
    close, zoom = st.columns(2)
    close.button("Close details", key=f"close_details{key_suffix}", on_click=state.select, args=(None,), width="stretch")
    if rec is None:
        st.info(f"Record {md(record_id)} is not in the current data.")
        return
    zoom.button("Zoom to it", key=f"zoom_details{key_suffix}", on_click=state.queue_pick, args=(record_id,), width="stretch",
                help="Frame the map on this record")
    st.markdown(f"#### {md(rec['name'])}")
    st.caption(f"{md(INSTRUMENT_BY_KEY[rec['instrument']].label)} · {md(rec['id'])}")
    st.markdown(md(rec["description"]))
    st.markdown(
        f"**Period:** {md(period_text(rec))}  \n"
        f"**Status:** {md(STATUS_LABELS.get(rec['status'], rec['status']))}  \n"
        f"**Partners:** {md(', '.join(names.get(p, p) for p in rec['partners']) or '—')}"
    )
    render_known(catalog, rec, state.current().spec.as_of or dt.date.today())
    if rec["located"]:
        st.markdown(f"**Location:** {md(rec['place'])} — {md(PRECISION_LABELS.get(rec['precision'], rec['precision']))}")
        st.caption(f"Coordinates: {md(rec['coord_source'])}")
    elif rec["instrument"] in ("coordination_point", "operation", "liaison_officer", "event", "border_police_conference"):
        st.markdown(f"**Location:** {PRECISION_LABELS['country']} (no sourced position; drawn as the country area)")
    extras = [(label, rec.get(col)) for col, label in EXTRA_LABELS.items() if col in rec.index and str(rec.get(col) or "").strip()]
    if extras:
        st.markdown("  \n".join(f"**{label}:** {md(value)}" for label, value in extras))
    if rec["confidence"] == "low":
        st.warning("Weakly sourced: treat with caution.")
    if rec["notes"]:
        st.info(md(rec["notes"]))
    st.markdown(f"**Sources** (checked {md(rec['checked'])}, confidence {md(rec['confidence'])}):")
    for url in rec["sources"]:
        st.markdown(f"- {link(url)}")  # a link only to a plain web address; anything else is text
