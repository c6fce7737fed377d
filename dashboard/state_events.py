"""Callbacks of the page's own components and of the preset pills (session state, like ``dashboard.state``).

They run before the page does (Streamlit calls a widget's callback first), so a click on the map, a row picked
in the table or a preset pill shows its result in the same run. Every value from the browser is checked
before use: a forged or stale message changes nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence

import streamlit as st

from dashboard import state_time
from dashboard.state import K_FRAMED, K_PENDING_FRAME, K_REGIONS, apply_preset, is_new_event, note_camera, select


def map_event(key: str, known: Callable[[str], bool], days: Sequence[dt.date] = ()) -> None:
    """Callback of the live map (runs before the page does): a click selects its record, a move of the
    user's is remembered for the link, the time bar sets the as-of day or starts and stops playback (``days``:
    its steps). Event values from the browser are checked before use."""
    try:
        event = st.session_state[key]["event"]
    except (KeyError, TypeError):
        return
    if not isinstance(event, dict) or not is_new_event(str(event.get("token") or "")[:64] or None):
        return
    if event.get("kind") == "click" and isinstance(event.get("id"), str) and known(event["id"][:200]):
        select(event["id"])  # a click opens the details; the camera stays where the user put it
    elif event.get("kind") == "asof" and isinstance(event.get("day"), str):
        chosen = next((d for d in days if d.isoformat() == event["day"]), None)  # only a step of the bar
        if chosen is not None:
            state_time.time_moved(chosen)
    elif event.get("kind") in ("play", "pause") and days:
        if (event["kind"] == "play") != state_time.is_playing():
            state_time.toggle_play(list(days))
    elif event.get("kind") == "view":
        center, zoom = event.get("center"), event.get("zoom")
        if (isinstance(center, list) and len(center) == 2 and all(isinstance(v, int | float) for v in center)
                and isinstance(zoom, int | float) and -90 <= center[0] <= 90 and 0 <= zoom <= 22):
            lon = (float(center[1]) + 180) % 360 - 180
            note_camera((round(float(center[0]), 4), round(lon, 4)), round(float(zoom), 2))


def table_pick(key: str, known: Callable[[str], bool]) -> None:
    """Callback of the record table: the picked row's record is selected and framed on the next draw."""
    try:
        pick = st.session_state[key]["pick"]
    except (KeyError, TypeError):
        return
    if isinstance(pick, dict) and is_new_event(str(pick.get("token") or "")[:64] or None):
        rid = pick.get("id")
        if isinstance(rid, str) and known(rid[:200]):
            st.session_state[K_PENDING_FRAME] = rid


def mark_preset(key: str, presets: Mapping[str, tuple[str, ...]]) -> None:
    """Before the preset pills are drawn: the pill of the preset the region filter equals, if any, is on."""
    regions = set(st.session_state.get(K_REGIONS) or ())
    st.session_state[key] = next((label for label, rs in presets.items() if set(rs) == regions), None)


def preset_picked(key: str, presets: Mapping[str, tuple[str, ...]]) -> None:
    """Callback of the preset pills: the pressed preset filters to its regions (pressed again: the same)."""
    label = st.session_state.get(key)
    if label in presets:
        apply_preset(presets[label])
    else:  # the pill of the current preset pressed again: Streamlit unselects it; the preset stays and frames again
        st.session_state[K_FRAMED] = None
