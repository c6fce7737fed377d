"""Dashboard settings from environment variables (the data layer's own are in ``geo.settings``).

An unusable value is logged and replaced by the default: a typo in a deployment never stops the app.
"""

from __future__ import annotations

import logging
import os
from urllib.parse import urlparse

log = logging.getLogger(__name__)

OFFLINE_STYLE = "white-bg"  # the blank style: nothing fetched; the bundled outlines are the basemap
# Named online basemaps (opt-in only): the MapLibre style each name stands for. They load tiles, glyphs and
# sprites from their providers' servers. (Plotly's Mapbox names need a Mapbox token and are not offered.)
_CARTO = "https://basemaps.cartocdn.com/gl/{}-gl-style/style.json"
ONLINE_STYLES: dict[str, str | dict] = {
    "carto-positron": _CARTO.format("positron"),
    "carto-voyager": _CARTO.format("voyager"),
    "carto-darkmatter": _CARTO.format("dark-matter"),
    "open-street-map": {"version": 8, "sources": {"osm": {"type": "raster", "tileSize": 256,
                                                           "tiles": ["https://tile.openstreetmap.org/{z}/{x}/{y}.png"]}},
                        "layers": [{"id": "osm", "type": "raster", "source": "osm"}]},
}


def _number(name: str, default: float, low: float, high: float) -> float:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = float("nan")
    if not low <= value <= high:
        log.warning("%s=%r is not a number from %g to %g; using %g", name, raw, low, high, default)
        return default
    return value


def refresh_seconds() -> float:
    """How often an open page checks the data version (``BB_REFRESH_SECONDS``, default 15, 0 = never)."""
    return _number("BB_REFRESH_SECONDS", 15, 0, 3600)


def highlight_minutes() -> float:
    """How long an added or changed record stays highlighted on the map (``BB_CHANGE_HIGHLIGHT_MINUTES``)."""
    return _number("BB_CHANGE_HIGHLIGHT_MINUTES", 15, 0, 7 * 24 * 60)


def map_style() -> str:
    """The live map's basemap style (``BB_ONLINE_BASEMAP``): empty (default) = offline, the bundled outlines
    only; a plotly style name such as ``carto-positron``; or the URL of a MapLibre style JSON, e.g. a tile
    server on the operator's own network. Anything but the default makes the browser fetch tiles."""
    raw = os.environ.get("BB_ONLINE_BASEMAP", "").strip()
    if not raw or raw == OFFLINE_STYLE:
        return OFFLINE_STYLE
    if raw in ONLINE_STYLES:
        return raw
    url = urlparse(raw)
    if url.scheme in ("http", "https") and url.netloc:
        return raw
    log.warning("BB_ONLINE_BASEMAP=%r is neither a style name (%s) nor an http(s) URL; staying offline", raw, ", ".join(ONLINE_STYLES))
    return OFFLINE_STYLE


def basemap_url(style: str) -> str | dict | None:
    """The MapLibre style the live map loads for ``style`` (a URL or a style object); None when offline."""
    if style == OFFLINE_STYLE:
        return None
    return ONLINE_STYLES.get(style, style)


def theme() -> str:
    """The deployment's default theme (``BB_THEME``: ``light`` or ``dark``); a link's ``theme=`` wins."""
    raw = os.environ.get("BB_THEME", "").strip().lower()
    if raw in ("", "light", "dark"):
        return raw or "light"
    log.warning("BB_THEME=%r is neither light nor dark; using light", raw)
    return "light"


def basemap_host(style: str) -> str | None:
    """Where an online style sends the browser (for the notice on the map), or None when offline."""
    if style == OFFLINE_STYLE:
        return None
    if style.startswith(("http://", "https://")):
        return urlparse(style).netloc
    target = ONLINE_STYLES.get(style)
    if isinstance(target, str):
        return urlparse(target).netloc
    return "tile.openstreetmap.org" if style == "open-street-map" else "the style's tile servers"
