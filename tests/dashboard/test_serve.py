"""The start-up warm-up: the data caches are filled before the server listens, and a failure never stops it."""

from __future__ import annotations

from pathlib import Path

import pytest

import geo
from dashboard import data, live_map, serve
from tests.fixtures import write_dataset


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("BB_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(live_map, "_built", [])
    monkeypatch.setattr(live_map, "_data_names", {})
    return tmp_path / "cache"


def test_warm_up_loads_the_catalog_and_writes_the_map_data_for_the_first_page(
    tmp_path: Path, cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BB_DATA_DIR", str(write_dataset(tmp_path / "data")))
    assert serve.warm() is True
    assert list(cache_dir.glob("live-map-*/mapdata-*.json"))  # the map data the first page will reference

    def no_second_load(*args: object) -> None:
        raise AssertionError("the catalog was loaded again after the warm-up")

    monkeypatch.setattr(geo, "load_catalog", no_second_load)
    loaded = data.current()  # what the first page run does: served from the warm cache
    assert loaded.problem is None and loaded.catalog is not None
    assert len(loaded.catalog.records) > 0


def test_warm_up_with_broken_data_reports_and_lets_the_server_start(
    tmp_path: Path, cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BB_DATA_DIR", str(tmp_path / "nowhere"))
    assert serve.warm() is False
    monkeypatch.setattr(serve, "warm", lambda: 1 / 0)
    serve._warm_quietly()  # logs the failure, raises nothing: the first page run reports the data problem
