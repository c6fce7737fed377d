"""The audit log: who signed in, who exported what (view link, formats, marking) and when.

One JSON object per line, appended to ``BB_AUDIT_LOG`` (default ``~/.local/state/beyond-borders/audit.jsonl``),
the file opened in append mode for each line (``O_APPEND``: several app instances on one machine add whole
lines, never overwrite), created readable by its owner only. Keep it on a disk the app's account can append to
but an operator rotates (for example with ``chattr +a`` and logrotate's ``copytruncate`` off); see README.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import threading
from pathlib import Path

from dashboard import settings

log = logging.getLogger(__name__)
_lock = threading.Lock()


def path() -> Path:
    raw = settings.audit_log()
    return Path(raw) if raw else Path.home() / ".local" / "state" / "beyond-borders" / "audit.jsonl"


def record(event: str, user: str, clearance: str, **details: object) -> None:
    """Append one event. A log that cannot be written is reported in the server log and never stops the app."""
    line = json.dumps({"at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), "event": event, "user": user,
                       "clearance": clearance, **details}, ensure_ascii=False, default=str)
    target = path()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with _lock:
            fd = os.open(target, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                os.write(fd, (line + "\n").encode("utf-8"))
            finally:
                os.close(fd)
    except OSError as exc:
        log.error("audit log %s not written (%s): %s", target, exc, line)


def read(limit: int | None = None) -> list[dict]:
    """The events, oldest first (for tests and the administrators' view)."""
    try:
        lines = path().read_text(encoding="utf-8").splitlines()
    except OSError:
        return []
    events = [json.loads(x) for x in lines if x.strip()]
    return events[-limit:] if limit else events
