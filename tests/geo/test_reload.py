"""Reloading after a change re-reads only what changed, and gives what a fresh load gives (random edit sequences)."""

from __future__ import annotations

import gc
import json
import shutil
import tempfile
import weakref
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import geo
from geo import Loader
from tests.fixtures import base_tables, basemap, to_csv, write_dataset
from tests.geo.test_columnar import FILES, pool


def outcome(loader: Loader) -> tuple:
    """What a load gives, comparable: the catalog's content, or the problems that stopped it."""
    try:
        cat = loader.load()
    except geo.ValidationError as exc:
        return ("invalid", exc.problems)
    rec = cat.records
    return ("ok", cat.version, cat.report.problems, rec.drop(columns="geometry"), [g.wkb if g is not None else None for g in cat.shapes()],
            cat.partners.drop(columns="geometry"), cat.routes, cat.activations, cat.history,
            [t.steps for t in cat.timelines()])


def same(a: tuple, b: tuple) -> bool:
    if a[0] != b[0]:
        return False
    return all(x.equals(y) if isinstance(x, pd.DataFrame) else x == y for x, y in zip(a, b, strict=True))


edit = st.sampled_from(sorted(FILES)).flatmap(lambda f: st.tuples(
    st.just(f), st.integers(0, 5), st.sampled_from([c.name for c in FILES[f]]).flatmap(lambda c: st.tuples(st.just(c), st.sampled_from(pool(f, c)))),
    st.sampled_from(["set", "set", "copy", "drop", "touch", "basemap"])))


def apply(directory: Path, tables: dict, change: tuple) -> None:
    file, index, (column, value), how = change
    rows = tables[file]
    if how == "basemap":
        fc = basemap()
        fc["features"][index % len(fc["features"])]["properties"]["name"] = f"renamed {value}"
        (directory / "basemap" / "countries.geojson").write_text(json.dumps(fc))
        return
    if rows and how == "copy":
        rows.append({**rows[index % len(rows)], "id": f"x-copy-{len(rows)}"} if "id" in rows[0] else dict(rows[index % len(rows)]))
    elif rows and how == "drop":
        rows.pop(index % len(rows))
    elif rows and how == "set":
        rows[index % len(rows)][column] = value
    (directory / file).write_text(to_csv(file, rows), encoding="utf-8")


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(edit, min_size=1, max_size=6))
def test_a_reload_after_random_edits_equals_a_fresh_load(edits: list) -> None:
    root = Path(tempfile.mkdtemp(prefix="bb-reload-"))
    try:
        tables = base_tables()
        data = write_dataset(root / "data", tables)
        loader = Loader(data)
        assert same(outcome(loader), outcome(Loader(data)))
        for change in edits:
            apply(data, tables, change)
            assert same(outcome(loader), outcome(Loader(data))), change
    finally:
        shutil.rmtree(root)


def test_only_the_changed_file_is_read_again(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    loader = Loader(data_dir)
    first = loader.load()
    read: list[str] = []
    import geo.reload

    real = geo.reload.read_table
    monkeypatch.setattr(geo.reload, "read_table", lambda d, f, c: (read.append(f), real(d, f, c))[1])
    path = data_dir / "events.csv"
    path.write_text(path.read_text().replace("Study visit", "Study trip"), encoding="utf-8")
    second = loader.load()
    assert read == ["events.csv"]
    assert second.version != first.version and second.version == geo.data_version(data_dir)
    assert "Study trip" in second.record("ev-visit")["name"]
    unchanged = first.records[first.records["instrument"] != "event"]
    assert unchanged.drop(columns="geometry").equals(second.records[second.records["instrument"] != "event"].drop(columns="geometry"))
    loader.load()
    assert read == ["events.csv"]  # nothing changed: nothing read


def test_a_broken_file_then_its_fix(data_dir: Path) -> None:
    loader = Loader(data_dir)
    good = loader.load()
    path = data_dir / "dialogues.csv"
    text = path.read_text()
    path.write_text(text.replace("Rabat Process", "<script>alert(1)</script>"), encoding="utf-8")
    with pytest.raises(geo.ValidationError, match=r"dialogues\.csv, row 2, column 'name'"):
        loader.load()
    path.write_text(text, encoding="utf-8")
    again = loader.load()
    assert again.records.drop(columns="geometry").equals(good.records.drop(columns="geometry"))


def test_a_replaced_file_is_freed_at_once(data_dir: Path) -> None:
    """No reference cycle holds a file's table (or its catalog part): when a reload replaces the file, what only
    the old table held goes at once, not when Python's cycle collector next runs (at 100,000 records a cycle
    kept 55 MB for a while after a reload)."""
    loader = Loader(data_dir)
    first = loader.load()
    table = weakref.ref(loader._files["events.csv"][1])
    path = data_dir / "events.csv"
    path.write_text(path.read_text().replace("Study visit", "Study trip"), encoding="utf-8")
    gc.disable()
    try:
        second = loader.load()
        assert table() is None  # the loader let go of it, and nothing else held it (the catalogs hold its columns)
        assert "Study trip" in second.record("ev-visit")["name"] and "Study visit" in first.record("ev-visit")["name"]
    finally:
        gc.enable()


def test_versions_over_the_same_basemap_share_its_area_outlines(data_dir: Path) -> None:
    """An export's area outlines are made once per basemap, not once per data version: a reload after a record
    file changed keeps the country table (and the outlines kept with it); a new basemap gets its own."""
    loader = Loader(data_dir)
    first = loader.load()
    shapes = first.shapes()
    path = data_dir / "events.csv"
    path.write_text(path.read_text().replace("Study visit", "Study trip"), encoding="utf-8")
    second = loader.load()
    assert second.version != first.version and second.countries is first.countries
    again = second.shapes()
    area = int(np.flatnonzero(~second.records["located"].to_numpy() & (second.records["partners"].map(len).to_numpy() > 1))[0])
    rid = second.records["id"].iloc[area]
    assert again[area] is shapes[int(np.flatnonzero(first.records["id"].to_numpy() == rid)[0])]  # the same object: not made again
    fc = json.loads((data_dir / "basemap" / "countries.geojson").read_text())
    fc["features"][0]["properties"]["name"] = "renamed"
    (data_dir / "basemap" / "countries.geojson").write_text(json.dumps(fc))
    assert loader.load().countries is not first.countries
