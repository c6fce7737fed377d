"""The view state and its URL codec.

``encode``/``decode`` are pure and tolerant: an unknown or invalid parameter is dropped and reported as
a notice, never raised. This is the only module that touches ``st.session_state`` and ``st.query_params``
(in the small functions at the bottom).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace

from dashboard.style import DEFAULT_VIEW
from geo import INSTRUMENT_BY_KEY, REGIONS, ROUTES, STATUSES, FilterSpec

# URL parameter names
P_PARTNERS, P_ROUTES, P_INSTRUMENTS, P_REGIONS, P_STATUS = "partners", "routes", "instruments", "regions", "status"
P_ASOF, P_FROM, P_TO, P_TEXT = "asof", "from", "to", "q"
P_SELECTED, P_LAT, P_LON, P_ZOOM, P_PRESENT, P_PARTNER = "sel", "lat", "lon", "zoom", "present", "country"
P_THEME, P_KIOSK = "theme", "kiosk"
THEMES = ("light", "dark")
KNOWN_PARAMS = {P_PARTNERS, P_ROUTES, P_INSTRUMENTS, P_REGIONS, P_STATUS, P_ASOF, P_FROM, P_TO, P_TEXT,
                P_SELECTED, P_LAT, P_LON, P_ZOOM, P_PRESENT, P_PARTNER, P_THEME, P_KIOSK}


@dataclass(frozen=True)
class ViewState:
    """Everything a shared link reproduces. The page itself is the URL path (``/timeline`` …)."""

    spec: FilterSpec = field(default_factory=FilterSpec)
    selected: str | None = None
    center: tuple[float, float] = DEFAULT_VIEW["center"]
    zoom: float = DEFAULT_VIEW["zoom"]
    present: bool = False
    partner: str | None = None  # the partner-profile country
    theme: str | None = None  # "light" or "dark"; None: the deployment's default (BB_THEME)
    kiosk: int = 0  # presentation mode: seconds per region preset in the kiosk cycle (0: off)
    # (west, south, east, north) when the app framed the map (a filter's result, a picked record) and the
    # user has not moved it since: the link then carries no camera, and whoever opens it frames the same
    # result for their own screen. None: the camera is ``center``/``zoom`` (the user's, or the link's).
    bounds: tuple[float, float, float, float] | None = None


def _list(value: str | list[str]) -> list[str]:
    if isinstance(value, list):
        value = ",".join(value)
    return [v for v in (p.strip() for p in value.split(",")) if v]


DAY_RANGE = (dt.date(1990, 1, 1), dt.date(2100, 12, 31))  # the days the date fields accept


def _date(value: str) -> dt.date:
    return dt.date.fromisoformat(value.strip())


def read_day(text: str) -> tuple[dt.date | None, str | None]:
    """A typed day -> (date, None), or (None, what is wrong) when it is not a date in ``DAY_RANGE``."""
    lo, hi = DAY_RANGE
    expected = f"Type a date as YYYY-MM-DD, from {lo.isoformat()} to {hi.isoformat()}"
    try:
        day = _date(text)
    except ValueError:
        return None, expected
    return (day, None) if lo <= day <= hi else (None, expected)


def _member(params: Mapping[str, str | list[str]], param: str, known: set[str] | None, why: str, notices: list[str]) -> str | None:
    """A single-valued parameter that must name something in the data; dropped with a notice otherwise."""
    if not params.get(param):
        return None
    value = str(params[param])
    if known is None or value in known:
        return value
    notices.append(f"Ignored {param}={value[:60]}{'…' if len(value) > 60 else ''}: {why}")
    return None


MAX_PARAM_CHARS = 600  # a link's value longer than this is cut before anything reads it (ids and codes are short)
MAX_PARAM_VALUES = 120  # values of one list parameter (there are fewer than 80 partner countries)
MAX_PARAMS = 30


def clip_params(params: Mapping[str, str | list[str]]) -> tuple[dict[str, str | list[str]], list[str]]:
    """The link's parameters cut to sane sizes before any work is done on them (a 20 kB ``?sel=`` tied a
    session up for 30 s), and a notice for each cut."""
    notices: list[str] = []
    out: dict[str, str | list[str]] = {}
    for n, (key, value) in enumerate(params.items()):
        if n >= MAX_PARAMS:
            notices.append(f"Ignored {len(params) - MAX_PARAMS} more link parameters: a link has at most {MAX_PARAMS}")
            break
        key = str(key)[:40]
        values = value if isinstance(value, list) else [value]
        if len(values) > MAX_PARAM_VALUES or any(len(str(v)) > MAX_PARAM_CHARS for v in values):
            notices.append(f"Cut the link parameter {key}: longer than a link of this app can be")
        values = [str(v)[:MAX_PARAM_CHARS] for v in values[:MAX_PARAM_VALUES]]
        out[key] = values if isinstance(value, list) else values[0]
    return out, notices


def decode(params: Mapping[str, str | list[str]], partners: set[str] | None = None, ids: set[str] | None = None) -> tuple[ViewState, list[str]]:
    """URL query parameters -> (state, notices). Values not known to the data are dropped with a notice."""
    params, notices = clip_params(params)
    spec_kw: dict = {}
    vocab = {
        P_PARTNERS: ("partners", partners),
        P_ROUTES: ("routes", set(ROUTES)),
        P_INSTRUMENTS: ("instruments", set(INSTRUMENT_BY_KEY)),
        P_REGIONS: ("regions", set(REGIONS)),
        P_STATUS: ("statuses", set(STATUSES)),
    }
    for param, (name, known) in vocab.items():
        if param not in params:
            continue
        values = _list(params[param])
        good = [v for v in values if known is None or v in known]
        bad = [v for v in values if v not in good]
        if bad:
            listed = ", ".join(v[:40] for v in bad[:10]) + (f" and {len(bad) - 10} more" if len(bad) > 10 else "")
            notices.append(f"Ignored unknown {param} in the link: {listed}")
        spec_kw[name] = tuple(good)
    for param, name in ((P_ASOF, "as_of"), (P_FROM, "period_start"), (P_TO, "period_end")):
        if params.get(param):
            day, problem = read_day(str(params[param]))  # a date the date fields accept, or dropped
            if day is None:
                notices.append(f"Ignored {param}={str(params[param])[:40]}: {problem}")
            else:
                spec_kw[name] = day
    if params.get(P_TEXT):
        spec_kw["text"] = str(params[P_TEXT])[:200]
    state = ViewState(spec=FilterSpec(**spec_kw))

    state = replace(state, selected=_member(params, P_SELECTED, ids, "no such record", notices),
                    partner=_member(params, P_PARTNER, partners, "not a partner in the data", notices))
    try:
        if params.get(P_LAT) or params.get(P_LON):
            lat, lon = float(str(params[P_LAT])), float(str(params[P_LON]))
            if not (-90 <= lat <= 90 and -180 <= lon <= 180):
                raise ValueError
            state = replace(state, center=(lat, lon))
    except (KeyError, ValueError):
        notices.append("Ignored the map centre in the link: expected lat and lon in range")
    if params.get(P_ZOOM):
        try:
            zoom = float(str(params[P_ZOOM]))
            if not 0 <= zoom <= 22:
                raise ValueError
            state = replace(state, zoom=zoom)
        except ValueError:
            notices.append("Ignored zoom in the link: expected a number from 0 to 22")
    if params.get(P_PRESENT):
        state = replace(state, present=str(params[P_PRESENT]) in ("1", "true", "yes"))
    if params.get(P_KIOSK):
        try:
            seconds = int(str(params[P_KIOSK])[:6])
            if not 0 <= seconds <= 3600:
                raise ValueError
            state = replace(state, kiosk=seconds)
        except ValueError:
            notices.append(f"Ignored kiosk={str(params[P_KIOSK])[:20]}: expected seconds from 0 to 3600")
    if params.get(P_THEME):
        if str(params[P_THEME]) in THEMES:
            state = replace(state, theme=str(params[P_THEME]))
        else:
            notices.append(f"Ignored theme={str(params[P_THEME])[:20]}: expected {' or '.join(THEMES)}")
    unknown = sorted(set(params) - KNOWN_PARAMS)
    if unknown:
        notices.append(f"Ignored unknown link parameters: {', '.join(unknown)}")
    return state, notices


def encode(state: ViewState) -> dict[str, str]:
    """State -> URL query parameters; defaults are left out so links stay short."""
    spec = state.spec
    out: dict[str, str] = {}
    for param, values in ((P_PARTNERS, spec.partners), (P_ROUTES, spec.routes), (P_INSTRUMENTS, spec.instruments),
                          (P_REGIONS, spec.regions), (P_STATUS, spec.statuses)):
        if values:
            out[param] = ",".join(values)
    for param, day in ((P_ASOF, spec.as_of), (P_FROM, spec.period_start), (P_TO, spec.period_end)):
        if day:
            out[param] = day.isoformat()
    if spec.text:
        out[P_TEXT] = spec.text
    if state.selected:
        out[P_SELECTED] = state.selected
    if state.bounds is None and (state.center != DEFAULT_VIEW["center"] or state.zoom != DEFAULT_VIEW["zoom"]):
        out[P_LAT], out[P_LON] = f"{state.center[0]:.4f}", f"{state.center[1]:.4f}"
        out[P_ZOOM] = f"{state.zoom:g}"
    if state.present:
        out[P_PRESENT] = "1"
    if state.partner:
        out[P_PARTNER] = state.partner
    if state.theme:
        out[P_THEME] = state.theme
    if state.kiosk:
        out[P_KIOSK] = str(state.kiosk)
    return out


# --- Streamlit session binding -------------------------------------------------------------------------
# Everything below touches st.session_state / st.query_params; nothing else in the app does.

import streamlit as st  # noqa: E402  (kept next to the only code that needs it)

K_INIT = "bb_initialised"
K_NOTICES = "bb_notices"  # what the opening link asked for that could not be used; kept until dismissed
K_DISMISS_NOTICES = "bb_dismiss_notices"  # the button that dismisses them
K_PARTNERS, K_ROUTES, K_INSTRUMENTS, K_REGIONS, K_STATUS = "f_partners", "f_routes", "f_instruments", "f_regions", "f_status"
K_ASOF_ON, K_ASOF, K_PERIOD_ON, K_PERIOD, K_TEXT = "f_asof_on", "f_asof", "f_period_on", "f_period", "f_text"
# The as-of day is typed into a text field (K_ASOF_TEXT), not st.date_input: Streamlit's date field
# commits only when it loses focus, and its key handler ignores Enter. A text input commits on Enter and on
# blur. K_ASOF keeps the last good day, so a mistyped one leaves the filter as it was (K_ASOF_PROBLEM says why).
K_ASOF_TEXT, K_ASOF_PROBLEM = "f_asof_text", "f_asof_problem"
K_SELECTED, K_CENTER, K_ZOOM, K_PRESENT, K_PARTNER = "v_selected", "v_center", "v_zoom", "v_present", "v_partner"
K_LAST_EVENT = "v_last_event"  # token of the last map event handled (each is handled once)
K_OPENED_AT = "v_opened_at"  # when this session opened (UTC): the default "changes since"
K_SINCE = "v_changes_since"  # the changes panel's choice
K_FRAME_SEQ = "v_frame_seq"  # counts the camera requests of the app (preset, selection, reset); the map applies each once
K_PENDING_FRAME = "v_pending_frame"  # a row picked in the table: select and frame it on the next draw
K_DECK = "v_deck"  # briefing snapshots collected for one PowerPoint deck
K_FRAMED = "v_framed_spec"  # the filter the map was last framed on: a new filter frames its result once
K_BOUNDS = "v_frame_bounds"  # the bounds of the last frame request, when it was a result (None: centre and zoom)
K_THEME = "v_theme"
K_PLAYING, K_LAST_STEP = "v_playing", "v_last_step"  # time playback: on, and when it last stepped (monotonic s)
K_KIOSK, K_KIOSK_AT, K_KIOSK_NEXT = "w_kiosk", "v_kiosk_at", "v_kiosk_next"  # kiosk cycle: seconds, last change, next preset
# The partner page's country box. A fixed key is the widget's identity: without one, Streamlit derives the
# identity from the arguments, and the box's ``index`` follows K_PARTNER, which the page updates after
# reading the box, so every second choice met a "new" box that answered with its default. Streamlit drops
# this key while the page is not shown; K_PARTNER keeps the choice (and the link) meanwhile.
K_PARTNER_BOX = "w_partner"
# Export files prepared for one view, kept with what they were made for: (made_for, files). They are the
# bytes the download buttons already hold, kept so that a rerun of the same view still offers them all.
K_EXPORT_FILES = "v_export_files"
K_DECK_FILE = "v_deck_file"  # the deck prepared from the collected views, likewise
ALL_INSTRUMENTS = tuple(INSTRUMENT_BY_KEY)



def init_session(known: Callable[[], tuple[set[str], set[str]]], today: dt.date) -> None:
    """On a session's first run, put the link's state into the widgets' keys (once). ``known``: the partner codes
    and record ids a link may name, made only then (a set of 100,000 ids costs 0.17 s, every rerun if made by
    the caller)."""
    ss = st.session_state
    if ss.get(K_INIT):
        return
    state, notices = decode(st.query_params.to_dict() | _multi_params(), *known())
    spec = state.spec
    ss[K_PARTNERS] = list(spec.partners)
    ss[K_ROUTES] = list(spec.routes)
    ss[K_INSTRUMENTS] = list(spec.instruments)
    ss[K_REGIONS] = list(spec.regions)
    ss[K_STATUS] = list(spec.statuses)
    ss[K_ASOF_ON] = spec.as_of is not None
    ss[K_ASOF] = spec.as_of or today
    ss[K_ASOF_TEXT], ss[K_ASOF_PROBLEM] = ss[K_ASOF].isoformat(), None
    ss[K_PERIOD_ON] = bool(spec.period_start or spec.period_end)
    ss[K_PERIOD] = (spec.period_start or dt.date(2000, 1, 1), spec.period_end or today)
    ss[K_TEXT] = spec.text
    ss[K_SELECTED] = state.selected
    ss[K_CENTER] = state.center
    ss[K_ZOOM] = state.zoom
    ss[K_PRESENT] = state.present
    ss[K_PARTNER] = state.partner
    ss[K_THEME] = state.theme
    ss[K_KIOSK] = state.kiosk
    # A link with its own camera keeps it; without one, the first run frames the result like any filter, or
    # the record the link selects.
    ss[K_FRAMED] = spec if P_LAT in st.query_params else None
    if state.selected and P_LAT not in st.query_params:
        ss[K_PENDING_FRAME] = state.selected
    ss[K_NOTICES] = notices
    ss[K_OPENED_AT] = dt.datetime.now(dt.UTC)
    ss[K_INIT] = True


def _multi_params() -> dict[str, list[str]]:
    """Repeated parameters (?partners=SRB&partners=ALB) as lists, besides the comma form."""
    qp = st.query_params
    return {k: qp.get_all(k) for k in qp if len(qp.get_all(k)) > 1}


def current() -> ViewState:
    """The view state from the widgets' keys."""
    ss = st.session_state
    instruments = tuple(ss.get(K_INSTRUMENTS, ()))
    period = ss.get(K_PERIOD) or (None, None)
    period = tuple(period) + (None,) * (2 - len(tuple(period)))
    spec = FilterSpec(
        partners=tuple(ss.get(K_PARTNERS, ())),
        routes=tuple(ss.get(K_ROUTES, ())),
        instruments=() if set(instruments) >= set(ALL_INSTRUMENTS) else instruments,  # all = none chosen
        regions=tuple(ss.get(K_REGIONS, ())),
        statuses=tuple(ss.get(K_STATUS, ())),
        as_of=ss.get(K_ASOF) if ss.get(K_ASOF_ON) else None,
        period_start=period[0] if ss.get(K_PERIOD_ON) else None,
        period_end=period[1] if ss.get(K_PERIOD_ON) else None,
        text=ss.get(K_TEXT, ""),
    )
    return ViewState(spec, ss.get(K_SELECTED), tuple(ss.get(K_CENTER, DEFAULT_VIEW["center"])),
                     float(ss.get(K_ZOOM, DEFAULT_VIEW["zoom"])), bool(ss.get(K_PRESENT)), ss.get(K_PARTNER), ss.get(K_THEME),
                     int(ss.get(K_KIOSK) or 0), ss.get(K_BOUNDS))


def sync_url(state: ViewState) -> None:
    """Write the state to the address bar (only when it changed, to avoid needless reruns)."""
    wanted = encode(state)
    if st.query_params.to_dict() != wanted:
        st.query_params.from_dict(wanted)


def notices() -> list[str]:
    """The opening link's notices, until the user dismisses them (the link is decoded once per session)."""
    return list(st.session_state.get(K_NOTICES) or [])


def dismiss_notices() -> None:
    """Callback of the notices' dismiss button."""
    st.session_state[K_NOTICES] = []


def select(record_id: str | None, frame: tuple[tuple[float, float], float] | None = None) -> None:
    """Select a record (from the map, the table or a link) and optionally frame the map on it."""
    st.session_state[K_SELECTED] = record_id
    if frame is not None:
        frame_map(*frame)


def frame_map(center: tuple[float, float], zoom: float) -> None:
    """Ask the map to move its camera (once): a selection or a reset."""
    ss = st.session_state
    ss[K_CENTER], ss[K_ZOOM] = center, zoom
    ss[K_BOUNDS] = None
    ss[K_FRAME_SEQ] = ss.get(K_FRAME_SEQ, 0) + 1


def needs_framing(spec: FilterSpec) -> bool:
    """True when the map has not been framed on this filter's result yet."""
    return st.session_state.get(K_FRAMED) != spec


def mark_framed(spec: FilterSpec) -> None:
    """The map is where it should be for this filter (a record was framed instead): do not frame the result."""
    st.session_state[K_FRAMED] = spec


def frame_result(spec: FilterSpec, bounds: tuple[float, float, float, float] | None) -> None:
    """Frame the map on a filter's result (once per filter); without bounds (nothing placed) it stays put."""
    ss = st.session_state
    ss[K_FRAMED] = spec
    if bounds is not None:
        ss[K_BOUNDS] = bounds
        ss[K_FRAME_SEQ] = ss.get(K_FRAME_SEQ, 0) + 1


def frame_to(bounds: tuple[float, float, float, float]) -> None:
    """Ask the map to fit these bounds once (a selection from the table, the changes list, "Zoom to it")."""
    ss = st.session_state
    ss[K_BOUNDS] = bounds
    ss[K_FRAME_SEQ] = ss.get(K_FRAME_SEQ, 0) + 1


def current_bounds() -> tuple[float, float, float, float] | None:
    return st.session_state.get(K_BOUNDS)


def theme(default: str = "light") -> str:
    return st.session_state.get(K_THEME) or default


def frame_seq() -> int:
    return int(st.session_state.get(K_FRAME_SEQ, 0))


def note_camera(center: tuple[float, float], zoom: float) -> None:
    """The user moved the map: remember where (for the link) without asking the map to move."""
    st.session_state[K_CENTER], st.session_state[K_ZOOM], st.session_state[K_BOUNDS] = center, zoom, None


def apply_preset(regions: tuple[str, ...]) -> None:
    """Callback of a region-preset button: filter to the regions. The map frames the result, like any filter."""
    st.session_state[K_REGIONS] = list(regions)
    st.session_state[K_FRAMED] = None  # the same preset pressed again frames it again



def reset_filters(today: dt.date) -> None:
    """Callback of the reset button."""
    ss = st.session_state
    ss[K_PARTNERS], ss[K_ROUTES], ss[K_REGIONS], ss[K_STATUS] = [], [], [], []
    ss[K_INSTRUMENTS] = []
    ss[K_ASOF_ON], ss[K_ASOF], ss[K_PERIOD_ON], ss[K_TEXT] = False, today, False, ""
    ss[K_ASOF_TEXT], ss[K_ASOF_PROBLEM] = today.isoformat(), None
    ss[K_SELECTED] = None
    ss[K_FRAMED] = None  # frame the whole result again


def keep_as_of_text() -> None:
    """Before the as-of field is drawn: it shows the day in use, unless a mistyped day waits to be corrected.
    (Written on every run because Streamlit does not keep a field's value while it is not drawn: with the
    checkbox off and on again the field came back with the first day of the session.)"""
    ss = st.session_state
    shown = ss[K_ASOF].isoformat()
    # only when it differs: a write sends the value to the browser, over whatever is being typed there
    if (not ss.get(K_ASOF_PROBLEM) or K_ASOF_TEXT not in ss) and ss.get(K_ASOF_TEXT) != shown:
        ss[K_ASOF_TEXT], ss[K_ASOF_PROBLEM] = shown, None


def drop_as_of_problem() -> None:
    """Callback of the as-of checkbox: on or off, a mistyped day is forgotten (the last good one stays)."""
    st.session_state[K_ASOF_PROBLEM] = None


def apply_as_of_text() -> None:
    """Callback of the as-of field (Enter or leaving it): use the typed day, or keep the last good one."""
    ss = st.session_state
    day, problem = read_day(str(ss.get(K_ASOF_TEXT) or ""))
    ss[K_ASOF_PROBLEM] = problem
    if day is not None:
        ss[K_ASOF], ss[K_ASOF_TEXT] = day, day.isoformat()


def as_of_problem() -> str | None:
    return st.session_state.get(K_ASOF_PROBLEM)


def set_partner(code: str | None) -> None:
    st.session_state[K_PARTNER] = code


def toggle_present() -> None:
    st.session_state[K_PRESENT] = not st.session_state.get(K_PRESENT, False)



def queue_pick(record_id: str) -> None:
    """Callback of a button naming a record (the changes panel): select and frame it on the next draw."""
    st.session_state[K_PENDING_FRAME] = record_id


def pop_pending_frame() -> str | None:
    return st.session_state.pop(K_PENDING_FRAME, None)


def is_new_event(token: str | None) -> bool:
    """True once per map event (a token is never handled twice, whatever reruns carry it)."""
    if not token or token == st.session_state.get(K_LAST_EVENT):
        return False
    st.session_state[K_LAST_EVENT] = token
    return True



def deck_add(snapshot: object) -> None:
    """Callback: add a view (a ``briefing.Snapshot``) to this session's slide deck."""
    st.session_state[K_DECK] = [*st.session_state.get(K_DECK, []), snapshot]


def deck() -> list:
    return list(st.session_state.get(K_DECK, []))


def deck_clear() -> None:
    st.session_state[K_DECK] = []
    st.session_state.pop(K_DECK_FILE, None)


def keep_prepared(key: str, made_for: object, files: object) -> None:
    """Remember files prepared (under ``K_EXPORT_FILES`` or ``K_DECK_FILE``) for a view."""
    st.session_state[key] = (made_for, files)


def prepared(key: str, made_for: object) -> object | None:
    """The files kept under ``key`` if they were made for this view; files of another view are dropped."""
    kept = st.session_state.get(key)
    if kept is not None and kept[0] == made_for:
        return kept[1]
    st.session_state.pop(key, None)
    return None


def opened_at() -> dt.datetime:
    return st.session_state.get(K_OPENED_AT) or dt.datetime.now(dt.UTC)


def wants_presentation() -> bool:
    """Presentation mode, readable before the page is configured (from the session, else the link)."""
    if st.session_state.get(K_INIT):
        return bool(st.session_state.get(K_PRESENT))
    return str(st.query_params.get(P_PRESENT, "")) in ("1", "true", "yes")
