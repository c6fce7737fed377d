"""The live situation map and its record table: Streamlit components (v2, drawn in the page itself).

Rendering decision (issue 13; figures in the README): the map is drawn by our own script on a 2D canvas, in a
components-v2 element that lives in the app's page. No WebGL library, no iframe, nothing installed at set-up.
Measured in one run against the stock peers (``benchmarks/map_browser.py``, 2 cores, no GPU):

- MapLibre GL JS in a v1 (iframe) component: page open 4.3 s, a region change 1.0 s. Most of it was an
  iframe document created after the page had drawn, a 1 MB script parsed in it, a web worker cutting the
  outlines into tiles, and three or four software-rendered WebGL frames per change while the tiles came.
- deck.gl (core, layers, extensions) in this v2 element: a change in 0.24 s (one frame), but an open of
  7 s: without a GPU, Chromium compiles every WebGL shader program in software on first use (3-5 s of
  ``linkProgram`` waits for seven programs; the ``st.pydeck_chart`` peer, with three, pays about 1.8 s).
- A 2D canvas: the outlines become ``Path2D`` objects in Web Mercator units once per data version, and a
  frame is one transform and a few hundred fills and strokes: 3 ms for the shipped data, under 100 ms with
  10,000 more records, no shader and no worker. Open 1.9-2.3 s, a change 0.25 s.

Plotly stays the export renderer (``dashboard.vector_map``), drawing the same layer model
(``dashboard.map_model``).

The data flow:

- the map's and the table's scripts (``map.js``, ``table.js``) and one data file per data version
  (``mapdata-<content hash>.json``: outlines, names, label points, every record's position, style, hover text
  and table columns) are served by the app itself at ``/bb-assets/<name>`` (``dashboard.asgi``), named by
  content, gzip-compressed and cached by the browser for good (no CDN, same origin); the browser fetches the
  data file once per version, and the map and the table share it;
- each rerun sends only the rerun state: which records are shown (a bit mask), selection, recent changes,
  route countries, theme and the frame request: a few kilobytes at 10,000 records; the table gets the same
  bit mask;
- the camera moves only when the app asks for a new frame (``Frame.seq``): a filter change (framed on its
  result), a preset, a selection, a link;
- the map returns clicks (``{"kind": "click", "id": …}``, after the user chose among several records under
  the pointer) and the user's camera moves (``{"kind": "view", "center", "zoom"}``), the table a picked row
  (``{"id": …}``), as one-shot trigger values with a unique ``token``, handled by callbacks before the page
  runs (so a click shows its record in the same run, with no second rerun).
"""

from __future__ import annotations

import gzip
import hashlib
import os
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import orjson

FRONTEND = Path(__file__).resolve().parent
ROUTE = "bb-assets"  # served by dashboard.asgi at /bb-assets/<name>; the page asks for it relative to itself
COMPONENTS = {"map": "bb_live_map", "table": "bb_record_table"}
# A component's own code, sent with every rerun, is only this loader: the scripts are files of the app (cached by
# the browser, one module instance per page, so the map and the table survive reruns and page changes).
BOOT_JS = ("export default function (component) {\n"
           "  return import(new URL(component.data.module, document.baseURI).href).then((m) => m[component.data.entry](component));\n"
           "}\n")

_components: dict[str, object] = {}
_lock = threading.Lock()


@dataclass(frozen=True)
class Frame:
    """A camera the app asks for; the browser applies it once per ``seq``. ``bounds`` (west, south, east,
    north), when given, wins over centre and zoom: the map fits them to its size."""

    seq: int
    center: tuple[float, float]
    zoom: float
    bounds: tuple[float, float, float, float] | None = None


@dataclass(frozen=True)
class Asset:
    """A file the app serves at /bb-assets/<name>: its bytes gzip-compressed, its media type and, for a map data
    file, the highest marking of the records in it (the route serves it only to viewers cleared for that)."""

    gz: bytes
    media_type: str
    size: int  # uncompressed
    marking: str | None = None


_static: dict[str, Asset] = {}  # the map's and the table's scripts: built once per process
_data: OrderedDict[str, Asset] = OrderedDict()  # map data files, newest last
_data_names: dict[str, str] = {}  # data version -> data file name
KEEP_DATA_FILES = 3  # the current version, the last good one, and one a page may still be fetching


def atomic_write(path: Path, payload: bytes) -> None:
    """Write to a temporary name and rename into place (readers never see half a file), readable by all."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "wb") as fh:
        fh.write(payload)
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)


def _asset(body: bytes, media_type: str, marking: str | None = None) -> Asset:
    return Asset(gzip.compress(body, compresslevel=6, mtime=0), media_type, len(body), marking)


def _hashed(stem: str, body: bytes, suffix: str) -> str:
    return f"{stem}-{hashlib.sha1(body).hexdigest()[:16]}{suffix}"


def static_names() -> dict[str, str]:
    """The file names of the map's and the table's scripts, registering them on first use.

    The table imports the map's module (it shares its data loader), by the map's content-hashed name."""
    with _lock:
        if not _static:
            body = (FRONTEND / "map.js").read_bytes()
            module = _hashed("map", body, ".js")
            _static[module] = _asset(body, "text/javascript; charset=utf-8")
            table_body = (FRONTEND / "table.js").read_bytes().replace(b"./MAP_MODULE", f"./{module}".encode())
            table = _hashed("table", table_body, ".js")
            _static[table] = _asset(table_body, "text/javascript; charset=utf-8")
            _static["names"] = Asset(orjson.dumps({"map": module, "table": table}), "", 0)
    return orjson.loads(_static["names"].gz)


def data_file(version: str, payload: dict, marking: str = "public") -> str:
    """Keep a data version's map data (once) and return its file name.

    The name is a hash of the content: two data versions that draw the same map share one file, and the
    copy a browser already has. Only the newest few are kept (``KEEP_DATA_FILES``).
    """
    with _lock:
        name = _data_names.get(version)
        if name is not None and name in _data:
            return name
    body = orjson.dumps(payload, option=orjson.OPT_SERIALIZE_NUMPY)
    name = _hashed("mapdata", body, ".json")
    asset = _asset(body, "application/json", marking)
    with _lock:
        _data[name] = asset
        _data.move_to_end(name)
        while len(_data) > KEEP_DATA_FILES:
            _data.popitem(last=False)
        _data_names[version] = name
        for v in [v for v, n in _data_names.items() if n not in _data]:
            del _data_names[v]
    return name


def latest_data(clearance: str | None = None) -> str | None:
    """The newest map data file (what a page opened now will draw), if any; with ``clearance``, the newest whose
    marking it covers (``geo.rank``)."""
    from geo import rank

    with _lock:
        for name in reversed(_data):
            if clearance is None or rank(_data[name].marking) <= rank(clearance):
                return name
    return None


def asset(name: str) -> Asset | None:
    """A served file by name (None when unknown: the route answers 404)."""
    with _lock:
        found = _data.get(name) or (_static.get(name) if name != "names" else None)
    return found


def asset_bytes(name: str) -> bytes:
    """The uncompressed content of a served file (for tests and the benchmark)."""
    found = asset(name)
    if found is None:
        raise KeyError(name)
    return gzip.decompress(found.gz)


def url(name: str) -> str:
    """The address of a served file, relative to the app's page."""
    return f"{ROUTE}/{name}"


def state_key(state: dict) -> str:
    """A short content hash of a rerun state: the browser skips a redraw when it already shows it."""
    return hashlib.sha1(orjson.dumps(state, option=orjson.OPT_SORT_KEYS | orjson.OPT_SERIALIZE_NUMPY)).hexdigest()[:16]


def _mount(kind: str):
    if kind not in _components:
        import streamlit as st  # here, so the module imports without Streamlit running (the ASGI route)

        _components[kind] = st.components.v2.component(COMPONENTS[kind], js=BOOT_JS)
    return _components[kind]


def live_map(state: dict, data_name: str, frame: Frame, height: int, key: str, *, on_event: Callable[[], None],
             time: dict | None = None, theme: str = "light", basemap: str | None = None, fill_viewport: bool = False,
             page_style: str = ""):
    """Draw (or update) the live map and its time bar. Its events reach ``on_event`` (read them with
    ``value_of(…, "event")``): clicks, the user's camera, and the time bar's day, play and pause.

    ``time``: the time bar's steps (ISO days), the step in use and whether it plays (``dashboard.timebar``).
    ``fill_viewport``: the map grows to the bottom of the browser window (presentation mode on a wall screen).
    ``page_style``: a constant style sheet for the page that changes the layout above the map (the wall screen's):
    the map applies it before it draws, so it does not move when the page's own copy arrives.
    """
    full = {**state, "theme": theme, "basemap": basemap or ""}
    data = {"module": url(static_names()["map"]), "entry": "render", "time": time, "page_style": page_style,
            "data_url": url(data_name), "state": full, "height": height, "fill_viewport": fill_viewport,
            "frame": {"seq": frame.seq, "center": list(frame.center), "zoom": frame.zoom,
                      "bounds": list(frame.bounds) if frame.bounds else None},
            "state_key": state_key(full)}
    return _mount("map")(data=data, key=key, on_event_change=on_event)


def record_table(shown: str, n: int, selected: int, data_name: str, key: str, *, on_pick: Callable[[], None],
                 unknown: list[int] | None = None, height: int = 360, theme: str = "light"):
    """The record table: the rows of the shown records (``shown``, the map's bit mask over the version's ``n``
    records; ``unknown``, those marked "date unknown"), sortable, a virtual list. A row click or Enter reaches
    ``on_pick`` (read the pick with ``value_of(…, "pick")``)."""
    data = {"module": url(static_names()["table"]), "entry": "renderTable", "data_url": url(data_name), "n": n,
            "shown": shown, "unknown": unknown or [], "selected": selected, "height": height, "theme": theme}
    data["state_key"] = state_key({"shown": shown, "unknown": unknown or [], "data": data_name})
    return _mount("table")(data=data, key=key, on_pick_change=on_pick)


def value_of(value: object, name: str) -> dict | None:
    """A component's last trigger value ``name`` from its session-state value (dict-like), if any."""
    try:
        got = value[name] if value is not None else None  # type: ignore[index]
    except (KeyError, TypeError):
        return None
    return got if isinstance(got, dict) else None
