"""Shared fixtures: tiny datasets written to temporary directories."""

from __future__ import annotations

from pathlib import Path

import pytest

from geo import Catalog, load_catalog
from tests.fixtures import write_dataset


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """A valid toy dataset on disk (see tests/fixtures.py for its world)."""
    return write_dataset(tmp_path / "data")


@pytest.fixture
def catalog(data_dir: Path) -> Catalog:
    """The toy dataset loaded and validated."""
    return load_catalog(data_dir)


@pytest.fixture(autouse=True, scope="session")
def _audit_log_and_cache_in_a_temporary_place(tmp_path_factory: pytest.TempPathFactory) -> None:
    """The audit log and the parse cache of the app instances, command lines and pages the tests start (not the
    tester's home)."""
    import os

    os.environ.setdefault("BB_AUDIT_LOG", str(tmp_path_factory.mktemp("audit") / "audit.jsonl"))
    os.environ.setdefault("BB_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))  # the basemap's parses (geo.basemapcache)
