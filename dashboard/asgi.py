"""The dashboard as an ASGI application: Streamlit's ``st.App`` around ``app.py``, plus the map's files.

``streamlit run dashboard/asgi.py`` (what ``python -m dashboard.serve`` starts) serves the Streamlit app and
one route of ours, ``/bb-assets/<name>``: the live map's script, deck.gl and the per-version map data
(``dashboard.live_map``). Every name there is content-addressed, so a response may be cached for good;
the bodies are kept gzip-compressed and sent as such to every browser that accepts it (all do).
"""

from __future__ import annotations

import gzip
from pathlib import Path

import streamlit as st
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

import geo
from dashboard import access, live_map, proxy, settings

IMMUTABLE = "public, max-age=31536000, immutable"


async def serve_asset(request: Request) -> Response:
    """One of the map's files by name; 404 for any other name (nothing is read from a path in the URL), and for a
    map data file the requesting viewer is not cleared for (their sign-in cookie, read by ``access``): the same
    answer as for a file that does not exist. With sign-in on, data files need a signed-in viewer."""
    found = live_map.asset(request.path_params["name"])
    if found is not None and found.marking is not None:
        viewer = access.viewer_from_request(request.cookies)
        signed_in_needed = access.sign_in_configured_outside_runs() and not viewer.signed_in
        if signed_in_needed or geo.rank(found.marking) > geo.rank(viewer.clearance):
            found = None
    if found is None:
        return Response("not found", status_code=404, media_type="text/plain")
    headers = {"Cache-Control": IMMUTABLE, "X-Content-Type-Options": "nosniff", "Vary": "Accept-Encoding"}
    if "gzip" in request.headers.get("accept-encoding", ""):
        return Response(found.gz, media_type=found.media_type, headers=headers | {"Content-Encoding": "gzip"})
    return Response(gzip.decompress(found.gz), media_type=found.media_type, headers=headers)


class PageHead:
    """ASGI middleware: into the app's HTML page, before Streamlit's own scripts, the map's module and the
    newest map data, so the browser fetches and prepares them while Streamlit starts (about 0.1 s after the
    page is requested rather than once the map's element is mounted, 0.7 s later on the reference machine).
    The page then carries no validator (ETag, Last-Modified): it is always sent whole, with today's names."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http" or scope.get("method") != "GET":
            await self.app(scope, receive, send)
            return
        start: dict = {}
        chunks: list[bytes] = []
        cookies = Request(scope).cookies

        async def capture(message) -> None:
            if message["type"] == "http.response.start":
                headers = dict(message.get("headers") or [])
                if not headers.get(b"content-type", b"").startswith(b"text/html") or headers.get(b"content-encoding"):
                    start["pass"] = True
                    await send(message)
                    return
                start["message"] = message
                return
            if start.get("pass"):
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body"):
                return
            body = b"".join(chunks).replace(b"</head>", _head_tags(cookies) + b"</head>", 1)
            skip = {b"content-length", b"etag", b"last-modified"}
            headers = [(k, v) for k, v in start["message"].get("headers", []) if k.lower() not in skip]
            await send({**start["message"], "headers": [*headers, (b"content-length", str(len(body)).encode())]})
            await send({"type": "http.response.body", "body": body})

        await self.app(scope, receive, capture)


def _streamlit_chunks() -> list[str]:
    """Streamlit's own script for components-v2 elements (its name carries a hash: found, not assumed)."""
    folder = Path(st.__file__).parent / "static" / "static" / "js"
    return [f"./static/js/{p.name}" for p in sorted(folder.glob("BidiComponent.*.js"))[:1]]


def _head_tags(cookies: dict[str, str]) -> bytes:
    names = live_map.static_names()
    viewer = access.viewer_from_request(cookies)
    data = live_map.latest_data(viewer.clearance) if viewer.signed_in or not access.sign_in_configured_outside_runs() else None
    tags = [f'<link rel="modulepreload" href="{href}">' for href in _streamlit_chunks()]
    tags.append(f'<link rel="modulepreload" href="{live_map.url(names["table"])}">')
    if data:  # none before the first page run of a fresh process (the warm-up makes one)
        tags.append(f'<script type="module" src="{live_map.url(names["map"])}" data-bb-data="{live_map.url(data)}"></script>')
    return "".join(tags).encode()


class Security:
    """ASGI middleware: the security headers on every response (``dashboard.proxy``; the shipped nginx
    configuration sends the same), and ``/_stcore/metrics`` (cache names, sizes, session memory) answered only
    to the machine itself."""

    def __init__(self, app) -> None:
        self.app = app
        self.headers = [(k.lower().encode(), v.encode()) for k, v in
                        proxy.security_headers(settings.basemap_host(settings.map_style())).items()]

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        client = (scope.get("client") or ("", 0))[0]
        if scope.get("path") == proxy.METRICS_PATH and client not in ("127.0.0.1", "::1"):
            await send({"type": "http.response.start", "status": 403, "headers": [(b"content-type", b"text/plain"), *self.headers]})
            await send({"type": "http.response.body", "body": b"forbidden"})
            return

        async def with_headers(message) -> None:
            if message["type"] == "http.response.start":
                names = {k for k, _ in self.headers}
                message = {**message, "headers": [(k, v) for k, v in message.get("headers", []) if k.lower() not in names] + self.headers}
            await send(message)

        await self.app(scope, receive, with_headers)


app = st.App(str(Path(__file__).with_name("app.py")), routes=[Route(f"/{live_map.ROUTE}/{{name}}", serve_asset)],
             middleware=[Middleware(Security), Middleware(PageHead)])
