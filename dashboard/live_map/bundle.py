"""MapLibre GL JS, the live map's renderer: fetched once at set-up from the npm registry, hash-checked.

The live map draws with MapLibre GL JS directly (see ``dashboard/live_map/__init__.py`` for why not Plotly).
The library is not in any Python package, so set-up (``scripts/bootstrap.sh``) downloads the npm tarball of
the pinned version, checks it against the integrity hash npm publishes for it, and keeps the script and its
stylesheet inside the virtualenv. Nothing built is committed.

An air-gapped install copies the tarball (``npm pack maplibre-gl@VERSION`` on a connected machine) and sets
``BB_MAPLIBRE_TARBALL=/path/to/maplibre-gl-VERSION.tgz``: the same hash is checked.

Decision: without MapLibre the live map cannot draw, so set-up fails with that message rather than start a
dashboard with a blank map (the record table, exports and the other pages would still work, but the map is
the product).
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
import sys
import tarfile
import urllib.request
from pathlib import Path

VERSION = "5.24.1"
TARBALL = f"https://registry.npmjs.org/maplibre-gl/-/maplibre-gl-{VERSION}.tgz"
# `npm view maplibre-gl@5.24.1 dist.integrity`: the hash npm publishes for this tarball.
INTEGRITY = "sha512-HyiYBwtsbk3L1n1EPLJHWqdoyMiF80n7tEYXFZyu2m1TjvaNx6KMLiFeDdmszt1/mq2zvsR1TJuX/NMu5BonXQ=="
MEMBERS = {"maplibre-gl.js": "package/dist/maplibre-gl.js", "maplibre-gl.css": "package/dist/maplibre-gl.css",
           "LICENSE.txt": "package/LICENSE.txt"}


def installed_dir() -> Path:
    """Where set-up keeps MapLibre: inside the virtualenv, so it goes with the installed packages."""
    return Path(sys.prefix) / "share" / "beyond-borders" / f"maplibre-gl-{VERSION}"


def maplibre_files() -> dict[str, Path] | None:
    """The installed script and stylesheet by name, or None when set-up has not installed them."""
    folder = installed_dir()
    files = {name: folder / name for name in MEMBERS}
    return files if all(p.is_file() for p in files.values()) else None


def _check(payload: bytes, integrity: str, where: str) -> None:
    algorithm, _, expected = integrity.partition("-")
    found = base64.b64encode(hashlib.new(algorithm, payload).digest()).decode()
    if found != expected:
        raise ValueError(f"{where}: integrity check failed: expected {algorithm} {expected}, found {found}")


def fetch(url: str | None = None, integrity: str | None = None, timeout: float = 120) -> Path:
    """Download (or read) the npm tarball, check its integrity, and install MapLibre. Raises ``OSError``/``ValueError``."""
    url, integrity = url or os.environ.get("BB_MAPLIBRE_TARBALL") or TARBALL, integrity or INTEGRITY
    if "://" not in url:
        url = Path(url).resolve().as_uri()
    with urllib.request.urlopen(url, timeout=timeout) as response:
        payload = response.read()
    _check(payload, integrity, url)
    contents: dict[str, bytes] = {}
    with tarfile.open(fileobj=io.BytesIO(payload), mode="r:gz") as tar:
        for name, member in MEMBERS.items():
            fh = tar.extractfile(member)
            if fh is None:
                raise ValueError(f"{url}: no file {member} in the tarball")
            contents[name] = fh.read()
    if b"maplibregl" not in contents["maplibre-gl.js"][:4096]:
        raise ValueError(f"{url}: {MEMBERS['maplibre-gl.js']} does not look like MapLibre GL JS")
    from dashboard.live_map import atomic_write  # here: the package imports this module first

    folder = installed_dir()
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in contents.items():
        atomic_write(folder / name, data)
    return folder


def main(argv: list[str]) -> int:
    if "--check" in argv:
        print(maplibre_files() or "not installed")
        return 0 if maplibre_files() else 1
    if maplibre_files() is not None:
        return 0
    try:
        path = fetch()
    except (OSError, ValueError) as exc:
        print(f"error: could not install MapLibre GL JS {VERSION}, which draws the live map ({exc}).\n"
              f"Without the npm registry, fetch the tarball elsewhere (npm pack maplibre-gl@{VERSION}) and set "
              "BB_MAPLIBRE_TARBALL=/path/to/it; its hash is checked.", file=sys.stderr)
        return 1
    print(f"installed MapLibre GL JS {VERSION}: {path}")
    return 0
