"""Time and wall-screen controls of the situation map: the as-of slider with playback, and the kiosk cycle.

- **Time slider** (kepler.gl's time playback, in Streamlit): a slider over half-year steps from the first
  known start in the data to today sets the as-of day; *Play* advances it one step every
  ``STEP_SECONDS`` and the map, headline figures and table follow, because each step is an ordinary rerun
  with a new filter. While it plays the map keeps its frame (a frame per step would make the picture jump);
  pause, and the next filter change frames its result again.
- **Kiosk cycle** (presentation mode): the region presets in turn, one every N seconds (``?kiosk=N`` or the
  control under the presets), for a wall screen nobody touches.

Both are fragments that run on a timer and rerun the whole page only when they change something.
"""

from __future__ import annotations

import datetime as dt

import streamlit as st

from dashboard import state, state_time
from dashboard.style import PRESETS
from geo import Catalog

STEP_SECONDS = 1.5


def steps(catalog: Catalog, today: dt.date) -> list[dt.date]:
    """Half-year steps (1 January, 1 July) from the first known start in the data to today, and today."""
    firsts = [s for ps in catalog.records["periods"] for s, _ in ps if s is not None]
    first = min(firsts, default=today - dt.timedelta(days=3650))
    out, year, month = [], first.year, 1 if first.month < 7 else 7
    while (day := dt.date(year, month, 1)) < today:
        if day >= first.replace(day=1):
            out.append(day)
        year, month = (year, 7) if month == 1 else (year + 1, 1)
    return [*out, today]


def time_state(catalog: Catalog, today: dt.date) -> tuple[list[dt.date], dict]:
    """The steps and what the map's time bar shows (it is drawn by the map, under it: ``dashboard.live_map``):
    the steps as ISO days, the step in use, and whether it plays. While it plays the timer below steps it."""
    days = steps(catalog, today)
    playing = state_time.is_playing()
    if playing:  # the timer runs only while it plays (an idle page sends nothing)
        _advance(days)
    return days, {"days": [d.isoformat() for d in days], "step": state_time.step_shown(days), "playing": playing,
                  "every": STEP_SECONDS}


@st.fragment(run_every=STEP_SECONDS)
def _advance(days: list[dt.date]) -> None:
    if state_time.is_playing() and state_time.step_time(days):
        st.rerun(scope="app")


def render_kiosk(where=st) -> None:
    """Presentation mode: cycle through the region presets every N seconds (0: off)."""
    seconds = where.number_input("Cycle presets (s)", min_value=0, max_value=3600, step=5, key=state.K_KIOSK,
                                 help="For a wall screen: show each region preset in turn, one every N seconds (0: off)")
    if seconds:
        _cycle_every(float(max(seconds, 5)))


def _cycle_every(seconds: float) -> None:
    @st.fragment(run_every=seconds)
    def cycle() -> None:
        if state_time.kiosk_due(seconds):
            label = state_time.next_kiosk_preset(list(PRESETS))
            preset = PRESETS[label]
            state.apply_preset(preset["regions"])
            st.rerun(scope="app")

    cycle()
