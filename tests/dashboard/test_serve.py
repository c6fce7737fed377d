"""The start-up warm-up: the data caches are filled before the server listens, and a failure never stops it."""

from __future__ import annotations

from collections import OrderedDict
from pathlib import Path

import pytest

import geo
from dashboard import data, live_map, serve
from tests.fixtures import write_dataset


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch):
    """An empty registry of the map's served files."""
    monkeypatch.setattr(live_map, "_static", {})
    monkeypatch.setattr(live_map, "_data", OrderedDict())
    monkeypatch.setattr(live_map, "_data_names", {})
    return live_map


def test_warm_up_loads_the_catalog_and_writes_the_map_data_for_the_first_page(
    tmp_path: Path, served, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BB_DATA_DIR", str(write_dataset(tmp_path / "data")))
    assert serve.warm() is True
    assert served.latest_data() is not None  # the map data the first page will reference (and its head preloads)
    assert served.static_names()["map"] in served._static  # the scripts, compressed once

    def no_second_load(*args: object) -> None:
        raise AssertionError("the catalog was loaded again after the warm-up")

    monkeypatch.setattr(geo, "load_catalog", no_second_load)
    loaded = data.current()  # what the first page run does: served from the warm cache
    assert loaded.problem is None and loaded.catalog is not None
    assert len(loaded.catalog.records) > 0


def test_warm_up_with_broken_data_reports_and_lets_the_server_start(
    tmp_path: Path, served, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BB_DATA_DIR", str(tmp_path / "nowhere"))
    assert serve.warm() is False
    monkeypatch.setattr(serve, "warm", lambda: 1 / 0)
    serve._warm_quietly()  # logs the failure, raises nothing: the first page run reports the data problem
