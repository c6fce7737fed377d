"""Settings from environment variables, anchored on this file, never on the working directory."""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA_DIR = REPO_ROOT / "data"


def data_dir() -> Path:
    """The data directory: ``BB_DATA_DIR`` if set, else the repository's ``data/``."""
    value = os.environ.get("BB_DATA_DIR", "").strip()
    return Path(value).expanduser().resolve() if value else DEFAULT_DATA_DIR


CONNECT_TIMEOUT_S = 3  # an unreachable database fails within seconds, never hangs a session


def database_url() -> str:
    """``BB_DATABASE_URL`` (a libpq URL such as ``postgresql://bb@dbhost:5432/bb``), or "" for the data directory."""
    return os.environ.get("BB_DATABASE_URL", "").strip()


def cache_dir() -> Path | None:
    """Where parses of data files are kept between processes (``geo.basemapcache``): ``BB_CACHE_DIR`` if set
    (``off``: keep none), else ``$XDG_CACHE_HOME/beyond-borders``, else ``~/.cache/beyond-borders``."""
    value = os.environ.get("BB_CACHE_DIR", "").strip()
    if value.lower() == "off":
        return None
    if value:
        return Path(value).expanduser()
    base = os.environ.get("XDG_CACHE_HOME", "").strip()
    return (Path(base).expanduser() if base else Path.home() / ".cache") / "beyond-borders"
