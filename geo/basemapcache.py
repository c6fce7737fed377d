"""The basemap's country outlines, parsed once per content and kept between processes (``BB_CACHE_DIR``).

Parsing the basemap GeoJSON (GDAL's GeoJSON driver, through pyogrio) is the largest constant of a load: 0.13-0.26 s
of a core for the shipped 2 MB file of 120,000 coordinates, plus 0.05 s importing pyogrio, in every process that
starts (each app instance, each command), and GEOS takes 50 ms more to find which outlines are valid. A process
that finds the parse in the cache rebuilds it in under 20 ms: the properties as Arrow columns, the outlines as WKB
(exact: the same doubles), and their validity (a function of the coordinates alone). Measured at 100,000 records
(2026-12-07, 12 fresh processes each side, paired): whole load -10 %, CPU time -6 %.

The cache is keyed by the SHA-256 of the file's bytes, so a changed basemap is parsed again. It is a speed-up
only: no cache directory, one that cannot be written, or a damaged, foreign or unreadable cache file mean a parse
as before. The rules on the basemap run on every load (``geo.places.check_basemap``), on the validity kept. The
cache directory is the operator's own, trusted as Python trusts its ``__pycache__``.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyarrow as pa
import shapely

from geo import geometry, settings
from geo.places import validity

LAYOUT = 2  # the layout of a cache file: part of its name, so a new layout never reads an old file
KEEP = 4  # cache files kept (the newest): a deployment has one basemap; tests and trials make more
GEOMETRY = "geometry"


def read_countries(path: Path) -> tuple[gpd.GeoDataFrame, np.ndarray]:
    """``geometry.read_countries(path)`` and its ``places.validity``, from the cache when this content was parsed
    before."""
    directory = settings.cache_dir()
    if directory is None:
        gdf = geometry.read_countries(path)
        return gdf, validity(gdf)
    before = path.stat()
    entry = directory / f"countries-{LAYOUT}-{hashlib.sha256(path.read_bytes()).hexdigest()[:40]}.arrow"
    kept = _read(entry)
    if kept is not None:
        with contextlib.suppress(OSError):
            os.utime(entry)  # in use: the newest are the ones kept (``_prune``)
        return kept
    gdf = geometry.read_countries(path)  # from the path: GDAL's messages then name the file
    valid = validity(gdf)
    after = path.stat()
    if (before.st_size, before.st_mtime_ns, before.st_ino) == (after.st_size, after.st_mtime_ns, after.st_ino):
        _write(entry, gdf, valid)  # only if what was parsed is what was hashed (the file was not replaced meanwhile)
    return gdf, valid


def _read(entry: Path) -> tuple[gpd.GeoDataFrame, np.ndarray] | None:
    try:
        data = entry.read_bytes()  # read, not memory-mapped: a file cut short under a map would kill the process
    except OSError:
        return None
    try:
        table = pa.ipc.open_file(pa.py_buffer(data)).read_all()
        meta = table.schema.metadata or {}
        crs, valid = meta[b"crs"].decode(), np.frombuffer(meta[b"valid"], np.uint8) == ord("1")
        wkb = table.column(GEOMETRY)
        if not pa.types.is_binary(wkb.type) or len(valid) != len(wkb):
            return None
        outlines = gpd.array.from_wkb(wkb.to_numpy(zero_copy_only=False), crs=crs)
        return gpd.GeoDataFrame(table.drop_columns([GEOMETRY]).to_pandas(), geometry=outlines), valid
    except Exception:  # noqa: BLE001 - a damaged or foreign file (Arrow, GEOS, pyproj, pandas errors): parse again
        return None


def _write(entry: Path, gdf: gpd.GeoDataFrame, valid: np.ndarray) -> None:
    """Write the parse next to the others, atomically (a reader sees the old file, no file, or the whole new one)."""
    tmp = None
    try:
        entry.parent.mkdir(parents=True, exist_ok=True)
        frame = gdf.drop(columns=gdf.geometry.name)
        if GEOMETRY in frame.columns:  # a property of that name: not worth a layout of its own
            return
        table = pa.Table.from_pandas(frame, preserve_index=False)  # pandas' metadata: the dtypes come back as read
        table = table.append_column(GEOMETRY, pa.array(shapely.to_wkb(gdf.geometry.to_numpy()), pa.binary()))
        table = table.replace_schema_metadata({**(table.schema.metadata or {}), b"crs": gdf.crs.to_wkt().encode(),
                                               b"valid": bytes(np.where(valid, ord("1"), ord("0")).astype(np.uint8))})
        fd, tmp = tempfile.mkstemp(dir=entry.parent, prefix=".countries-", suffix=".tmp")
        with os.fdopen(fd, "wb") as fh, pa.ipc.new_file(fh, table.schema) as writer:
            writer.write_table(table)
        os.replace(tmp, entry)
        tmp = None
        _prune(entry.parent)
    except Exception:  # noqa: BLE001 - a read-only or full disk, properties Arrow cannot hold: no cache, same data
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


def _prune(directory: Path) -> None:
    """Keep the ``KEEP`` newest cache files."""
    entries = []
    for entry in directory.glob("countries-*.arrow"):
        with contextlib.suppress(OSError):
            entries.append((entry.stat().st_mtime_ns, entry))
    for _, entry in sorted(entries, reverse=True)[KEEP:]:
        with contextlib.suppress(OSError):
            entry.unlink()
