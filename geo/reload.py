"""Load a data source again after a change, re-reading and re-checking only what changed.

A ``Loader`` keeps what it read last: per data file its key (size and modification time) and its table, or per
database table its change counter (``geo.db.snapshot``). A table keeps with it what was derived from it alone
(column parses, the results of the rules that read only that file, its catalog part: ``RawTable.memo``), so
when one file changes only that file is read, checked and turned into records again. What involves several files
is re-done every time on the whole data, column-wise: ids unique across files, partner codes and references that
must exist, history rows against record starts, successors, regions and spans of records with a history. So the
result is the one a fresh load would give, and the version is the one the source reports for what was read.

Instrument tables are kept with their rows in catalog order (``records.catalog_order``), so the catalog shares
their text instead of copying it; the rules read rows in any order and report them by row number.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd
import pyarrow as pa

from geo.catalog import Catalog, build_catalog, in_catalog_order
from geo.errors import DataFileError, Problem, ValidationError
from geo.io import FileKey, RawTable, file_keys, read_table
from geo.records import catalog_order
from geo.schema import BASEMAP_FILE, INSTRUMENTS
from geo.sources import DirectorySource, PostgresSource, Source
from geo.validate import DATA_FILES, Tables, ValidationReport, check_tables, read_basemap

if TYPE_CHECKING:
    from geo.db import Snapshot

INSTRUMENT_FILES = frozenset(i.file for i in INSTRUMENTS)


class Loader:
    """Loads one source, as often as asked, re-reading only what changed since the last load. Thread-safe."""

    def __init__(self, source: Source | Path) -> None:
        self.source: Source = DirectorySource(Path(source)) if isinstance(source, Path | str) else source
        self._lock = threading.Lock()
        self._files: dict[str, tuple[FileKey | None, RawTable | None, list[Problem]]] = {}
        self._basemap: tuple[FileKey | None, gpd.GeoDataFrame | None, list[Problem]] | None = None
        self._snapshot: Snapshot | None = None

    def load(self) -> Catalog:
        """The catalog of the source as it is now.

        Raises
        ------
        DataFileError
            The directory does not exist.
        DatabaseError
            The database cannot be reached or is not initialised.
        ValidationError
            The data breaks one or more rules; ``.problems`` lists every one of them.
        """
        with self._lock:
            try:
                version, tables, problems = self.snapshot()
                pa.default_memory_pool().release_unused()  # what reading a file left over, before building
                problems = self.source.name_records(problems + check_tables(tables), tables)
                report = ValidationReport(problems)
                if not report.ok:
                    raise ValidationError(problems)
                return build_catalog(tables, version, report)
            finally:
                # Arrow's allocator keeps freed pages for reuse; a reload frees a whole file's worth of them.
                pa.default_memory_pool().release_unused()

    def snapshot(self) -> tuple[str, Tables, list[Problem]]:
        """The version, the tables (instruments in catalog order) and the reading problems, reusing unchanged reads."""
        if isinstance(self.source, DirectorySource):
            return self._directory(self.source.path)
        if isinstance(self.source, PostgresSource):
            snap = self.source.read_snapshot(self._snapshot)
            in_catalog_order(snap.tables)  # kept sorted in the snapshot, so the next one reuses them sorted
            self._snapshot = snap
            return snap.version, snap.tables, snap.problems
        version, tables, problems = self.source.snapshot()
        return version, in_catalog_order(tables), problems

    def _directory(self, path: Path) -> tuple[str, Tables, list[Problem]]:
        if not path.is_dir():
            raise DataFileError(Problem(str(path), None, None, "a data directory", "no such directory"))
        version, keys = file_keys(path)
        raw: dict[str, RawTable | None] = {}
        problems: list[Problem] = []
        for file, columns in DATA_FILES:
            key = keys.get(file)
            held = self._files.get(file)
            if held is None or key is None or held[0] != key:
                table, found = read_table(path, file, columns)
                if table is not None and file in INSTRUMENT_FILES:
                    table = catalog_order(table)
                held = self._files[file] = (key, table, found)
            raw[file] = held[1]
            problems += held[2]
        key = keys.get(BASEMAP_FILE)
        if self._basemap is None or key is None or self._basemap[0] != key:
            self._basemap = (key, *read_basemap(path))
        return version, Tables.assemble(raw, self._basemap[1]), problems + self._basemap[2]
