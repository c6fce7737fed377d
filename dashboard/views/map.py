"""Situation map page: KPIs, the map, the record table and the details panel, all from one FilterSpec."""

from __future__ import annotations

import datetime as dt
import tempfile
from dataclasses import replace
from functools import partial
from pathlib import Path

import streamlit as st

from dashboard import (
    access,
    audit,
    briefing,
    data,
    details,
    live_map,
    map_model,
    settings,
    sidebar,
    state,
    state_access,
    state_events,
    state_time,
    timebar,
)
from dashboard.figures import MapView
from dashboard.live_map import Frame
from dashboard.safe import md
from dashboard.style import PRESENT_STYLE
from geo import INSTRUMENT_BY_KEY, route_partners

MAP_KEY = "situation_map"
# The headline figures' height, the same with or without a "date unknown" line (normal page, wall screen). Fixed,
# so the map below does not move when Streamlit has fetched the figures' code: until then it shows a 40 px
# placeholder, and the map, drawn by then, moved 63 px down under a user's pointer (a click meant for
# Montenegro opened Serbia's records).
METRIC_HEIGHT = {False: 103, True: 109}
# The headline figures under short labels, so six fit in a row at 1280 px with the sidebar open (measured by
# a browser test: no label is cut); the caption under them says they count what is in force or active on the
# day, and each help says what exactly.
KPI_SHORT = {"Agreements in force": "Agreements", "Operations active": "Operations", "Liaison postings": "Liaison officers",
             "Coord. points active": "Coord. points", "Projects running": "Projects", "Partners": "Partners"}
KPI_HELP = {"Agreements in force": "Status agreements in force", "Operations active": "Operations with executive powers running",
            "Liaison postings": "Liaison officer postings in place", "Coord. points active": "Coordination points in an activation period",
            "Projects running": "Technical-assistance projects running", "Partners": "Partner countries involved in the records shown"}
TABLE_KEY = "record_table"


SINCE_CHOICES = {"opened": "I opened this page", "hour": "the last hour", "day": "the last 24 hours"}


def changes_window(choice: str) -> dt.datetime:
    now = dt.datetime.now(dt.UTC)
    return {"hour": now - dt.timedelta(hours=1), "day": now - dt.timedelta(days=1)}.get(choice, state.opened_at())


def render_changes(catalog) -> None:
    """The changes panel: records added, changed or removed since the session opened (or a chosen time)."""
    choice = st.selectbox("Changes since", list(SINCE_CHOICES), format_func=SINCE_CHOICES.get, key=state.K_SINCE)
    asked = changes_window(choice or "opened")
    changes, since = data.changes_since(catalog, asked)
    st.caption(f"{len(changes)} change(s) since {since:%Y-%m-%d %H:%M} UTC"
               + (" (this app instance has no older version)" if since > asked else ""))
    labels = {"added": "Added", "changed": "Changed"}
    listed = {kind: getattr(changes, kind)[:20] for kind in ("added", "changed")}
    wanted = [rid for ids in listed.values() for rid in ids]  # the names of these only (not a map of every record)
    rows = catalog.records.loc[catalog.records["id"].isin(wanted), ["id", "name"]] if wanted else None
    names = dict(zip(rows["id"], rows["name"], strict=True)) if rows is not None else {}
    for kind, ids in listed.items():
        for rid in ids:
            st.button(f"{labels[kind]}: {md(names.get(rid, rid))}", key=f"chg_{kind}_{rid}", on_click=state.queue_pick,
                      args=(rid,), help="Select it and frame it on the map", width="stretch")
    for _rid, name, instrument in changes.removed[:20]:
        st.markdown(f"Removed: ~~{md(name)}~~ ({md(INSTRUMENT_BY_KEY[instrument].label if instrument in INSTRUMENT_BY_KEY else instrument)})")
    if max(len(changes.added), len(changes.changed), len(changes.removed)) > 20:
        st.caption("Only the first 20 of each kind are listed.")


def render_export_panel(catalog, view: state.ViewState, map_view: MapView, records) -> None:
    """Export the current view: briefing images and slides (rendered by Chromium) and the filtered data. Only the
    viewer's part of the data is in ``catalog``; the banner carries the highest marking among the records
    exported (never lower than the deployment's, BB_MARKING); every export is written to the audit log."""
    with st.expander("Export this view for a briefing"):
        floor = settings.marking()
        marking = access.export_marking(records["sensitivity"], floor, access.config())
        title = st.text_input("Title", value="Cooperation beyond EU borders", key="export_title")
        formats = st.multiselect("Formats", list(briefing.ALL_FORMATS), default=["png", "pptx", "csv"], key="export_formats")
        st.caption(f"Marking: {md(marking)} (the highest among the records of this view, at least {md(floor)}, set per "
                   "deployment with BB_MARKING). Images and slides need Chromium on the server; HTML is an interactive "
                   "map file that works offline.")
        # the view as the user sees it: filters, selection, route outline and the camera they left the map at
        snap = briefing.Snapshot(view.spec, replace(map_view, changed=(), height=briefing.HEIGHT), title, marking)
        prepare, add = st.columns(2)
        add.button("Add this view to the slide deck", key="deck_add", on_click=state.deck_add, args=(snap,), width="stretch",
                   help="Collect several views, then download them as one PowerPoint deck (a slide each)")
        # the files are kept for this view (not the time of the snapshot): a rerun, by a download or anything
        # else that leaves the view as it is, offers them all again; another view offers none
        made_for = (catalog.version, snap.spec, snap.view, title, marking, tuple(formats))
        if prepare.button("Prepare files", key="export_go", width="stretch") and formats:
            files: list[tuple[str, bytes]] = []
            with tempfile.TemporaryDirectory(prefix="bb-export-") as tmp, st.status("Preparing the briefing files…", expanded=True) as status:
                for fmt in formats:
                    st.write(f"Writing {fmt.upper()}…")
                    try:
                        files += [(p.suffix, p.read_bytes()) for p in briefing.write_products(catalog, snap, [fmt], Path(tmp))]
                    except briefing.ExportUnavailable as exc:
                        st.error(str(exc))
                status.update(label=f"{len(files)} file(s) ready", state="complete")
            state.keep_prepared(state.K_EXPORT_FILES, made_for, files)
            who = state_access.viewer()
            audit.record("export", who.name, who.clearance, link=state.encode(view), formats=list(formats), marking=marking,
                         records=len(records), title=title)
        for suffix, payload in state.prepared(state.K_EXPORT_FILES, made_for) or []:
            st.download_button(f"Download {suffix[1:].upper()}", payload, file_name=f"beyond-borders{suffix}", key=f"dl_{suffix}",
                               mime="text/html" if suffix == ".html" else None, on_click="ignore")
        render_deck(catalog)


def render_deck(catalog) -> None:
    """The slide deck being collected in this session: one slide per added view."""
    snaps = state.deck()
    if not snaps:
        return
    names = catalog.partner_names()
    st.markdown(f"**Slide deck: {len(snaps)} slide(s)** — " + "; ".join(f"{n}. {md(s.title)} ({md(s.spec.describe(None, names))})"
                                                                       for n, s in enumerate(snaps, start=1)))
    make, clear = st.columns(2)
    clear.button("Empty the deck", key="deck_clear", on_click=state.deck_clear, width="stretch")
    made_for = (catalog.version, tuple(snaps))  # kept while the deck holds the same views (see render_export_panel)
    if make.button("Prepare the deck", key="deck_go", width="stretch"):
        with st.status(f"Rendering {len(snaps)} slide(s)…") as status:
            try:
                payload = briefing.to_pptx(catalog, briefing.export_geometry(catalog), snaps)
            except briefing.ExportUnavailable as exc:
                st.error(str(exc))
                return
            status.update(label="Deck ready", state="complete")
        state.keep_prepared(state.K_DECK_FILE, made_for, payload)
        who = state_access.viewer()
        audit.record("export", who.name, who.clearance, views=[s.spec.describe(None, {}) for s in snaps], formats=["pptx"],
                     marking=[s.marking for s in snaps])
    payload = state.prepared(state.K_DECK_FILE, made_for)
    if payload is not None:
        st.download_button("Download the deck (PPTX)", payload, file_name="beyond-borders-deck.pptx", key="dl_deck", on_click="ignore")


def render_head(view: state.ViewState, records, names: dict[str, str], version: str) -> None:
    """Title, presentation toggle, the presets on a wall screen, the filter in words and the headline figures."""
    spec = view.spec
    if view.present:  # a wall screen: a one-line head with the kiosk control, so the map fills the screen below
        head, kiosk, toggle = st.columns([3, 1.3, 1.4], vertical_alignment="bottom")
        head.markdown("### Beyond Borders · cooperation beyond EU borders")
        timebar.render_kiosk(kiosk)
    else:
        head, toggle = st.columns([4, 1.4], vertical_alignment="center")
        head.title("Beyond Borders")
    toggle.button("Leave presentation" if view.present else "Presentation mode", on_click=state.toggle_present,
                  key="present_toggle", width="stretch")
    stage = st.container()
    if view.present:
        sidebar.render_preset_pills(stage)  # one row (wrapped on a narrow screen), so the map gets the height
    as_of = spec.as_of or dt.date.today()
    st.caption(f"{md(spec.describe(len(records), names))} · headline figures as of {as_of.isoformat()}")
    cols = st.columns(6)
    for col, (label, value) in zip(cols, data.headline(version, spec, as_of, records).items(), strict=True):
        # the figure counts only what is known to be in force; records whose dates leave it open that day are
        # said under it, in grey (they are drawn on the map, marked "date unknown")
        unknown = getattr(value, "unknown", 0)
        col.metric(KPI_SHORT.get(label, label), int(value), delta=f"+{unknown} date unknown" if unknown else None,
                   delta_color="off", delta_arrow="off", height=METRIC_HEIGHT[view.present],
                   help=f"{KPI_HELP.get(label, label)} (known): for the current filter, as of {as_of.isoformat()}"
                        + (f"; {unknown} more whose dates the sources leave open that day" if unknown else ""))
    notice = st.empty()
    if records.empty:
        notice.info("No record matches the current filter. Widen or reset the filters in the sidebar.")


def render() -> None:
    loaded = data.current()
    catalog = data.viewed(loaded, state_access.viewer().clearance)
    assert catalog is not None  # app.py stops before pages when nothing can be shown
    view = state.current()
    spec = view.spec
    records = data.filtered(catalog, spec)
    names = catalog.partner_names()

    pending = state.pop_pending_frame()  # a table row, a change, "Zoom to it" or a link: select it and frame it
    if pending is not None and catalog.record(pending) is not None:
        state.select(pending)
        bounds = map_model.record_bounds(data.map_version(catalog.version, catalog)[0], pending)
        if bounds is not None:
            state.frame_to(tuple(bounds))
            state.mark_framed(spec)  # the record's frame, not the result's
        view = state.current()

    model, data_name = data.map_version(catalog.version, catalog)
    route_countries = tuple(sorted(route_partners(catalog, spec.routes))) if spec.routes else ()
    if state.needs_framing(spec) and state_time.is_playing():  # playback: the map holds its frame while the days go by
        state.frame_result(spec, None)
    if state.needs_framing(spec):  # every filter change frames the map on its result (a link's own camera is kept)
        bounds = map_model.result_bounds(model, catalog, spec, records["id"])
        state.frame_result(spec, tuple(bounds) if bounds else None)
        view = state.current()
    # Added or changed records stay highlighted for a while (BB_CHANGE_HIGHLIGHT_MINUTES) after they were seen
    recent_from = max(state.opened_at(), dt.datetime.now(dt.UTC) - dt.timedelta(minutes=settings.highlight_minutes()))
    recent, _ = data.changes_since(catalog, recent_from)
    map_view = MapView(
        center=view.center, zoom=view.zoom, bounds=view.bounds, selected=view.selected, route_countries=route_countries,
        layers=spec.instruments or tuple(INSTRUMENT_BY_KEY), height=720 if view.present else 600,
        style=settings.map_style(), changed=recent.present,
    )
    shown = data.shown_mask(catalog.version, spec, catalog)
    unknown = data.unknown_mask(catalog.version, spec, catalog)
    map_state = map_model.rerun_state(model, shown, view.selected, recent.present, map_view.route_countries, spec.routes,
                                      unknown)
    # The head (title, presets, caption, headline figures) is a container placed above the map but filled after
    # it, so the browser gets the map's element first and starts loading its script and data sooner. Every
    # element above the map is always emitted, so the map keeps its position in the page and is never
    # remounted by a filter change (see dashboard.live_map).
    head = st.container()
    # a wall screen gives the map the width: the side column only holds a picked record's details
    left, right = st.columns([6, 1] if view.present else [4, 1.25])
    days, time_bar = timebar.time_state(catalog, dt.date.today())
    with left:
        live_map.live_map(map_state, data_name, Frame(state.frame_seq(), view.center, view.zoom, state.current_bounds()),
                 map_view.height, key=MAP_KEY, time=time_bar,
                 on_event=partial(state_events.map_event, MAP_KEY, lambda rid: rid in model.index, days),
                 theme=state.theme(settings.theme()), basemap=settings.basemap_url(map_view.style), fill_viewport=view.present,
                 page_style=PRESENT_STYLE if view.present else "")
    with head:
        render_head(view, records, names, catalog.version)
    with left:
        unplaced = int((~records["located"] & (records["partners"].map(len) == 0)).sum()) if not records.empty else 0
        if unplaced:
            st.caption(f"{unplaced} of the {len(records)} records have no place on the map (no partner country and no site): "
                       "they are in the table below.")
        st.caption("Locations marked 'approximate' are drawn at a city centre or as the whole country. "
                   "Country outlines: Natural Earth (public domain); de facto boundaries, no recognition implied.")
        online = settings.basemap_host(map_view.style)
        if online:
            st.caption(f"⚠ Online basemap ({map_view.style}): this page loads map tiles from {online}. "
                       "Unset BB_ONLINE_BASEMAP for the offline map.")
    with right:
        if view.selected:
            details.render_details(catalog, view.selected, names)
        else:
            st.caption("Click a symbol or area on the map, or a row of the table, to see its details and sources.")
        with st.expander("What changed", expanded=bool(recent)):
            render_changes(catalog)

    render_export_panel(catalog, view, map_view, records)

    render_record_table(catalog, records, view, names, {"shown": map_state["shown"], "n": map_state["n"], "unknown": map_state["unknown"],
                                                        "selected": map_state["selected"], "data_name": data_name})


def render_record_table(catalog, records, view: state.ViewState, names: dict[str, str], table: dict) -> None:
    """The records of the filter in a virtual, sortable list fed like the map, with the picked record's
    details on top (where the user just clicked a row; the panel beside the map is a screen away)."""
    st.subheader(f"Records ({len(records)})")
    # The container is always emitted, so the table below keeps its place whether or not it has content.
    with st.container():
        if view.selected:
            with st.container(border=True):
                details.render_details(catalog, view.selected, names, key_suffix="_table")
    live_map.record_table(**table, key=TABLE_KEY, theme=state.theme(settings.theme()),
                          on_pick=partial(state_events.table_pick, TABLE_KEY, lambda rid: catalog.record(rid) is not None))

render()

