"""The basemap's parse kept between processes: the same outlines as a parse, never stale, never in the way."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pytest
from geopandas.testing import assert_geodataframe_equal

from geo import basemapcache, geometry, load_catalog, places, settings
from geo.errors import ValidationError
from tests.fixtures import basemap, write_dataset

SHIPPED = settings.DEFAULT_DATA_DIR / "basemap" / "countries.geojson"


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path / "cache"
    monkeypatch.setenv("BB_CACHE_DIR", str(directory))
    return directory


def entries(directory: Path) -> list[Path]:
    return sorted(directory.glob("countries-*.arrow"))


def no_parse(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(path: Path) -> None:
        raise AssertionError(f"{path} parsed again")
    monkeypatch.setattr(geometry, "read_countries", fail)


def test_the_shipped_basemap_reads_back_from_the_cache_as_parsed(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    parsed = geometry.read_countries(SHIPPED)
    first, valid = basemapcache.read_countries(SHIPPED)
    assert len(entries(cache)) == 1
    no_parse(monkeypatch)
    monkeypatch.setattr(basemapcache, "validity", lambda gdf: pytest.fail("validity worked out again"))
    again, valid_again = basemapcache.read_countries(SHIPPED)
    assert_geodataframe_equal(first, parsed)
    assert_geodataframe_equal(again, parsed)  # the same columns, dtypes, CRS and coordinates, bit for bit
    assert list(again.columns) == list(parsed.columns) and again.crs == parsed.crs
    assert valid.tolist() == valid_again.tolist() == places.validity(parsed).tolist()


def write_basemap(path: Path, name: str = "") -> Path:
    fc = basemap()
    if name:
        fc["features"][0]["properties"]["name"] = name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(fc))
    return path


def test_a_changed_basemap_is_parsed_again_not_taken_from_the_cache(cache: Path, tmp_path: Path) -> None:
    path = write_basemap(tmp_path / "countries.geojson", "First name")
    assert basemapcache.read_countries(path)[0]["name"].iloc[0] == "First name"
    write_basemap(path, "Second name")
    assert basemapcache.read_countries(path)[0]["name"].iloc[0] == "Second name"
    assert len(entries(cache)) == 2


def test_a_damaged_cache_file_means_a_parse_and_a_sound_file_again(cache: Path, tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_basemap(tmp_path / "countries.geojson")
    parsed, valid = basemapcache.read_countries(path)
    (entry,) = entries(cache)
    table = pa.ipc.open_file(entry.read_bytes()).read_all()
    short = pa.BufferOutputStream()  # a validity that does not fit the outlines
    with pa.ipc.new_file(short, table.schema.with_metadata({**table.schema.metadata, b"valid": b"1"})) as writer:
        writer.write_table(table)
    for damage in (entry.read_bytes()[:1000], b"not an arrow file", b"", short.getvalue().to_pybytes()):
        entry.write_bytes(damage)
        gdf, again = basemapcache.read_countries(path)
        assert_geodataframe_equal(gdf, parsed) and again.tolist() == valid.tolist()
        assert entry.read_bytes() != damage  # written again, whole
    no_parse(monkeypatch)
    assert_geodataframe_equal(basemapcache.read_countries(path)[0], parsed)


def test_a_cache_directory_that_cannot_be_made_costs_a_parse_not_the_load(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "a file"
    blocker.write_text("")
    monkeypatch.setenv("BB_CACHE_DIR", str(blocker / "cache"))  # under a file: no directory can be made there
    path = write_basemap(tmp_path / "countries.geojson")
    assert_geodataframe_equal(basemapcache.read_countries(path)[0], geometry.read_countries(path))
    assert not list(tmp_path.glob("**/*.arrow")) and not list(tmp_path.glob("**/.countries-*"))


def test_off_keeps_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BB_CACHE_DIR", "off")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert settings.cache_dir() is None
    path = write_basemap(tmp_path / "countries.geojson")
    basemapcache.read_countries(path)
    assert not (tmp_path / "xdg").exists()


def test_the_cache_directory_setting(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BB_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert settings.cache_dir() == tmp_path / "beyond-borders"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert settings.cache_dir() == tmp_path / "home" / ".cache" / "beyond-borders"
    monkeypatch.setenv("BB_CACHE_DIR", " ~/elsewhere ")
    assert settings.cache_dir() == tmp_path / "home" / "elsewhere"


def test_only_the_newest_parses_are_kept(cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "countries.geojson"
    for n in range(basemapcache.KEEP + 2):
        write_basemap(path, f"Name {n}")
        basemapcache.read_countries(path)
    kept = entries(cache)
    assert len(kept) == basemapcache.KEEP
    write_basemap(path, f"Name {basemapcache.KEEP + 1}")  # the newest: still there, read without a parse
    no_parse(monkeypatch)
    assert basemapcache.read_countries(path)[0]["name"].iloc[0] == f"Name {basemapcache.KEEP + 1}"
    assert entries(cache) == kept


def test_the_outline_rules_run_on_a_basemap_read_from_the_cache(cache: Path, tmp_path: Path) -> None:
    d = write_dataset(tmp_path / "data")
    path = d / "basemap" / "countries.geojson"
    fc = json.loads(path.read_text())
    bowtie = {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]}
    fc["features"].append({"type": "Feature", "properties": {"iso3": "ZZZ", "name": "bad"}, "geometry": bowtie})
    path.write_text(json.dumps(fc))
    found = []
    for _ in range(2):  # a parse, then the cache
        with pytest.raises(ValidationError) as err:
            load_catalog(d)
        found.append([(p.file, p.row, p.column, p.expected) for p in err.value.problems])
    assert len(entries(cache)) == 1
    assert found[0] == found[1] and ("basemap/countries.geojson", len(fc["features"]), "geometry", "a valid polygon") in found[1]
