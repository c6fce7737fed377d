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

import contextlib
import ctypes
import datetime as dt
import os
import sys
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future, ThreadPoolExecutor, wait
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd
import pyarrow as pa

from geo.catalog import Catalog, build_catalog, in_catalog_order
from geo.errors import DataFileError, Problem, ValidationError
from geo.io import FileKey, RawTable, file_keys, read_table
from geo.places import location_rules, outlines
from geo.records import catalog_order, part_of
from geo.rules import local_problems
from geo.schema import BASEMAP_FILE, INSTRUMENTS, Instrument
from geo.sources import DirectorySource, PostgresSource, Source
from geo.validate import DATA_FILES, Tables, ValidationReport, check_tables, read_basemap, well_formed_ids

if TYPE_CHECKING:
    from geo.db import Snapshot

INSTRUMENT_BY_FILE = {i.file: i for i in INSTRUMENTS}


M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3  # glibc's mallopt parameter numbers (malloc.h)
MMAP_THRESHOLD = 32 << 20  # the highest value glibc's own adjustment reaches (DEFAULT_MMAP_THRESHOLD_MAX)
TRIM_THRESHOLD = 2 * MMAP_THRESHOLD  # as glibc's own adjustment sets it
READ_TRIM_THRESHOLD = 1 << 30  # while reading: freed memory stays in the process, for the next block and file


class _Allocator:
    """The process's allocator settings for data reads (made once, when the first loader is made: not at import)."""

    lock = threading.Lock()
    ready = False
    libc: ctypes.CDLL | None = None
    reading = 0


def use_system_allocator() -> None:
    """Arrow allocates with the C library's malloc, unless the operator chose a pool (``ARROW_DEFAULT_MEMORY_POOL``).

    Measured at 100,000 records (2026-12-06): Arrow's default (mimalloc) keeps what a read freed for its own reuse,
    so a process that reloads grew to 615 MB resident (peak 705 MB over three reloads); with malloc, and what a
    read freed handed back after it, it stays at about 450 MB (peak 606 MB then). See ``reading`` for the rest."""
    with _Allocator.lock:
        if _Allocator.ready:
            return
        _Allocator.ready = True
        if os.environ.get("ARROW_DEFAULT_MEMORY_POOL"):
            return
        pa.set_memory_pool(pa.system_memory_pool())
        if sys.platform == "linux" and not os.environ.get("MALLOC_MMAP_THRESHOLD_"):
            with contextlib.suppress(OSError):  # not glibc (musl, ...): its own policy stays
                _Allocator.libc = ctypes.CDLL("libc.so.6")


@contextlib.contextmanager
def reading() -> Iterator[None]:
    """While data files are read, what a read frees stays in the process for the next block and file to reuse; the
    loader hands it back to the system as soon as the read is done (``Loader.load``: Arrow's ``release_unused``,
    which is ``malloc_trim`` with the system allocator).

    A page the process gets fresh from the system costs a fault, about 3 microseconds on this machine (a 200 MB
    buffer: 49,000 faults, 0.14 s), and a whole load at 100,000 records touched about 1 GB of fresh pages for 95 MB of
    files: the parse buffers of each block, the file's bytes, the copy in catalog order. glibc's default returns
    freed memory at the top of its heap and every block of the mmap threshold or more as soon as it is freed.
    Measured at 100,000 records (2026-12-06, 10 fresh loads each side, paired; with Arrow's default 1 MiB blocks,
    ``geo.io``): page faults 226,000 -> 146,000, CPU time -9 %, whole load -7 %; peak RSS over a load and three
    reloads 463-490 -> 510-533 MB.

    The earlier policy did the opposite (a 1 MiB mmap threshold while reading, so every parse buffer was a fresh
    mapping, given back when freed): lower peak, more faults. After the read, the mmap threshold stays at 32 MiB,
    the value glibc's own adjustment reaches (a low one for validation and the build costs their many
    multi-megabyte temporaries a fresh mapping each), and the trim threshold at twice that, as glibc sets it."""
    libc = _Allocator.libc
    if libc is None:
        yield
        return
    with _Allocator.lock:
        _Allocator.reading += 1
        if _Allocator.reading == 1:
            libc.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)
            libc.mallopt(M_TRIM_THRESHOLD, READ_TRIM_THRESHOLD)
    try:
        yield
    finally:
        with _Allocator.lock:
            _Allocator.reading -= 1
            if _Allocator.reading == 0:
                libc.mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD)


WORKERS = min(2, os.cpu_count() or 1)  # Arrow, numpy and GEOS release the GIL: files are worked on side by side


def queue_own_work(pool: Executor, inst: Instrument, table: RawTable, countries: Callable[[], gpd.GeoDataFrame | None],
                   today: dt.date, queued: list[Future]) -> None:
    """Queue what depends on a fresh instrument table alone, in two halves that run side by side: the rules that
    read only it (and its ids' pattern), and its catalog part, points and location rules (which read the basemap
    too: ``countries`` gives it, once read). The columns both halves parse are parsed first, here, so neither
    waits for nor repeats the other's parse. Two halves, not one job: a reload of one changed file used one of
    the two cores for the file's own work (measured at 100,000 records, 2026-12-06)."""
    for name in ("start", "end"):
        table.dates(name)
    table.days("checked")
    table.numbers("lat")
    table.numbers("lon")
    queued.append(pool.submit(_own_rules, inst, table, today))
    queued.append(pool.submit(_own_part, inst, table, countries))


def _own_rules(inst: Instrument, table: RawTable, today: dt.date) -> None:
    local_problems(table, inst.columns, today)
    well_formed_ids(table)


def _own_part(inst: Instrument, table: RawTable, countries: Callable[[], gpd.GeoDataFrame | None]) -> None:
    part_of(table, inst).points()  # its own columns first
    if inst.located:
        location_rules(table, inst.key, countries())


def _read(path: Path, file: str, columns: tuple) -> tuple[RawTable | None, list[Problem]]:
    table, found = read_table(path, file, columns)
    if table is not None and file in INSTRUMENT_BY_FILE:
        table = catalog_order(table)
    return table, found  # its bytes and parse buffers are freed for the next file to reuse (``reading``)


def prepare(tables: Tables, files: list[str], today: dt.date | None = None) -> None:
    """Work out, for freshly read instrument tables, what depends on each alone (``queue_own_work``) on two workers;
    ``check_tables`` and ``build_catalog`` then find it done (a table already worked out costs nothing here)."""
    today = today or dt.date.today()
    countries = tables.countries
    if countries is not None:
        outlines(countries)  # prepared once, before threads use the outlines
    fresh = [(i, tables.instruments[i.key]) for i in INSTRUMENTS if i.file in files and tables.instruments.get(i.key) is not None]
    fresh.sort(key=lambda it: -len(it[1]))  # the longest first, so the two workers finish together
    queued: list[Future] = []
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        for future in [pool.submit(queue_own_work, pool, i, t, lambda: countries, today, queued) for i, t in fresh]:
            future.result()
        for future in queued:
            future.result()


class Loader:
    """Loads one source, as often as asked, re-reading only what changed since the last load. Thread-safe."""

    def __init__(self, source: Source | Path) -> None:
        use_system_allocator()
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
                pa.default_memory_pool().release_unused()  # what the read freed and kept (``reading``), before building
                with ThreadPoolExecutor(max_workers=WORKERS) as pool:
                    # built while the cross-file rules run, on the same two workers (most of both is Arrow and numpy,
                    # which release the GIL); kept only if the data passes them
                    built = pool.submit(build_catalog, tables, version, ValidationReport([]))
                    problems = self.source.name_records(problems + check_tables(tables, pool=pool), tables)
                    report = ValidationReport(problems)
                    if not report.ok:
                        built.cancel()
                        wait([built])  # what a build of bad data raised is not the user's news: the problems are
                        raise ValidationError(problems)
                    return replace(built.result(), report=report)
            finally:
                # Arrow's allocator keeps freed pages for reuse; a reload frees a whole file's worth of them.
                pa.default_memory_pool().release_unused()

    def snapshot(self) -> tuple[str, Tables, list[Problem]]:
        """The version, the tables (instruments in catalog order) and the reading problems, reusing unchanged reads."""
        if isinstance(self.source, DirectorySource):
            return self._directory(self.source.path)
        if isinstance(self.source, PostgresSource):
            kept = self._snapshot.tables.by_file() if self._snapshot is not None else {}
            with reading():
                snap = self.source.read_snapshot(self._snapshot)
                in_catalog_order(snap.tables)  # kept sorted in the snapshot, so the next one reuses them sorted
            self._snapshot = snap
            prepare(snap.tables, [f for f, t in snap.tables.by_file().items() if t is not None and kept.get(f) is not t])
            return snap.version, snap.tables, snap.problems
        version, tables, problems = self.source.snapshot()
        return version, in_catalog_order(tables), problems

    def _directory(self, path: Path) -> tuple[str, Tables, list[Problem]]:
        if not path.is_dir():
            raise DataFileError(Problem(str(path), None, None, "a data directory", "no such directory"))
        version, keys = file_keys(path)
        stale = [(file, columns) for file, columns in DATA_FILES
                 if (held := self._files.get(file)) is None or keys.get(file) is None or held[0] != keys.get(file)]
        basemap_key = keys.get(BASEMAP_FILE)
        today = dt.date.today()
        kept = self._basemap
        with reading(), ThreadPoolExecutor(max_workers=WORKERS) as pool:  # the basemap and the files read side by side
            basemap = None if kept is not None and basemap_key is not None and kept[0] == basemap_key \
                else pool.submit(read_basemap, path)

            def countries() -> gpd.GeoDataFrame | None:  # called by a worker: the basemap's read started first
                return basemap.result()[0] if basemap is not None else kept[1]  # type: ignore[index]

            work: list[Future] = []

            def read(file: str, columns: tuple) -> tuple[RawTable | None, list[Problem]]:
                """Read a file; an instrument's own work is queued behind the reads, so a worker with no file left
                to read starts on it (measured at 100,000 records, 2026-12-06: the two workers ended their reads up
                to 0.23 s apart, and the own work waited for the last)."""
                table, found = _read(path, file, columns)
                if table is not None and file in INSTRUMENT_BY_FILE:
                    queue_own_work(pool, INSTRUMENT_BY_FILE[file], table, countries, today, work)
                return table, found

            stale.sort(key=lambda fc: -(keys.get(fc[0]) or (0, 0))[0])  # the largest first: the workers end together
            for (file, _), (table, found) in zip(stale, pool.map(lambda fc: read(*fc), stale), strict=True):
                self._files[file] = (keys.get(file), table, found)
            if basemap is not None:
                self._basemap = (basemap_key, *basemap.result())
            for future in work:
                future.result()
        assert self._basemap is not None
        raw = {file: self._files[file][1] for file, _ in DATA_FILES}
        problems = [p for file, _ in DATA_FILES for p in self._files[file][2]]
        return version, Tables.assemble(raw, self._basemap[1]), problems + self._basemap[2]
