"""The shipped reverse-proxy configuration in front of the app, with Debian's nginx (scripts/test.sh installs it)."""

from __future__ import annotations

import shutil
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest

from dashboard import proxy
from tests.e2e.conftest import free_port
from tests.e2e.test_browser import wait_map

pytestmark = pytest.mark.e2e
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
MAIN = """worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log;
events {{ worker_connections 256; }}
http {{
    access_log {tmp}/access.log;
    client_body_temp_path {tmp}/body; proxy_temp_path {tmp}/proxy; fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi; scgi_temp_path {tmp}/scgi;
    include {tmp}/beyond-borders.conf;
}}
"""


@pytest.fixture
def proxied(app_url: str, tmp_path: Path) -> Iterator[str]:
    if not Path(NGINX).exists():
        pytest.fail("nginx is missing: sudo apt-get install nginx (scripts/test.sh does)")
    tmp_path.chmod(0o755)  # nginx's workers may run as another user
    port = free_port()
    (tmp_path / "beyond-borders.conf").write_text(proxy.nginx_config([urlparse(app_url).netloc], f"127.0.0.1:{port}"))
    (tmp_path / "nginx.conf").write_text(MAIN.format(tmp=tmp_path))
    proc = subprocess.Popen([NGINX, "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf"), "-g", "daemon off;"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=1):
                break
        except urllib.error.HTTPError:
            break
        except OSError:
            if proc.poll() is not None:
                pytest.fail(f"nginx did not start: {proc.stdout.read().decode() if proc.stdout else ''}")
            time.sleep(0.1)
    yield url
    proc.terminate()
    proc.wait(10)


def test_through_the_shipped_nginx_config_headers_are_set_and_metrics_refused(proxied: str, browser) -> None:
    with urllib.request.urlopen(proxied + "/") as response:
        headers = response.headers
    assert headers.get_all("Content-Security-Policy") == [proxy.content_security_policy()]  # one, the proxy's
    assert headers["X-Frame-Options"] == "DENY" and headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "no-referrer"
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(proxied + "/_stcore/metrics")
    assert refused.value.code == 403
    # the dashboard works through it (the websocket included), under its policy, with nothing blocked
    context = browser.new_context(viewport={"width": 1500, "height": 1000})
    context.add_init_script("window.__csp = []; document.addEventListener('securitypolicyviolation', "
                            "e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));")
    page = context.new_page()
    page.goto(proxied + "/?regions=sahel")
    frame = wait_map(page)
    assert frame.evaluate("() => window.bbDebug.shownIds().length") > 0
    assert page.evaluate("() => window.__csp") == []
    context.close()
