"""A Plotly figure as one self-contained HTML file that works opened from disk with no network.

What makes it offline:

- plotly.js (the copy bundled with the installed plotly package) is inlined; MathJax is not included.
- The figure uses only cartesian SVG traces (``dashboard.vector_map``): no MapLibre worker (blocked under
  ``file://``), no tiles, glyphs or topojson.
- The mode bar has no links out (no Plotly logo, no "edit in Chart Studio"), and ``plotlyServerURL`` is
  left out of the config.
- A Content-Security-Policy forbids every fetch, image, font or frame from anywhere (``default-src 'none'``;
  only the inline script and styles and ``data:`` images run). Even code paths of plotly.js this figure
  never uses (basemap styles of map traces, topojson of geo traces) could not reach the network.

The bundled plotly.js still contains address strings: the XML namespace names that create SVG elements
(``http://www.w3.org/2000/svg``, ``…/1999/xlink``, ``…/2000/xmlns/``, ``…/1999/xhtml``,
``…/XML/1998/namespace``: names, never fetched, and needed for drawing), default basemap-style, tile and
glyph URLs of the MapLibre traces, the topojson URL of geo traces, and documentation and licence links
in comments and error messages. So that the file holds no ``http(s)://`` reference at all, every such
string is written with JavaScript-escaped slashes (``https:\\/\\/``). In string, template and regex
literals ``\\/`` is the same character as ``/``, so plotly.js runs unchanged (the browser test draws the
map and hovers it from ``file://``); in comments it is inert. Escaping is done only inside ``<script>``
elements; an address anywhere else in the page is an error.
"""

from __future__ import annotations

import html
import re

import plotly.graph_objects as go
import plotly.io as pio

CSP = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; font-src data:"
CONFIG = {
    "displaylogo": False,
    "showSendToCloud": False,  # plotly.py then drops plotlyServerURL from the config it writes
    "scrollZoom": True,
    "responsive": True,
    "modeBarButtonsToRemove": ["select2d", "lasso2d"],
}
ADDRESS = re.compile(r"(https?):/{2}", re.IGNORECASE)
SCRIPT = re.compile(r"(<script\b[^>]*>.*?</script>)", re.IGNORECASE | re.DOTALL)


def escape_addresses(page: str) -> str:
    """Write every ``http(s)://`` inside ``<script>`` elements as ``http(s):\\/\\/`` (same string to JavaScript).

    Raises ValueError if an address appears outside a script, where the escape would not be inert.
    """
    parts = SCRIPT.split(page)
    for n, part in enumerate(parts):
        if n % 2:
            parts[n] = ADDRESS.sub(r"\1:\\/\\/", part)
        elif ADDRESS.search(part):
            raise ValueError(f"an address outside a script: {ADDRESS.search(part).group(0)!r}")
    return "".join(parts)


def offline_html(fig: go.Figure, title: str, height: int) -> str:
    """The figure as a complete HTML page with plotly.js inline, no MathJax and no reference to another host."""
    page = pio.to_html(fig, include_plotlyjs=True, include_mathjax=False, full_html=True, config=dict(CONFIG),
                       default_width="100%", default_height=f"{height}px", validate=False)
    head = (f'<meta http-equiv="Content-Security-Policy" content="{CSP}" />\n'
            f"    <title>{html.escape(title)}</title>\n    ")
    page = page.replace('<meta charset="utf-8" />', '<meta charset="utf-8" />\n    ' + head, 1)
    if "<title>" not in page:  # plotly changed its page template: fail loudly rather than ship without the policy
        raise ValueError("could not place the Content-Security-Policy in plotly's HTML page")
    return escape_addresses(page)
