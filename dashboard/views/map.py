"""Situation map page: KPIs, the map, the record table and the details panel, all from one FilterSpec."""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from pathlib import Path

import pandas as pd
import streamlit as st

from dashboard import briefing, data, details, sidebar, state
from dashboard.figures import MapView, build_map, kpis
from geo import INSTRUMENT_BY_KEY, STATUS_LABELS, route_partners

MAP_KEY = "situation_map"
TABLE_KEY = "record_table"


def picked_id(event: object) -> str | None:
    """The record id of the first clicked/selected map feature in a plotly_chart selection event."""
    selection = event.get("selection", {}) if hasattr(event, "get") else {}
    for point in selection.get("points", []) if hasattr(selection, "get") else []:
        custom = point.get("customdata")
        if isinstance(custom, list) and custom:
            custom = custom[0]
        if isinstance(custom, str) and custom:
            return custom.split("|")[0]
    return None


def render_export_panel(catalog, view: state.ViewState, map_view: MapView) -> None:
    """Export the current view: briefing images and slides (rendered by Chromium) and the filtered data."""
    with st.expander("Export this view for a briefing"):
        marking = os.environ.get("BB_MARKING", "PUBLIC")
        title = st.text_input("Title", value="Cooperation beyond EU borders", key="export_title")
        formats = st.multiselect("Formats", list(briefing.ALL_FORMATS), default=["png", "pptx", "csv"], key="export_formats")
        st.caption(f"Marking: {marking} (set per deployment with BB_MARKING). Images and slides need Chromium on the server; "
                   "HTML is an interactive map file that works offline.")
        if st.button("Prepare files", key="export_go") and formats:
            snap = briefing.Snapshot(view.spec, MapView(center=map_view.center, zoom=map_view.zoom, selected=view.selected,
                                                        layers=map_view.layers, height=briefing.HEIGHT), title, marking)
            files: list[tuple[str, bytes]] = []
            with tempfile.TemporaryDirectory(prefix="bb-export-") as tmp, st.status("Preparing the briefing files…", expanded=True) as status:
                for fmt in formats:
                    st.write(f"Writing {fmt.upper()}…")
                    try:
                        files += [(p.suffix, p.read_bytes()) for p in briefing.write_products(catalog, snap, [fmt], Path(tmp))]
                    except briefing.ExportUnavailable as exc:
                        st.error(str(exc))
                status.update(label=f"{len(files)} file(s) ready", state="complete")
            for suffix, payload in files:
                st.download_button(f"Download {suffix[1:].upper()}", payload, file_name=f"beyond-borders{suffix}", key=f"dl_{suffix}",
                                   mime="text/html" if suffix == ".html" else None)


def render() -> None:
    loaded = data.current()
    catalog = loaded.catalog
    assert catalog is not None  # app.py stops before pages when nothing can be shown
    view = state.current()
    spec = view.spec
    records = data.filtered(catalog, spec)
    names = catalog.partner_names()

    pending = state.pop_pending_frame()
    if pending is not None:
        rec = catalog.record(pending)
        if rec is not None and rec["label_lat"] is not None and not pd.isna(rec["label_lat"]):
            state.select(pending, ((float(rec["label_lat"]), float(rec["label_lon"])), max(view.zoom, 4.5)))
        else:
            state.select(pending)
        view = state.current()

    head, toggle = st.columns([5, 1])
    head.title("Beyond Borders")
    toggle.button("Leave presentation" if view.present else "Presentation mode", on_click=state.toggle_present,
                  key="present_toggle", width="stretch")
    if view.present:
        sidebar.render_presets(st, columns=len(sidebar.PRESETS), key="stage_preset")
    st.caption(spec.describe(len(records), names))

    as_of = spec.as_of or dt.date.today()
    cols = st.columns(6)
    for col, (label, value) in zip(cols, kpis(records, as_of).items(), strict=True):
        col.metric(label, value, help=f"For the current filter, as of {as_of.isoformat()}")

    if records.empty:
        st.info("No record matches the current filter. Widen or reset the filters in the sidebar.")

    map_view = MapView(
        center=view.center, zoom=view.zoom, selected=view.selected,
        route_countries=tuple(sorted(route_partners(catalog, spec.routes))) if spec.routes else (),
        layers=spec.instruments or tuple(INSTRUMENT_BY_KEY),
        height=720 if view.present else 600,
    )
    # Built on every run, not cached: a figure returned from st.cache_data (a copy) stops Streamlit from
    # reporting clicks on it (measured with Streamlit 1.67); building it takes tens of milliseconds.
    fig = build_map(records, data.display(catalog.version, catalog), names, map_view)
    left, right = st.columns([3, 1]) if view.selected else (st.container(), None)
    with left:
        event = st.plotly_chart(fig, key=MAP_KEY, on_select="rerun", selection_mode=("points",),
                                config={"displaylogo": False, "scrollZoom": True}, width="stretch")
        st.caption("Locations marked 'approximate' are drawn at a city centre or as the whole country. "
                   "Country outlines: Natural Earth (public domain); de facto boundaries, no recognition implied.")
    picked = picked_id(event)
    if state.is_new_pick(picked) and picked:
        state.select(picked)  # a new click on the map (not the same selection seen again): open its details
        st.rerun()
    if right is not None and view.selected:
        with right:
            details.render_details(catalog, view.selected, names)

    render_export_panel(catalog, view, map_view)

    table = records[["id", "instrument", "name", "partners", "start", "end", "status", "confidence"]].copy()
    table["instrument"] = table["instrument"].map(lambda k: INSTRUMENT_BY_KEY[k].label)
    table["partners"] = table["partners"].map(lambda ps: ", ".join(names.get(p, p) for p in ps))
    table["status"] = table["status"].map(STATUS_LABELS.get)
    table.insert(0, "sel", ["▶" if rid == view.selected else "" for rid in table["id"]])
    ids = list(table["id"])
    st.subheader(f"Records ({len(table)})")
    st.dataframe(table, key=TABLE_KEY, on_select=lambda: state.queue_table_pick(TABLE_KEY, ids), selection_mode="single-row",
                 hide_index=True, width="stretch",
                 column_config={"sel": st.column_config.TextColumn("", width="small"), "id": st.column_config.TextColumn("id")})


render()

