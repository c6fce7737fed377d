"""Session state of time playback and the kiosk cycle (used by ``dashboard.timebar``).

Part of the state layer: with ``dashboard.state`` (whose keys it uses), the only code touching
``st.session_state``; split out so that each module stays small.
"""

from __future__ import annotations

import datetime as dt
import time

import streamlit as st

from dashboard.state import K_ASOF, K_ASOF_ON, K_KIOSK_AT, K_KIOSK_NEXT, K_LAST_STEP, K_PLAYING


def step_shown(days: list[dt.date]) -> int:
    """The time bar's position: the step at or before the as-of day; the last step (today) when no day is set."""
    ss = st.session_state
    asof = ss.get(K_ASOF) if ss.get(K_ASOF_ON) else None
    if asof is None:
        return len(days) - 1
    return max((n for n, d in enumerate(days) if d <= asof), default=0)


def time_moved(day: dt.date) -> None:
    """The user moved the time bar: the chosen step becomes the as-of day, and playback stops."""
    ss = st.session_state
    ss[K_ASOF_ON], ss[K_ASOF], ss[K_PLAYING] = True, day, False


def is_playing() -> bool:
    return bool(st.session_state.get(K_PLAYING))


def toggle_play(days: list[dt.date]) -> None:
    """Callback of Play/Pause. Play starts from the first step when the as-of day is off or already at the end."""
    ss = st.session_state
    if ss.get(K_PLAYING):
        ss[K_PLAYING] = False
        return
    asof = ss.get(K_ASOF) if ss.get(K_ASOF_ON) else None
    start = days[0] if asof is None or asof >= days[-1] else asof
    ss[K_ASOF_ON], ss[K_ASOF], ss[K_PLAYING], ss[K_LAST_STEP] = True, start, True, time.monotonic()


def step_time(days: list[dt.date], every: float = 1.5) -> bool:
    """One playback step when one is due: the next step's day; playback stops after the last. True if it moved."""
    ss = st.session_state
    now = time.monotonic()
    if now - ss.get(K_LAST_STEP, 0.0) < every * 0.9:  # the fragment also runs with every page run: not a step
        return False
    if not ss.get(K_ASOF_ON):  # started elsewhere (the timeline page): from the first step
        ss[K_ASOF_ON], ss[K_ASOF], ss[K_LAST_STEP] = True, days[0], now
        return True
    later = [d for d in days if d > ss.get(K_ASOF, days[0])]
    if not later:
        ss[K_PLAYING] = False
        return True
    ss[K_ASOF], ss[K_LAST_STEP] = later[0], now
    return True


def kiosk_due(every: float) -> bool:
    """True when the kiosk cycle should show the next preset (not on the page run that starts the timer)."""
    ss = st.session_state
    now = time.monotonic()
    if K_KIOSK_AT not in ss:
        ss[K_KIOSK_AT] = now
        return False
    if now - ss[K_KIOSK_AT] < every * 0.9:
        return False
    ss[K_KIOSK_AT] = now
    return True


def next_kiosk_preset(labels: list[str]) -> str:
    ss = st.session_state
    n = int(ss.get(K_KIOSK_NEXT, 0)) % len(labels)
    ss[K_KIOSK_NEXT] = n + 1
    return labels[n]


def start_playback_from_timeline() -> None:
    """The timeline's Play: the map page starts playback from its first step (the slider knows the steps)."""
    ss = st.session_state
    ss[K_ASOF_ON], ss[K_PLAYING], ss[K_LAST_STEP] = False, True, 0.0
