"""Partner profile: every instrument involving one country, on a small map and a timeline."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from dashboard import data, state, state_access
from dashboard.figures import MapView, build_timeline
from dashboard.safe import md
from dashboard.vector_map import build_vector_map
from geo import INSTRUMENT_BY_KEY


def render() -> None:
    catalog = data.viewed(data.current(), state_access.viewer().clearance)
    assert catalog is not None
    view = state.current()
    names = catalog.partner_names()
    involved = sorted({p for ps in catalog.records["partners"] for p in ps}, key=lambda c: names.get(c, c))
    # the link's (or last) country, else the first partner filtered on in the sidebar; otherwise none: the user picks
    chosen = view.partner if view.partner in involved else next((p for p in view.spec.partners if p in involved), None)
    st.title("Partner profile")
    code = st.selectbox("Country", involved, index=None if chosen is None else involved.index(chosen), key=state.K_PARTNER_BOX,
                        format_func=lambda c: f"{names.get(c, c)} ({c})", placeholder="Choose a country")
    if code != view.partner:
        state.set_partner(code)
    if code is None:
        st.info("Choose a country to see every instrument involving it, on a map and a timeline.")
        return
    spec = view.spec.with_(partners=(code,))
    records = data.filtered(catalog, spec)
    prow = catalog.partners[catalog.partners["code"] == code].iloc[0]
    st.caption(spec.describe(len(records), names))
    if prow["note"]:
        st.caption(f"{md(names[code])}: {md(prow['note'])}")
    routes = [r for r, ps in zip(catalog.routes["name"], catalog.routes["partners"], strict=True) if code in ps]
    st.markdown(f"**Region:** {md(prow['region'].replace('_', ' ').title())} · **Migratory routes:** {md(', '.join(routes) or '—')}")
    counts = records["instrument"].value_counts()
    st.markdown(" · ".join(f"{INSTRUMENT_BY_KEY[k].label}: **{n}**" for k, n in counts.items()) or "No record involves this country under the current filters.")
    geom = prow.geometry
    center = (geom.centroid.y, geom.centroid.x) if geom is not None else (40.0, 20.0)
    model, _ = data.map_version(catalog.version, catalog)  # the live map's layer model, drawn as vectors
    fig = build_vector_map(model, data.shown_mask(catalog.version, spec, catalog), data.display(catalog.version, catalog),
                           MapView(center=center, zoom=4.5), size=(560, 420), world=True)
    fig.update_layout(height=420, margin={"l": 0, "r": 0, "t": 0, "b": 0}, dragmode="pan",
                      legend={"orientation": "h", "y": -0.02, "yanchor": "top", "font": {"size": 11}})
    left, right = st.columns([2, 3])
    left.plotly_chart(fig, key="partner_map", config={"displaylogo": False}, width="stretch")
    right.plotly_chart(build_timeline(records, spec.as_of, dt.date.today()), key="partner_timeline", width="stretch")
    for rec in records.to_dict("records"):
        with st.expander(f"{INSTRUMENT_BY_KEY[rec['instrument']].label}: {rec['name']} ({rec['start'] or '?'} – {rec['end'] or 'open'})"):
            st.markdown(md(rec["description"]))
            st.markdown(" ".join(f"[source]({u})" for u in rec["sources"]) + f" · checked {rec['checked']}")


render()
