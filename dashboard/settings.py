"""Dashboard settings from environment variables (the data layer's own are in ``geo.settings``).

An unusable value is logged and replaced by the default: a typo in a deployment never stops the app.
"""

from __future__ import annotations

import logging
import os
from urllib.parse import urlparse

log = logging.getLogger(__name__)

OFFLINE_STYLE = "white-bg"  # the blank style: nothing fetched; the bundled outlines are the basemap
# Named online basemaps (opt-in only): the raster tile address each name stands for. The live map draws them
# under the country fills, from those providers' servers. A deployment's own tile server is given as a URL
# template with {z}, {x} and {y}. (Vector styles need a WebGL renderer; the live map draws a 2D canvas, see
# dashboard/live_map, so MapLibre style JSON addresses are not taken any more.)
ONLINE_STYLES: dict[str, str] = {
    "carto-positron": "https://basemaps.cartocdn.com/light_all/{z}/{x}/{y}.png",
    "carto-voyager": "https://basemaps.cartocdn.com/rastertiles/voyager/{z}/{x}/{y}.png",
    "carto-darkmatter": "https://basemaps.cartocdn.com/dark_all/{z}/{x}/{y}.png",
    "open-street-map": "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
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
    """The live map's basemap (``BB_ONLINE_BASEMAP``): empty (default) = offline, the bundled outlines only; a
    name such as ``carto-positron``; or a raster tile URL template with ``{z}``, ``{x}`` and ``{y}`` (e.g. a tile
    server on the operator's own network). Anything but the default makes the browser fetch tiles."""
    raw = os.environ.get("BB_ONLINE_BASEMAP", "").strip()
    if not raw or raw == OFFLINE_STYLE:
        return OFFLINE_STYLE
    if raw in ONLINE_STYLES:
        return raw
    url = urlparse(raw)
    if url.scheme in ("http", "https") and url.netloc and all(part in raw for part in ("{z}", "{x}", "{y}")):
        return raw
    log.warning("BB_ONLINE_BASEMAP=%r is neither a basemap name (%s) nor an http(s) tile URL with {z}, {x} and {y}; "
                "staying offline", raw, ", ".join(ONLINE_STYLES))
    return OFFLINE_STYLE


def basemap_url(style: str) -> str | None:
    """The tile URL template the live map draws for ``style``; None when offline."""
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
    """Where an online basemap sends the browser (for the notice on the map), or None when offline."""
    url = basemap_url(style)
    return urlparse(url).netloc if url else None


def marking() -> str:
    """The deployment's lowest export marking (``BB_MARKING``, default PUBLIC)."""
    return os.environ.get("BB_MARKING", "").strip() or "PUBLIC"


def access_file() -> str | None:
    """The access file (``BB_ACCESS_FILE``); None: the repository's ``config/access.toml``."""
    return os.environ.get("BB_ACCESS_FILE", "").strip() or None


def audit_log() -> str | None:
    """The audit log (``BB_AUDIT_LOG``); None: ``~/.local/state/beyond-borders/audit.jsonl``."""
    return os.environ.get("BB_AUDIT_LOG", "").strip() or None
