"""The image renderer: one warm Kaleido (headless Chromium) for the process, every wait on it bounded.

Kaleido's own sync server (``kaleido.start_sync_server`` + ``plotly.io.to_image``) waits without a limit: a
Chromium that never finishes starting leaves the caller, and the user's "Preparing the briefing files…",
waiting forever (seen on fresh servers). So the renderer runs Kaleido on its own event loop in its own
thread and waits for each step with a deadline:

- starting Chromium: ``START_SECONDS``; a start that hangs or fails is killed and tried once more
  (the hang seen was in a fresh start, which a second start gets past);
- one image: ``RENDER_SECONDS``; a render that overruns kills the renderer and gives up.

Whatever gives up raises ``ExportUnavailable`` with a message for the user and leaves no renderer behind:
the next export starts a fresh one. Exports are serialised (one Chromium tab renders one image at a time).
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import os
import shutil
import signal
import subprocess
import threading
from pathlib import Path
from typing import Any

import plotly.graph_objects as go

CHROMIUM_HINT = "Chromium is missing: install it with `sudo apt-get install chromium` (bash scripts/run.sh does this)."


class ExportUnavailable(RuntimeError):
    """Rendering cannot run now (no Chromium, or it did not answer in time); the message says what to do."""


def chromium_path() -> str | None:
    """The Chromium Kaleido will use: ``BROWSER_PATH`` if set (and only that), else Debian's; None if absent."""
    if os.environ.get("BROWSER_PATH"):
        return os.environ["BROWSER_PATH"] if Path(os.environ["BROWSER_PATH"]).exists() else None
    for candidate in ("/usr/bin/chromium", shutil.which("chromium")):
        if candidate and Path(candidate).exists():
            return candidate
    return None


def _failures() -> tuple[type[BaseException], ...]:
    """What a failed start or render raises (imported when first needed: importing Kaleido costs 0.26 s)."""
    from choreographer.errors import DevtoolsProtocolError
    from kaleido.errors import KaleidoError

    return TimeoutError, RuntimeError, OSError, DevtoolsProtocolError, KaleidoError


def _kill(process: Any) -> None:
    """Kill a browser process and its children (Chromium runs in its own session, so its group is its own)."""
    if process is None or process.poll() is not None:
        return
    try:
        if os.getpgid(process.pid) == process.pid:
            os.killpg(process.pid, signal.SIGKILL)
        else:
            process.kill()
    except ProcessLookupError:
        return
    with contextlib.suppress(subprocess.TimeoutExpired):  # killed: the kernel reaps it even if we stop waiting
        process.wait(timeout=5)


class _Running:
    """One started Kaleido: its event loop, the thread that runs the loop, the Kaleido object."""

    def __init__(self, path: str, render_seconds: float) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="bb-renderer", daemon=True)
        self.thread.start()
        self.kaleido: Any = None
        self.path, self.render_seconds = path, render_seconds

    async def _open(self) -> None:
        import kaleido

        # no MathJax (it would come from a CDN); plotly.js is the installed package's own file
        self.kaleido = kaleido.Kaleido(mathjax=False, timeout=self.render_seconds, path=self.path)
        await self.kaleido.open()

    def run(self, coroutine: Any, seconds: float) -> Any:
        """The coroutine's result, run on this loop; ``TimeoutError`` after ``seconds`` (the coroutine is cancelled)."""
        future = asyncio.run_coroutine_threadsafe(coroutine, self.loop)
        try:
            return future.result(timeout=seconds)
        except TimeoutError:
            future.cancel()
            raise

    def stop(self, graceful: bool) -> None:
        """Close the browser (``graceful``: ask it first, for at most 5 s), then kill whatever is left, drop the
        temporary page and stop the loop. Waits for nothing that can hang."""
        kaleido = self.kaleido
        if graceful and kaleido is not None:
            with contextlib.suppress(*_failures()):
                self.run(kaleido.close(), 5)
        _kill(getattr(kaleido, "subprocess", None))
        tmp = getattr(kaleido, "_html_tmp_dir", None)
        if tmp is not None:
            with contextlib.suppress(OSError):
                tmp.clean()
        for task in asyncio.all_tasks(self.loop):
            self.loop.call_soon_threadsafe(task.cancel)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=5)


class Renderer:
    """One warm renderer for the process (a cold start costs seconds; later exports reuse it)."""

    START_SECONDS = 45.0
    RENDER_SECONDS = 60.0
    START_ATTEMPTS = 2
    _lock = threading.Lock()
    _running: _Running | None = None
    _stopped_at_exit = False

    @classmethod
    def _start(cls) -> _Running:
        path = chromium_path()
        if path is None:
            raise ExportUnavailable(CHROMIUM_HINT)
        last: BaseException | None = None
        for _ in range(cls.START_ATTEMPTS):
            running = _Running(path, cls.RENDER_SECONDS)
            try:
                running.run(running._open(), cls.START_SECONDS)
                return running
            except _failures() as exc:  # a hung or failed start: kill it, try once more
                last = exc
                running.stop(graceful=False)
        # the kind of failure only (its text may name server paths); the whole error is on the exception chain
        why = f"no answer within {cls.START_SECONDS:.0f} s" if isinstance(last, TimeoutError) else f"it failed ({type(last).__name__})"
        raise ExportUnavailable(f"The image renderer (Chromium) could not be started ({cls.START_ATTEMPTS} tries; the last: {why}). "
                                "Try again; if it persists, ask the administrator to check Chromium on the server. Data files "
                                "(CSV, XLSX, GeoJSON) and the HTML map do not need it.") from last

    @classmethod
    def stop(cls) -> None:
        """Stop the renderer if one runs (the next image starts a fresh one)."""
        with cls._lock:
            if cls._running is not None:
                cls._running.stop(graceful=True)
                cls._running = None

    @classmethod
    def image(cls, fig: go.Figure, fmt: str, scale: float = 2.0) -> bytes:
        """PNG, SVG or PDF bytes of a figure (PNG at ``scale`` times its pixel size)."""
        fig_dict = fig.to_dict()  # what plotly.io.to_image sends Kaleido for a figure
        opts = {"format": fmt, "scale": scale}  # the size is the figure's own (Kaleido reads its layout)
        with cls._lock:
            if cls._running is None:
                cls._running = cls._start()
                if not cls._stopped_at_exit:
                    atexit.register(cls.stop)  # no Chromium outlives the process
                    cls._stopped_at_exit = True
            running = cls._running
            try:
                # Kaleido's own limit is the same, so it normally fires first; ours also covers a lost reply
                return running.run(running.kaleido.calc_fig(fig_dict, opts=opts), cls.RENDER_SECONDS + 5)
            except _failures() as exc:
                running.stop(graceful=False)
                cls._running = None
                reason = "did not render in time" if isinstance(exc, TimeoutError) else f"failed ({type(exc).__name__})"
                raise ExportUnavailable(f"The image {reason}, so the renderer was stopped; the next try starts a fresh one. "
                                        "Try again.") from exc
