"""The details panel of one record: description, period, partners, precision, and sources with dates."""

from __future__ import annotations

from collections.abc import Mapping

import streamlit as st

from dashboard import state
from dashboard.figures import period_text
from geo import INSTRUMENT_BY_KEY, PRECISION_LABELS, STATUS_LABELS, Catalog

EXTRA_LABELS = {
    "counterpart": "Counterpart authority", "party_type": "Party", "generation": "Generation",
    "initialled": "Initialled", "signed": "Signed", "provisional_from": "Provisionally applied from",
    "in_force": "In force from", "council_decisions": "Council decisions", "border_section": "Border section",
    "framework": "Framework operation", "host": "Host country", "acronym": "Acronym", "budget_eur": "Budget (EUR)",
    "funding": "Funding", "implementers": "Implemented by", "agency_role": "Agency's role", "kind": "Kind",
    "secretariat": "Secretariat", "org_type": "Type", "cooperation": "Cooperation", "areas": "Areas",
    "organisers": "Organisers", "parent": "Related record",
}


def render_details(catalog: Catalog, record_id: str, names: Mapping[str, str], key: str = "close_details") -> None:
    """Draw the panel; a record that no longer exists (data changed) says so instead. ``key`` names its
    close button, so the panel can be shown in two places of a page."""
    rec = catalog.record(record_id)
    st.button("Close details", key=key, on_click=state.select, args=(None,))
    if rec is None:
        st.info(f"Record {record_id} is not in the current data.")
        return
    st.markdown(f"#### {rec['name']}")
    st.caption(f"{INSTRUMENT_BY_KEY[rec['instrument']].label} · `{rec['id']}`")
    st.write(rec["description"])
    st.markdown(
        f"**Period:** {period_text(rec)}  \n"
        f"**Status:** {STATUS_LABELS.get(rec['status'], rec['status'])}  \n"
        f"**Partners:** {', '.join(names.get(p, p) for p in rec['partners']) or '—'}"
    )
    if rec["located"]:
        st.markdown(f"**Location:** {rec['place']} — {PRECISION_LABELS.get(rec['precision'], rec['precision'])}  \n"
                    f"<small>Coordinates: {rec['coord_source']}</small>", unsafe_allow_html=True)
    elif rec["instrument"] in ("coordination_point", "operation", "liaison_officer", "event"):
        st.markdown(f"**Location:** {PRECISION_LABELS['country']} (no sourced position; drawn as the country area)")
    extras = [(label, rec.get(col)) for col, label in EXTRA_LABELS.items() if col in rec.index and str(rec.get(col) or "").strip()]
    if extras:
        st.markdown("  \n".join(f"**{label}:** {value}" for label, value in extras))
    if rec["confidence"] == "low":
        st.warning("Weakly sourced: treat with caution.")
    if rec["notes"]:
        st.info(rec["notes"])
    st.markdown(f"**Sources** (checked {rec['checked']}, confidence {rec['confidence']}):")
    for url in rec["sources"]:
        st.markdown(f"- [{url}]({url})")
