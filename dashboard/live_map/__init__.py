"""The live situation map: a small Streamlit component that keeps one MapLibre map mounted.

Rendering decision (issue 13; figures in the README): the map draws with MapLibre GL JS directly, not with
Plotly's MapLibre traces. Plotly made each of ~17 traces several MapLibre sources and layers (44 and 54),
re-sent every trace's data on each update, let area traces win the hit-test over the symbols drawn on
top, could draw no text without a glyph server, and cost 3 MB of plotly.js to parse on every page open.
Here there are 4 sources and about 20 layers, MapLibre's own hit-test returns every feature under the
pointer (so the map can say "4 records here" and offer each), country names are an HTML layer decluttered
by zoom (no glyph request), and the browser parses 1 MB. Plotly stays the export renderer
(``dashboard.vector_map``).

The data flow (``dashboard.map_model``):

- the page, MapLibre (installed at set-up, ``dashboard.live_map.bundle``) and one data file per data
  version (``mapdata-<content hash>.json``: outlines, names, label points, every record's position, style
  and hover text) are files of the component, served by the app itself (no CDN, same origin); the browser
  fetches the data file once per version;
- each rerun sends only the rerun state: which records are shown (a bit mask), selection, recent changes,
  route countries, theme and the frame request: a few kilobytes at 10,000 records;
- the camera moves only when the app asks for a new frame (``Frame.seq``): a filter change (framed on its
  result), a preset, a selection, a link;
- it returns clicks (``{"kind": "click", "id": …}``, after the user chose among several records under the
  pointer) and camera moves (``{"kind": "view", "center", "zoom"}``), each with a unique ``token``.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import orjson

from dashboard.live_map.bundle import VERSION as MAPLIBRE_VERSION
from dashboard.live_map.bundle import maplibre_files

FRONTEND = Path(__file__).resolve().parent

_component = None


class MapLibreMissing(RuntimeError):
    """Set-up has not installed MapLibre GL JS (``python scripts/install_maplibre.py``)."""


@dataclass(frozen=True)
class Frame:
    """A camera the app asks for; the browser applies it once per ``seq``. ``bounds`` (west, south, east,
    north), when given, wins over centre and zoom: the map fits them to its size."""

    seq: int
    center: tuple[float, float]
    zoom: float
    bounds: tuple[float, float, float, float] | None = None


def atomic_write(path: Path, payload: bytes) -> None:
    """Write to a temporary name and rename into place (readers never see half a file), readable by all."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "wb") as fh:
        fh.write(payload)
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)


_built: list[Path] = []  # the folder this process built (checked, not rebuilt, on every call)
PAGE_FILES = ("index.html", "main.js")


def build_dir() -> Path:
    """The folder the component is served from: our page and script plus MapLibre, named by content hash.

    Built in the cache folder on first use (MapLibre is a megabyte and stays out of the repository); several
    app processes may race here, so every file is written to a temporary name and renamed into place.
    """
    if _built and all((_built[0] / n).is_file() for n in (*PAGE_FILES, "maplibre-gl.js")):
        return _built[0]
    lib = maplibre_files()
    if lib is None:
        raise MapLibreMissing("MapLibre GL JS is not installed: run `bash scripts/run.sh` (set-up) or "
                              "`.venv/bin/python scripts/install_maplibre.py`")
    digest = hashlib.sha1(MAPLIBRE_VERSION.encode())
    for name in PAGE_FILES:
        digest.update((FRONTEND / name).read_bytes())
    root = Path(os.environ.get("BB_CACHE_DIR") or Path(tempfile.gettempdir()) / f"beyond-borders-{os.getuid()}")
    target = root / f"live-map-{digest.hexdigest()[:12]}"
    target.mkdir(parents=True, exist_ok=True)
    sources = {name: FRONTEND / name for name in PAGE_FILES} | lib
    for name, source in sources.items():
        if not (target / name).is_file():
            atomic_write(target / name, source.read_bytes())
    _built[:] = [target]
    return target


KEEP_DATA_FILES = 8  # data files kept per build folder (a page still open on an older version may ask)
_data_names: dict[str, str] = {}  # data version (+ model) -> file name, for this process


def data_file(version: str, payload: dict) -> str:
    """Write a data version's map data next to the component (once) and return the file name.

    The name is a hash of the content: two data versions that draw the same map share one file, and the
    copy a browser already has. Older files beyond the newest few are removed.
    """
    name = _data_names.get(version)
    folder = build_dir()
    if name is None or not (folder / name).is_file():
        body = orjson.dumps(payload, option=orjson.OPT_SERIALIZE_NUMPY)
        name = f"mapdata-{hashlib.sha1(body).hexdigest()[:16]}.json"
        if not (folder / name).is_file():
            atomic_write(folder / name, body)
            _prune(folder)
        _data_names[version] = name
    return name


def _prune(folder: Path) -> None:
    files = sorted(folder.glob("mapdata-*.json"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in files[KEEP_DATA_FILES:]:
        old.unlink(missing_ok=True)


def state_key(state: dict) -> str:
    """A short content hash of a rerun state: the browser skips a redraw when it already shows it."""
    return hashlib.sha1(orjson.dumps(state, option=orjson.OPT_SORT_KEYS | orjson.OPT_SERIALIZE_NUMPY)).hexdigest()[:16]


def live_map(state: dict, data_url: str, frame: Frame, height: int, key: str, *, theme: str = "light",
             basemap: str | None = None, fill_viewport: bool = False) -> dict | None:
    """Draw (or update) the live map and return the last event it sent, if any.

    ``fill_viewport``: the map grows to the bottom of the browser window (presentation mode on a wall screen).
    """
    global _component
    if _component is None:
        import streamlit.components.v1 as components  # here, so the module imports without Streamlit running

        _component = components.declare_component("live_map", path=str(build_dir()))
    full = {**state, "theme": theme, "basemap": basemap or ""}
    return _component(state=full, data_url=data_url, key=key, default=None, height=height, fill_viewport=fill_viewport,
                      frame={"seq": frame.seq, "center": list(frame.center), "zoom": frame.zoom,
                             "bounds": list(frame.bounds) if frame.bounds else None},
                      state_key=state_key(full))
