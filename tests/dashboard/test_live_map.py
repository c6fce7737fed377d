"""The live map's files: outlines written once per content, old ones pruned, plotly.js served cacheably."""

from __future__ import annotations

from pathlib import Path

import pytest

from dashboard import live_map
from geo import display_geometry, load_catalog
from tests.fixtures import write_dataset


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("BB_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(live_map, "_built", [])
    monkeypatch.setattr(live_map, "_geometry_names", {})
    return live_map.build_dir()


def test_the_component_folder_has_its_page_script_and_plotly(folder: Path) -> None:
    page = (folder / "index.html").read_text(encoding="utf-8")
    assert "__PLOTLY_JS__" not in page and 'src="main.js"' in page
    assert (folder / "plotly.min.js").stat().st_size > 1_000_000
    assert "http://" not in page and "https://" not in page


def test_outlines_are_named_by_content_and_pruned(folder: Path, tmp_path: Path) -> None:
    disp = display_geometry(load_catalog(write_dataset(tmp_path / "data")))
    first = live_map.geometry_file(disp, "v1")
    assert live_map.geometry_file(disp, "db:abc-2") == first  # a new version with the same outlines: same file
    assert first.startswith("geometry-") and ":" not in first  # a relative URL, whatever the version looks like
    for n in range(live_map.KEEP_GEOMETRY_FILES + 3):  # outlines that differ every time
        changed = type(disp)({**disp.countries, f"X{n:02d}": disp.countries["SRB"]}, disp.areas, disp.tolerance)
        live_map.geometry_file(changed, f"v{n + 2}")
    assert len(list(folder.glob("geometry-*.json"))) == live_map.KEEP_GEOMETRY_FILES
