"""Start the dashboard (``streamlit run dashboard/asgi.py``) and get it ready before the first visitor.

Streamlit runs the app's script only when a browser connects, so the first visitor after a start used to
wait about 2 s more than anyone after: the imports (pandas, GeoPandas, plotly, the export libraries), the
catalog's load and validation, and the simplified outlines. Here that work is done before the server starts
listening, through the same caches the pages use (``dashboard.data``), so the first page open finds them
filled.

Decision: warm up *before* listening rather than in the background. The port (and ``/_stcore/health``)
then answers only when the app can serve its data at full speed, which is what a load balancer or a
situation-centre screen reopening after a restart should see; the cost is that the port opens a second or
two later. Warming is only an optimisation: a failure is logged and left to the first page run, which
reports a broken data directory or database to the user the usual way.

Usage: ``python -m dashboard.serve [streamlit run options]`` (what ``scripts/run.sh`` runs).
"""

from __future__ import annotations

import logging
import sys
import time
from pathlib import Path

from streamlit.logger import get_logger  # Streamlit's handler and level, so the server log shows the warm-up

APP = Path(__file__).resolve().parent / "asgi.py"  # st.App around app.py, with the map's file route
log = get_logger("beyond_borders.serve")


def warm() -> bool:
    """Fill the data caches for the current data version; True when the default map's data is ready."""
    # The modules the pages import, so the first run does not pay for them.
    from dashboard import briefing, data, details, figures, live_map, sidebar, state  # noqa: F401

    loaded = data.current()
    if loaded.catalog is None:
        log.warning("warm-up: no data to serve yet (%s); the first page open reports it", loaded.problem)
        return False
    catalog, version = loaded.catalog, loaded.version
    data.map_version(version, catalog)  # the map model and its data file
    live_map.static_names()  # the map's script and deck.gl, compressed once
    # Not data.selected_ids (st.cache_data): created outside a runtime, its cache would take another storage.
    return True


def _warm_quietly() -> None:
    # Outside a page run Streamlit warns once per cache call ("missing ScriptRunContext") and, when a cache is
    # declared, that there is no runtime yet; both are expected here.
    quiet = [logging.getLogger(f"streamlit.runtime.{name}") for name in
             ("scriptrunner_utils.script_run_context", "caching.cache_data_api")]
    levels = [q.level for q in quiet]
    for q in quiet:
        q.setLevel(logging.ERROR)
    started = time.perf_counter()
    try:
        ready = warm()
    except Exception:  # an optimisation only; the first page run reports the problem itself
        log.exception("warm-up failed; the first page open loads the data instead")
    else:
        if ready:
            log.info("warm-up: data and map outlines ready in %.1f s", time.perf_counter() - started)
    finally:
        for q, level in zip(quiet, levels, strict=True):
            q.setLevel(level)


def main(argv: list[str]) -> int:
    _warm_quietly()  # Streamlit re-reads its configuration files and flags when it starts, after this
    from streamlit.web import cli

    return cli.main(args=["run", str(APP), *argv], prog_name="streamlit")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
