"""Dashboard settings from environment variables (the data layer's own are in ``geo.settings``).

An unusable value is logged and replaced by the default: a typo in a deployment never stops the app.
"""

from __future__ import annotations

import logging
import os
from urllib.parse import urlparse

log = logging.getLogger(__name__)

OFFLINE_STYLE = "white-bg"  # plotly's blank MapLibre style: nothing fetched; the bundled outlines are the basemap
# plotly's named MapLibre styles that load tiles, glyphs and sprites from the internet (Carto, OpenStreetMap, …)
ONLINE_STYLES = ("carto-positron", "carto-voyager", "carto-darkmatter", "open-street-map", "basic", "streets",
                 "outdoors", "light", "dark", "satellite", "satellite-streets")


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


def basemap_host(style: str) -> str | None:
    """Where an online style sends the browser (for the notice on the map), or None when offline."""
    if style == OFFLINE_STYLE:
        return None
    if style.startswith(("http://", "https://")):
        return urlparse(style).netloc
    return "basemaps.cartocdn.com" if style.startswith("carto") else "the style's tile servers"
