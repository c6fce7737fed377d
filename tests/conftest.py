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
