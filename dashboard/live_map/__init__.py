"""The live situation map: a small Streamlit component that keeps one map mounted and updates it in place.

Why not ``st.plotly_chart``: Streamlit (1.67) puts a hash of the figure into the chart's element id, so
every filter change unmounted and restarted the whole MapLibre map (about 1 s in the browser), threw away
the user's pan and zoom, and never reported the camera back. This component:

- serves its page, plotly.js (the map-only bundle set-up installs, else the ``plotly`` package's full one;
  ``dashboard.live_map.bundle``) and the outlines of each data version
  from the app itself, as files of the component (no CDN, same origin);
- sends, on each rerun, only the map spec with outline *references* (``dashboard.figures.map_spec``),
  a few tens of kilobytes; the browser resolves them against the outlines it fetched once per version;
- moves the camera only when the app asks for a new frame (``Frame.seq``), so a filter change keeps the
  user's view;
- returns clicks (``{"kind": "click", "id": …}``) and camera moves (``{"kind": "view", "center", "zoom"}``),
  each with a unique ``token`` so the app acts on each event once.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import orjson
import plotly

from dashboard.live_map.bundle import plotly_js
from geo import DisplayGeometry

FRONTEND = Path(__file__).resolve().parent
STATIC_DIR = FRONTEND.parent / "static"  # Streamlit's app static folder (server.enableStaticServing)

_component = None


@dataclass(frozen=True)
class Frame:
    """A camera the app asks for; the browser applies it once per ``seq``."""

    seq: int
    center: tuple[float, float]
    zoom: float


def static_plotly(source: Path) -> str | None:
    """plotly.js as an app static file, as a URL relative to the component's page; None if not possible.

    The component route sends plotly.js without Last-Modified or ETag, so a browser downloads and compiles
    its megabytes on every page open. The app static route sends both: a copy there (modification time kept,
    name by bundle, plotly version and size) is cached by the browser between opens. If the folder is not
    writable, the component's own copy is used.
    """
    stat = source.stat()
    name = f"{source.name.removesuffix('.min.js')}-{plotly.__version__}-{stat.st_size}.min.js"
    target = STATIC_DIR / name
    try:
        if not target.is_file():
            STATIC_DIR.mkdir(exist_ok=True)
            _atomic_write(target, source.read_bytes())
            os.utime(target, (stat.st_atime, stat.st_mtime))
    except OSError:
        return None
    return f"../../app/static/{name}"  # from /component/<name>/index.html to /app/static/


_built: list[Path] = []  # the folder this process built (checked, not rebuilt, on every call)


def build_dir() -> Path:
    """The folder the component is served from: our page and script plus plotly.js, by content hash.

    Built in the temp folder on first use (plotly.js is megabytes and stays out of the repository); several
    app processes may race here, so every file is written to a temporary name and renamed into place.
    """
    if _built and all((_built[0] / n).is_file() for n in ("index.html", "main.js", "plotly.min.js")):
        return _built[0]
    source = plotly_js()
    plotly_src = static_plotly(source) or "plotly.min.js"
    page = (FRONTEND / "index.html").read_text(encoding="utf-8").replace("__PLOTLY_JS__", plotly_src)
    digest = hashlib.sha1(f"{plotly.__version__}\0{source.name}\0{plotly_src}\0{page}".encode())
    digest.update((FRONTEND / "main.js").read_bytes())
    root = Path(os.environ.get("BB_CACHE_DIR") or Path(tempfile.gettempdir()) / f"beyond-borders-{os.getuid()}")
    target = root / f"live-map-{digest.hexdigest()[:12]}"
    target.mkdir(parents=True, exist_ok=True)
    for name, payload in (("index.html", lambda: page.encode()), ("main.js", (FRONTEND / "main.js").read_bytes),
                          ("plotly.min.js", source.read_bytes)):
        if not (target / name).is_file():
            _atomic_write(target / name, payload())
    _built[:] = [target]
    return target


def _atomic_write(path: Path, payload: bytes) -> None:
    """Write to a temporary name and rename into place (readers never see half a file), readable by all."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "wb") as fh:
        fh.write(payload)
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)


KEEP_GEOMETRY_FILES = 8  # outline files kept per build folder (a page still open on an older version may ask)
_geometry_names: dict[str, str] = {}  # data version -> file name, for this process


def geometry_file(display: DisplayGeometry, version: str) -> str:
    """Write the outlines of a data version next to the component (once) and return the file name.

    The name is a hash of the content, not of the version: most data changes (a new posting, a status) leave
    the outlines as they are, so the file, and the copy a browser already has, stay the same. Older files
    beyond the newest few are removed, so a busy database does not fill the disk.
    """
    name = _geometry_names.get(version)
    folder = build_dir()
    if name is None or not (folder / name).is_file():
        payload = orjson.dumps({"countries": display.countries, "areas": display.areas}, option=orjson.OPT_SERIALIZE_NUMPY)
        name = f"geometry-{hashlib.sha1(payload).hexdigest()[:16]}.json"
        if not (folder / name).is_file():
            _atomic_write(folder / name, payload)
            _prune(folder)
        _geometry_names[version] = name
    return name


def _prune(folder: Path) -> None:
    files = sorted(folder.glob("geometry-*.json"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in files[KEEP_GEOMETRY_FILES:]:
        old.unlink(missing_ok=True)


def spec_key(spec: dict) -> str:
    """A short content hash of a spec: the browser skips a redraw when it already shows this spec."""
    return hashlib.sha1(orjson.dumps(spec, option=orjson.OPT_SORT_KEYS | orjson.OPT_SERIALIZE_NUMPY)).hexdigest()[:16]


def live_map(spec: dict, geometry: str, frame: Frame, height: int, key: str, config: dict | None = None) -> dict | None:
    """Draw (or update) the live map and return the last event it sent, if any."""
    global _component
    if _component is None:
        import streamlit.components.v1 as components  # here, so the module imports without Streamlit running

        _component = components.declare_component("live_map", path=str(build_dir()))
    return _component(spec=spec, geometry_url=geometry, frame={"seq": frame.seq, "center": list(frame.center), "zoom": frame.zoom},
                      height=height, config=config or {}, spec_key=spec_key(spec), key=key, default=None)

