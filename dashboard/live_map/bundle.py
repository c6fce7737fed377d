"""The plotly.js the live map loads: plotly's own map-only bundle when it is installed, else the full one.

The live map uses two trace types (``scattermap``, ``choroplethmap``). plotly.js publishes a partial bundle
with exactly the map traces, ``dist/plotly-map.min.js`` (3.0 MB against 4.8 MB for the full bundle the
``plotly`` Python package ships), and a browser parses and compiles a third less on every page open. Only
the npm package carries it, so set-up (``scripts/bootstrap.sh``) fetches that package's tarball once, checks
it against the integrity hash npm publishes for it, and keeps the one file in the virtualenv.

Decision: the bundle must be the same plotly.js version as the ``plotly`` package that writes the specs.
If it is missing (an install without the npm registry) or of another version (plotly was upgraded and the
pin below was not), the map uses the full bundle, which works the same, only slower to open.

Run ``python scripts/install_map_bundle.py`` to fetch it; ``--check`` prints which bundle the map uses.
"""

from __future__ import annotations

import base64
import hashlib
import io
import sys
import tarfile
import urllib.request
from pathlib import Path

import plotly.offline

VERSION = "4.1.1"
TARBALL = f"https://registry.npmjs.org/plotly.js/-/plotly.js-{VERSION}.tgz"
# `npm view plotly.js@4.1.1 dist.integrity`: the hash npm publishes for this tarball.
INTEGRITY = "sha512-fYLAOj091/+M4h1rmtVIkRIpdkz5/P9IdNUeB9wKmCUyvewuUdlCYR5ryqDWP7Cb36Dn4EvSrs6YKvRJ9ukNdQ=="
MEMBER = "package/dist/plotly-map.min.js"
FULL = Path(plotly.offline.__file__).resolve().parent.parent / "package_data" / "plotly.min.js"


def installed_path() -> Path:
    """Where set-up keeps the map bundle: inside the virtualenv, so it goes with the installed packages."""
    return Path(sys.prefix) / "share" / "beyond-borders" / f"plotly-map-{VERSION}.min.js"


def map_bundle() -> Path | None:
    """The map-only bundle if it is installed and matches the plotly package's plotly.js; else None."""
    path = installed_path()
    if plotly.offline.get_plotlyjs_version() != VERSION or not path.is_file():
        return None
    return path


def plotly_js() -> Path:
    """The plotly.js file the live map serves."""
    return map_bundle() or FULL


def fetch(url: str | None = None, integrity: str | None = None, timeout: float = 120) -> Path:
    """Download the npm tarball, check its integrity, and install the map bundle. Raises ``OSError``/``ValueError``."""
    url, integrity = url or TARBALL, integrity or INTEGRITY
    with urllib.request.urlopen(url, timeout=timeout) as response:
        payload = response.read()
    algorithm, _, expected = integrity.partition("-")
    found = base64.b64encode(hashlib.new(algorithm, payload).digest()).decode()
    if found != expected:
        raise ValueError(f"{url}: integrity check failed: expected {algorithm} {expected}, found {found}")
    with tarfile.open(fileobj=io.BytesIO(payload), mode="r:gz") as tar:
        member = tar.extractfile(MEMBER)
        if member is None:
            raise ValueError(f"{url}: no file {MEMBER} in the tarball")
        script = member.read()
    header = f"plotly.js (map - minified) v{VERSION}".encode()
    if header not in script[:200]:
        raise ValueError(f"{url}: {MEMBER} does not start with the header {header.decode()!r}")
    from dashboard.live_map import _atomic_write  # here: the package imports this module first

    target = installed_path()
    target.parent.mkdir(parents=True, exist_ok=True)
    _atomic_write(target, script)
    return target


def main(argv: list[str]) -> int:
    if "--check" in argv:
        print(plotly_js())
        return 0
    if map_bundle() is not None:
        return 0
    if plotly.offline.get_plotlyjs_version() != VERSION:
        print(f"note: plotly ships plotly.js {plotly.offline.get_plotlyjs_version()}, the map bundle pin is {VERSION}; "
              "the map uses the full bundle (update VERSION and INTEGRITY in dashboard/live_map/bundle.py)", file=sys.stderr)
        return 0
    try:
        path = fetch()
    except (OSError, ValueError) as exc:
        print(f"warning: could not install plotly.js's map bundle ({exc}); the map uses the full bundle, "
              "which opens more slowly", file=sys.stderr)
        return 0
    print(f"installed the plotly.js map bundle: {path}")
    return 0
