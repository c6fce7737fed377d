"""The app's own HTTP route and page middleware (dashboard.asgi), driven as ASGI callables."""

from __future__ import annotations

import asyncio
import gzip
from collections import OrderedDict

import pytest
from starlette.requests import Request

from dashboard import asgi, live_map


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(live_map, "_static", {})
    monkeypatch.setattr(live_map, "_data", OrderedDict())
    monkeypatch.setattr(live_map, "_data_names", {})
    return live_map


def request(name: str, encoding: str = "gzip, deflate") -> Request:
    return Request({"type": "http", "method": "GET", "path": f"/bb-assets/{name}", "path_params": {"name": name},
                    "headers": [(b"accept-encoding", encoding.encode())], "query_string": b""})


def test_assets_are_served_compressed_immutable_and_only_by_registered_name(served) -> None:
    name = served.data_file("v1", {"records": {"id": ["a"]}})
    response = asyncio.run(asgi.serve_asset(request(name)))
    assert response.status_code == 200 and response.headers["content-encoding"] == "gzip"
    assert "immutable" in response.headers["cache-control"] and response.headers["x-content-type-options"] == "nosniff"
    assert gzip.decompress(response.body) == served.asset_bytes(name)
    plain = asyncio.run(asgi.serve_asset(request(name, encoding="identity")))  # a client without gzip
    assert "content-encoding" not in plain.headers and plain.body == served.asset_bytes(name)
    for bad in ("mapdata-0000000000000000.json", "..%2F..%2Fetc%2Fpasswd", "names"):
        assert asyncio.run(asgi.serve_asset(request(bad))).status_code == 404


def run_page(inner_headers: list, body: bytes, path: str = "/") -> tuple[dict, bytes]:
    """Send one GET through PageHead around an app that answers with ``body``; the response start and body."""
    async def inner(scope, receive, send):
        await send({"type": "http.response.start", "status": 200, "headers": inner_headers})
        await send({"type": "http.response.body", "body": body[:10], "more_body": True})
        await send({"type": "http.response.body", "body": body[10:]})

    sent: list[dict] = []

    async def send(message):
        sent.append(message)

    async def receive():
        return {"type": "http.request"}

    asyncio.run(asgi.PageHead(inner)({"type": "http", "method": "GET", "path": path, "headers": []}, receive, send))
    return sent[0], b"".join(m.get("body", b"") for m in sent[1:])


def test_the_page_head_preloads_the_maps_module_and_newest_data(served) -> None:
    name = served.data_file("v1", {"records": {"id": ["a"]}})
    page = b"<html><head><title>x</title></head><body></body></html>"
    start, body = run_page([(b"content-type", b"text/html; charset=utf-8"), (b"content-length", b"52"), (b"etag", b'"abc"')], page)
    names = served.static_names()
    assert f'<script type="module" src="bb-assets/{names["map"]}" data-bb-data="bb-assets/{name}"></script>'.encode() in body
    assert body.index(b"bb-assets/") < body.index(b"</head>")
    headers = dict(start["headers"])
    assert int(headers[b"content-length"]) == len(body) and b"etag" not in headers  # always sent whole, with today's names
    # anything but an HTML page passes untouched
    start, body = run_page([(b"content-type", b"application/javascript")], b"console.log('unchanged');")
    assert body == b"console.log('unchanged');"


def test_a_data_file_above_the_requesters_clearance_is_not_found(served) -> None:
    open_file = served.data_file("v~public", {"records": {"id": ["a"]}}, marking="public")
    limited = served.data_file("v~limited", {"records": {"id": ["a", "secret"]}}, marking="limited")
    assert asyncio.run(asgi.serve_asset(request(open_file))).status_code == 200
    assert asyncio.run(asgi.serve_asset(request(limited))).status_code == 404  # no sign-in cookie: the lowest clearance
    assert served.latest_data("public") == open_file and served.latest_data("limited") == limited
