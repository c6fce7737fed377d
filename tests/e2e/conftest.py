"""Real-browser fixtures: the app started on a free port, Debian chromium driven by Playwright."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
# Flags that keep Chromium from reaching Google services on its own (not the page's requests).
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-default-apps", "--disable-domain-reliability",
    "--use-gl=swiftshader", "--enable-unsafe-swiftshader",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_app(env_extra: dict[str, str] | None = None, command: list[str] | None = None, port: int | None = None,
              flags: list[str] | None = None) -> tuple[subprocess.Popen, str]:
    """Start the app (or ``command``, a Streamlit server command line) on a free port (or ``port``), with more
    Streamlit ``flags`` if given; wait until it is healthy."""
    port = port or free_port()
    env = os.environ | {"PYTHONUNBUFFERED": "1"} | (env_extra or {})
    proc = subprocess.Popen(
        [*(command or [sys.executable, "-m", "dashboard.serve"]), "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true", *(flags or [])],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=1) as r:
                if r.status == 200:
                    return proc, url
        except OSError:
            time.sleep(0.2)
        if proc.poll() is not None:
            break
    proc.kill()
    out = proc.stdout.read().decode() if proc.stdout else ""
    raise RuntimeError(f"the app did not start on {url}:\n{out[-3000:]}")


@pytest.fixture(scope="session")
def app_url() -> Iterator[str]:
    proc, url = start_app()
    yield url
    proc.terminate()
    proc.wait(10)


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install it with `sudo apt-get install chromium` (scripts/test.sh does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


class RequestLog:
    """Every request the page makes, to check nothing leaves the machine."""

    def __init__(self) -> None:
        self.urls: list[str] = []

    def record(self, request) -> None:
        self.urls.append(request.url)

    def foreign(self, own: str) -> list[str]:
        host = urlparse(own).hostname
        return [u for u in self.urls if urlparse(u).scheme in ("http", "https", "ws", "wss") and urlparse(u).hostname != host]


@pytest.fixture
def page(browser, app_url):
    context = browser.new_context(viewport={"width": 1500, "height": 1000})
    log = RequestLog()
    context.on("request", log.record)
    pg = context.new_page()
    pg.request_log = log  # type: ignore[attr-defined]
    yield pg
    context.close()


# A real throwaway PostgreSQL + PostGIS cluster for the live tests on the database (see tests/pg/conftest.py).
from tests.pg.conftest import loaded_db, pg_cluster  # noqa: E402, F401
