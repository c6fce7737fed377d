"""The image renderer gives up in bounded time and leaves nothing behind (real Kaleido + Debian chromium).

A first PNG on a fresh server once waited forever for Chromium to start; these tests make the renderer hang
for real (a "browser" that never answers; a render that never returns) and check that the export gives up
with a message, that the hung processes are killed, and that the next export starts a fresh renderer.
"""

from __future__ import annotations

import asyncio
import os
import select
import threading
import time
from pathlib import Path

import plotly.graph_objects as go
import pytest

from dashboard.render import ExportUnavailable, Renderer
from tests.e2e.conftest import CHROMIUM


def small_figure() -> go.Figure:
    """A tiny figure: what is under test is the renderer, not the drawing."""
    fig = go.Figure(go.Scatter(x=[1, 2, 3], y=[3, 1, 2]))
    fig.update_layout(width=320, height=200)
    return fig


def image_within(seconds: float) -> bytes | BaseException:
    """``Renderer.image`` run in a thread: its bytes or its exception; the test fails if it does not return."""
    outcome: list[bytes | BaseException] = []

    def run() -> None:
        try:
            outcome.append(Renderer.image(small_figure(), "png"))
        except BaseException as exc:  # noqa: BLE001 - handed to the test, which asserts on it
            outcome.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    assert outcome, f"the renderer did not return within {seconds} s"
    return outcome[0]


def wait_gone(pids: list[int], seconds: float = 15) -> list[int]:
    """The pids still running after ``seconds`` (empty when all are gone). Waits on each exit itself: a
    process's pidfd becomes readable when it ends (a zombie waiting for its parent counts as ended)."""
    deadline = time.monotonic() + seconds
    left = []
    for pid in pids:
        try:
            fd = os.pidfd_open(pid)
        except ProcessLookupError:
            continue
        try:
            ready, _, _ = select.select([fd], [], [], max(0.0, deadline - time.monotonic()))
            if not ready:
                left.append(pid)
        finally:
            os.close(fd)
    return left


@pytest.fixture
def fresh_renderer(monkeypatch: pytest.MonkeyPatch):
    """No renderer left from another test in this process, and none left after this one."""
    Renderer.stop()
    monkeypatch.setenv("BROWSER_PATH", CHROMIUM)
    yield
    Renderer.stop()


def test_a_chromium_that_never_starts_is_killed_twice_and_the_next_export_renders(
        fresh_renderer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pids = tmp_path / "pids"
    hanging = tmp_path / "chromium"
    # takes the browser's arguments and never speaks on the debugging pipe: a start that hangs
    hanging.write_text(f"#!/bin/sh\necho $$ >> {pids}\nexec sleep 600\n")
    hanging.chmod(0o755)
    monkeypatch.setenv("BROWSER_PATH", str(hanging))
    monkeypatch.setattr(Renderer, "START_SECONDS", 2.0)

    outcome = image_within(60)

    assert isinstance(outcome, ExportUnavailable)
    assert "could not be started (2 tries; the last: no answer within 2 s)" in str(outcome) and "Try again" in str(outcome)
    started = [int(line) for line in pids.read_text().split()]
    assert len(started) == Renderer.START_ATTEMPTS  # tried once more, then gave up
    assert wait_gone(started) == []  # no hung browser left behind
    assert Renderer._running is None

    monkeypatch.undo()  # the operator fixes Chromium (and the usual time to start applies); the next try starts afresh
    monkeypatch.setenv("BROWSER_PATH", CHROMIUM)
    png = image_within(120)
    assert isinstance(png, bytes) and png.startswith(b"\x89PNG")


def test_a_render_that_never_returns_stops_the_renderer_and_the_next_image_renders(
        fresh_renderer, monkeypatch: pytest.MonkeyPatch) -> None:
    import kaleido

    first = image_within(120)  # a warm renderer, as in a running app
    assert isinstance(first, bytes)
    browser_pid = Renderer._running.kaleido.subprocess.pid
    calls: list[int] = []

    async def never_returns(self, *args, **kwargs):  # a render stuck in the browser (its reply never comes)
        calls.append(self.subprocess.pid)
        await asyncio.Event().wait()

    monkeypatch.setattr(kaleido.Kaleido, "calc_fig", never_returns)
    monkeypatch.setattr(Renderer, "RENDER_SECONDS", 1.0)
    outcome = image_within(60)

    assert calls == [browser_pid]
    assert isinstance(outcome, ExportUnavailable) and "did not render in time" in str(outcome)
    assert Renderer._running is None
    assert wait_gone([browser_pid]) == []  # the stuck browser is killed, not left running

    monkeypatch.undo()
    monkeypatch.setenv("BROWSER_PATH", CHROMIUM)
    again = image_within(120)
    assert isinstance(again, bytes) and again.startswith(b"\x89PNG")
    assert Renderer._running.kaleido.subprocess.pid != browser_pid  # a fresh browser


def test_a_chromium_that_fails_at_once_is_reported_as_a_failure_not_a_wait(
        fresh_renderer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    broken = tmp_path / "chromium"
    broken.write_text("#!/bin/sh\nexit 1\n")  # a browser that cannot start (a missing library, a bad sandbox)
    broken.chmod(0o755)
    monkeypatch.setenv("BROWSER_PATH", str(broken))

    outcome = image_within(60)

    assert isinstance(outcome, ExportUnavailable) and outcome.__cause__ is not None
    assert "could not be started (2 tries; the last: it failed (" in str(outcome) and "no answer" not in str(outcome)
    assert Renderer._running is None
