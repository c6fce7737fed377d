"""Untrusted text (data files, the database, a link) shown as text, whatever it contains.

Streamlit renders Markdown in ``st.markdown``, ``st.write`` of a string, captions, alerts, button and expander
labels; Markdown makes links, images (a request to another host) and emphasis out of characters in the data.
Plotly renders a little HTML (``<a href>``, ``<b>``) in axis labels and hover texts. So every value from the data
goes through one of these before it reaches the page; HTML is never rendered (no ``unsafe_allow_html``).
"""

from __future__ import annotations

import html
import re
from urllib.parse import urlsplit

# Every ASCII punctuation mark that Markdown or Streamlit's extensions (":red[…]", ":material/…:", "$…$")
# give a meaning; CommonMark renders a backslash-escaped one as itself.
_MARKUP = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~$:&=\"'])")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202a-\u202e\u2066-\u2069]")


def md(value: object) -> str:
    """``value`` as literal text inside Markdown: no link, image, emphasis, HTML or control character."""
    text = _CONTROL.sub("", "" if value is None else str(value))
    return _MARKUP.sub(r"\\\1", text).replace("\n", "  \n")


def is_web_url(url: object) -> bool:
    """An absolute http(s) address with a host and no space or quote (what a source may link to)."""
    text = str(url or "")
    parts = urlsplit(text)
    return parts.scheme in ("http", "https") and bool(parts.netloc) and not re.search(r"[\s<>\"'`()\\]", text)


def link(url: object) -> str:
    """A source as a Markdown link when it is a plain web address, else as inert text."""
    return f"[{md(url)}](<{url}>)" if is_web_url(url) else md(url)


def plotly_text(value: object) -> str:
    """``value`` as literal text in a Plotly label or hover text (which render a little HTML)."""
    return html.escape(_CONTROL.sub("", "" if value is None else str(value)), quote=False)
