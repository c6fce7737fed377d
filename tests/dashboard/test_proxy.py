"""The security headers and the shipped proxy configuration (dashboard.proxy), and the app's own middleware."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import re
from pathlib import Path

from dashboard import asgi, proxy

ROOT = Path(__file__).resolve().parents[2]


def test_the_policy_allows_streamlits_inline_script_by_its_hash_only() -> None:
    page = proxy.STREAMLIT_PAGE.read_text(encoding="utf-8")
    body = re.search(r"<script>(.*?)</script>", page, flags=re.DOTALL).group(1)
    digest = "'sha256-" + base64.b64encode(hashlib.sha256(body.encode()).digest()).decode() + "'"
    policy = proxy.content_security_policy()
    assert digest in policy and "'unsafe-inline'" not in policy.split("script-src")[1].split(";")[0]
    assert "frame-ancestors 'none'" in policy and "object-src 'none'" in policy and "http" not in policy
    assert "https://tiles.example" in proxy.content_security_policy("tiles.example")  # the opt-in basemap only


def test_the_shipped_nginx_config_is_the_generated_one_and_has_every_header() -> None:
    shipped = (ROOT / "deploy" / "nginx.conf").read_text(encoding="utf-8")
    assert shipped == proxy.nginx_config(["127.0.0.1:8501"], "80", "beyond-borders.example.internal")
    for name in ("Content-Security-Policy", "X-Frame-Options", "X-Content-Type-Options", "Referrer-Policy"):
        assert f"add_header {name} " in shipped and f"proxy_hide_header {name};" in shipped
    assert "location = /_stcore/metrics" in shipped and "ip_hash;" in shipped and "proxy_set_header Upgrade" in shipped


def call(path: str, client: str) -> tuple[int, dict[bytes, bytes]]:
    async def inner(scope, receive, send):
        await send({"type": "http.response.start", "status": 200, "headers": [(b"x-frame-options", b"SAMEORIGIN")]})
        await send({"type": "http.response.body", "body": b"ok"})

    sent: list[dict] = []

    async def send(message):
        sent.append(message)

    async def receive():
        return {"type": "http.request"}

    asyncio.run(asgi.Security(inner)({"type": "http", "method": "GET", "path": path, "client": (client, 5000), "headers": []}, receive, send))
    return sent[0]["status"], dict(sent[0]["headers"])


def test_the_app_sends_the_headers_once_and_keeps_its_metrics_to_the_machine() -> None:
    status, headers = call("/", "10.1.2.3")
    assert status == 200 and headers[b"x-frame-options"] == b"DENY" and headers[b"referrer-policy"] == b"no-referrer"
    assert headers[b"content-security-policy"].startswith(b"default-src 'self'")
    assert call("/_stcore/metrics", "10.1.2.3")[0] == 403
    assert call("/_stcore/metrics", "127.0.0.1")[0] == 200  # the machine's own monitoring
